import TypeGraph

enum RustEnums {
  /// Returns whether the graph changed.
  static func lower(_ graph: inout TypeGraph, pass: String) -> Bool {
    false
  }
}
