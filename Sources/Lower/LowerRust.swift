import TypeGraph

/// `lower-rust`: rewrites the constructs rustc's DWARF uses for Rust types into BTF shapes that
/// keep their information, before `demote-unrepresentable` would turn them into void:
/// - data-carrying enums (`DW_TAG_variant_part`): see `RustEnums.swift`;
/// - Rust base types (`u32`, `usize`, `char`, `bool`…): see `RustBaseTypes.swift`;
/// - unsized tails (`Tail<[u8]>`): see `RustLayouts.swift`.
/// Each step touches Rust nodes only (`NodeFlags.rust`): C input is left exactly as it was.
public struct LowerRust: Pass {
  public static let name = "lower-rust"
  public static let summary =
    "encode Rust enums with their discriminant and variants, Rust base types and unsized tails as BTF can carry them"

  public init() {}

  /// Reason texts (stable: tools and goldens read them).
  public static let descriptor = PassDescriptor(Self.self) { params in
    try params.checkKnown([])
    return LowerRust()
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = false
    changed = RustEnums.lower(&graph, pass: Self.name) || changed
    changed = RustLayouts.lower(&graph, pass: Self.name) || changed
    changed = RustBaseTypes.lower(&graph, pass: Self.name) || changed
    return changed ? .changed : .unchanged
  }
}
