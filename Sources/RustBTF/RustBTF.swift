public enum RustBTF {}
