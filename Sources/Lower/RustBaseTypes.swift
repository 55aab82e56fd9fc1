import TypeGraph

enum RustBaseTypes {
  /// Returns whether the graph changed.
  static func lower(_ graph: inout TypeGraph, pass: String) -> Bool {
    false
  }
}
