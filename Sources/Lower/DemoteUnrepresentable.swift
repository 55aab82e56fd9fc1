import TypeGraph

/// `demote-unrepresentable`: every node BTF has no kind for is mapped to the nearest kind that
/// keeps its layout, or demoted to void with the reason recorded. Nothing is dropped silently:
/// each change is a `Decision`.
///
/// The table (PASSES.md has the same table; `DemotionRule.forNode` is the one place it lives):
/// | DWARF construct | becomes |
/// |---|---|
/// | `DW_TAG_reference_type`, `DW_TAG_rvalue_reference_type` | PTR (same layout) |
/// | `DW_TAG_atomic_type` | VOLATILE (layout kept; the atomic qualifier is lost) |
/// | `DW_TAG_immutable_type` | CONST |
/// | zero-sized base types (Rust `()`, `!`) | empty STRUCT of size 0 (an INT of size 0 cannot be an array element) |
/// | enumeration of a size other than 1, 2, 4, 8 (`#[repr(u128)]`) | INT of that size |
/// | everything else (below) | void |
///
/// Everything else: `DW_TAG_variant_part`, `DW_TAG_variant`, unspecified types, base types wider
/// than 128 bits, pointers to members, string and set types, complex floats.
public struct DemoteUnrepresentable: Pass {
  public static let name = "demote-unrepresentable"
  public static let summary = "map DWARF constructs BTF cannot represent to the nearest BTF kind, or demote them to void"

  public init() {}

  public static let descriptor = PassDescriptor(Self.self) { params in
    try params.checkKnown([])
    return DemoteUnrepresentable()
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = false
    for i in 1..<graph.count {
      let id = TypeID(i)
      guard let rule = DemotionRule.forNode(id, in: graph) else { continue }
      changed = true
      switch rule {
      case .map(let kind, let why):
        var shape = graph.shape(id)
        shape.kind = kind
        if kind == .int { shape.aux = graph.size(id) * 8 > 128 ? 0 : graph.size(id) * 8 }
        if kind == .structure || kind == .int { shape.members = [] }
        graph.rewrite(id, as: shape, pass: Self.name, reason: why)
      case .demote:
        graph.demote(id, pass: Self.name, reason: Reason.noBTFKind(tag: graph.dwarfTag(of: id)))
      }
    }
    return changed ? .changed : .unchanged
  }
}

/// What `demote-unrepresentable` does with one node; nil when the node is representable.
enum DemotionRule {
  case map(Kind, DemoteUnrepresentable.Reason)
  case demote

  static func forNode(_ id: TypeID, in graph: TypeGraph) -> DemotionRule? {
    let tag = graph.dwarfTag(of: id)
    switch graph.kind(id) {
    case .unrepresentable:
      switch tag {
      case DWARFTag.referenceType, DWARFTag.rvalueReferenceType:
        return .map(.pointer, .referenceMappedToPointer(tag: tag))
      case DWARFTag.atomicType:
        return .map(.volatile, .atomicMappedToVolatile)
      case DWARFTag.immutableType:
        return .map(.const, .immutableMappedToConst)
      default:
        return .demote
      }
    case .int where graph.size(id) == 0:
      return .map(.structure, .zeroSizedBaseTypeMappedToStruct)
    case .enumeration, .enum64:
      let s = graph.size(id)
      if s == 1 || s == 2 || s == 4 || s == 8 { return nil }
      return .map(.int, .wideEnumMappedToInt(bytes: s))
    default:
      return nil
    }
  }
}
