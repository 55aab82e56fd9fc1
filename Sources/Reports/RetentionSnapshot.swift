import TypeGraph

/// What the retention report (`rustbtf --stats`, `RetentionReport`) needs of the input graph,
/// taken before the passes run: for each named Rust struct, union and enum its original
/// qualified name, byte size and members (flattened as C sees them), and the Rust functions
/// with a linkage name. Compact on purpose: a Rust-enabled vmlinux imports hundreds of
/// thousands of nodes, and keeping a second whole graph alive for the report would double the
/// conversion's memory. Copies of one type in many compile units share one member list.
///
/// Names are kept as `NameID`s: passes only append to the graph's string table, so they mean
/// the same in the graph the passes leave.
public struct RetentionSnapshot: Sendable {
  /// One member a type has in DWARF, flattened (`FlattenedMembers`).
  struct Field: Hashable, Sendable {
    enum Role: UInt8, Sendable {
      /// A struct or union member.
      case member
      /// An enumerator of a C-like enum; `bitOffset` holds its value.
      case enumerator
      /// The discriminant of a data-carrying enum (the member `DW_AT_discr` names).
      case discriminant
      /// A variant of a data-carrying enum: the member inside a `DW_TAG_variant` (rustc names
      /// it after the variant). The `children` fields after it are its type's members, with
      /// offsets from the start of that type.
      case variant
    }
    var name: NameID
    var role: Role
    /// For `.variant`: the name of the variant's struct (coroutines number their variant
    /// members, `0`, `1`, and name the structs, `Unresumed`, `Suspend0`).
    var typeName: NameID = .empty
    /// Bitfield width in bits; 0 when not a bitfield.
    var bitfield: UInt32 = 0
    /// For `.variant`: how many fields after this one belong to it.
    var children: Int32 = 0
    /// Bit offset from the start of the type; an enumerator's value.
    var bitOffset: UInt64
    /// Byte size of the member's type; `unknownSize` when DWARF gives it none.
    var bytes: UInt64

    static let unknownSize = UInt64.max
  }

  /// One node of the input that is a copy of a distinct type.
  struct Copy: Sendable {
    var id: TypeID
    /// Index into the record's `shapes`.
    var shape: Int32
    /// Copies of it dedup at import merged into it (`DecisionLog.copiesMergedAtImport`): they
    /// have its name, size and members, and the passes decide about them as about it.
    var mergedAtImport: Int32 = 0
  }

  /// A distinct named type: original qualified name and byte size.
  struct Record: Sendable {
    var name: String
    /// Kind as imported: structure, union, enumeration or enum64.
    var kind: Kind
    var size: UInt32
    /// Member lists of its copies (usually one), as ranges of `fields`.
    var shapes: [Range<Int>]
    var copies: [Copy]
  }

  struct Function: Sendable {
    var linkageName: NameID
    var id: TypeID
  }

  private(set) var records: [Record] = []
  private(set) var fields: ContiguousArray<Field> = []
  private(set) var functions: ContiguousArray<Function> = []
  /// Node count of the graph it was taken from; the report refuses a graph with fewer.
  let nodeCount: Int

  /// Number of distinct named Rust struct, union and enum types.
  public var typeCount: Int { records.count }

  /// Takes the snapshot of `graph`, the graph as the importer made it (before any pass).
  public init(graph: TypeGraph) {
    nodeCount = graph.count
    struct Key: Hashable {
      var name: String
      var size: UInt32
    }
    var index: [Key: Int] = [:]
    var shape: [Field] = []
    // The representatives with copies merged at import come in id order, as the nodes do.
    let atImport = graph.decisions.copiesMergedAtImport
    var group = 0
    for id in graph.ids {
      let kind = graph.kind(id)
      let flags = graph.flags(id)
      if kind == .function {
        if flags.contains(.rust) && !graph.linkageNames[id.index].isEmpty {
          functions.append(Function(linkageName: graph.linkageNames[id.index], id: id))
        }
        continue
      }
      guard kind == .structure || kind == .union || kind == .enumeration || kind == .enum64,
        flags.contains(.rust), !flags.contains(.declaration), !graph.name(id).isEmpty
      else { continue }
      let key = Key(name: Self.qualifiedName(id, graph), size: graph.size(id))
      shape.removeAll(keepingCapacity: true)
      Self.appendShape(of: id, kind: kind, graph, into: &shape)
      let r: Int
      if let found = index[key] {
        r = found
      } else {
        r = records.count
        index[key] = r
        records.append(Record(name: key.name, kind: kind, size: key.size, shapes: [], copies: []))
      }
      var s = records[r].shapes.firstIndex { fields[$0].elementsEqual(shape) }
      if s == nil {
        s = records[r].shapes.count
        records[r].shapes.append(fields.count..<fields.count + shape.count)
        fields.append(contentsOf: shape)
      }
      while group < atImport.representativeCount && atImport.group(group).representative < id { group += 1 }
      let copies =
        group < atImport.representativeCount && atImport.group(group).representative == id ? atImport.group(group).copies.count : 0
      records[r].copies.append(Copy(id: id, shape: Int32(s!), mergedAtImport: Int32(copies)))
    }
  }

  /// `scope::name` as imported (`core::option::Option<u8>`), as `Explanation` shows it.
  static func qualifiedName(_ id: TypeID, _ graph: TypeGraph) -> String {
    let name = graph.nameString(id)
    let scope = graph.scopes[id.index]
    return scope.isEmpty ? name : graph.strings.string(scope) + "::" + name
  }

  private static func appendShape(of id: TypeID, kind: Kind, _ graph: TypeGraph, into out: inout [Field]) {
    if kind == .enumeration || kind == .enum64 {
      for i in graph.memberRange(id) {
        let m = graph.member(at: i)
        out.append(Field(name: m.name, role: .enumerator, bitOffset: m.enumeratorValue, bytes: 0))
      }
    } else {
      appendMembers(of: id, graph, into: &out, variants: true)
    }
  }

  /// The flattened members of a struct or union; a variant part (a data-carrying enum) becomes
  /// its discriminant and its variants. Unnamed members that are not anonymous structs or
  /// unions (padding) are left out: nothing can find them by name. A member that starts at the
  /// end of the type has no size to compare: rustc describes an unsized tail (`data: [u16]`)
  /// and some zero-sized fields as a member of the element's or a pointer's type placed at the
  /// end, which no BTF member can be (`lower-rust` keeps them as zero-length arrays).
  private static func appendMembers(of id: TypeID, _ graph: TypeGraph, into out: inout [Field], variants: Bool) {
    let end = UInt64(graph.size(id)) * 8
    FlattenedMembers.forEach(of: id, in: graph) { _, _, m, offset in
      let t = graph.resolvingModifiers(m.type)
      if graph.kind(t) == .unrepresentable && graph.dwarfTag(of: t) == DWARFTag.variantPart {
        // Inside a variant's struct a further variant part is the variant struct's own
        // business (it is a named type of its own), so only the enum's part is expanded.
        if variants { appendVariantPart(t, at: offset, graph, into: &out) }
        return
      }
      if m.name.isEmpty { return }
      let bytes = !m.bitField.isBitfield && offset >= end ? Field.unknownSize : size(m.type, graph)
      out.append(Field(name: m.name, role: .member, bitfield: m.bitField.width, bitOffset: offset, bytes: bytes))
    }
  }

  private static func appendVariantPart(_ part: TypeID, at base: UInt64, _ graph: TypeGraph, into out: inout [Field]) {
    for i in graph.memberRange(part) {
      let entry = graph.member(at: i)
      if entry.variantFlags.contains(.discriminant) {
        out.append(Field(name: entry.name, role: .discriminant, bitOffset: base &+ entry.discriminantValue, bytes: size(entry.type, graph)))
        continue
      }
      guard graph.dwarfTag(of: entry.type) == DWARFTag.variant else { continue }
      for j in graph.memberRange(entry.type) {
        let vm = graph.member(at: j)
        let at = out.count
        let t = graph.resolvingModifiers(vm.type)
        out.append(
          Field(name: vm.name, role: .variant, typeName: graph.name(t), bitOffset: base &+ vm.bitField.offset, bytes: size(vm.type, graph)))
        if graph.kind(t) == .structure || graph.kind(t) == .union {
          appendMembers(of: t, graph, into: &out, variants: false)
        }
        out[at].children = Int32(out.count - at - 1)
      }
    }
  }

  private static func size(_ type: TypeID, _ graph: TypeGraph) -> UInt64 {
    graph.byteSize(of: type) ?? Field.unknownSize
  }
}
