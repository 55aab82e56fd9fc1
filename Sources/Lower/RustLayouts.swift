import TypeGraph

enum RustLayouts {
  /// Returns whether the graph changed.
  static func lower(_ graph: inout TypeGraph, pass: String) -> Bool {
    false
  }
}
