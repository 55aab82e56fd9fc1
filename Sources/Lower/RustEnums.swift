import TypeGraph

/// Data-carrying Rust enums. rustc describes `enum E { A, B(u32) }` as a STRUCT `E` of the enum's
/// size holding a `DW_TAG_variant_part`: an artificial discriminant member and one
/// `DW_TAG_variant` per variant, each holding one member (named after the variant) whose type
/// is a struct of the whole enum's size with the variant's fields at their true offsets.
///
/// BTF has no variant part, so the enum becomes (C as `bpftool btf dump … format c` prints it):
///
///     struct E {                          // same name, same size
///       union {                           // anonymous, offset 0, the enum's size
///         struct {                        // anonymous, only when DWARF names a discriminant
///           long: 64;
///           enum E__Discriminant discriminant;   // at its DWARF offset, of its DWARF size
///         };
///         struct E__A A;                  // one member per variant, offset 0, named after it
///         struct E__B B;
///       };
///     };
///
/// Anonymous members are transparent in C and in CO-RE field lookups, so `e.discriminant` and
/// `e.B.__0` name the bytes DWARF gives them, and no two members of one struct overlap (the
/// kernel would accept overlapping members sorted by offset, but a C header could not lay them
/// out). The discriminant's type is an ENUM (ENUM64 for 8 bytes) named `E::Discriminant`, one
/// enumerator per variant that has a `DW_AT_discr_value`, named after the variant; when the
/// values cannot be an enum (16-byte discriminants, no variant with a value) it keeps its
/// integer type. Default variants (no `DW_AT_discr_value`: the dataful variant of a
/// niche-optimised enum) get no enumerator. The discriminant values, defaults included, are in
/// the decision recorded on the enum, which `--explain E` prints.
enum RustEnums {
  /// Returns whether the graph changed.
  static func lower(_ graph: inout TypeGraph, pass: String) -> Bool {
    var changed = false
    let end = graph.count // nodes added here are never enums to lower
    var named = NamedVariantStructs()
    for i in 1..<end {
      let id = TypeID(i)
      guard graph.kind(id) == .structure, graph.flags(id).contains(.rust) else { continue }
      let range = graph.memberRange(id)
      guard let k = range.first(where: { isVariantPart(graph.memberTypes[$0], graph) }) else { continue }
      lowerEnum(id, variantPartMember: k - range.lowerBound, &graph, named: &named, pass: pass)
      changed = true
    }
    return changed
  }

  /// The variant structs this run has named after their enum, with the name each had before.
  ///
  /// One variant struct can have several holders: dedup before this pass (issue 19's
  /// hash-consing, keyed by namespace path) merges the variant structs of an enum's copies,
  /// which are equal, while the copies themselves stay apart, since each holds its own variant
  /// part and graph-only nodes never merge. The struct is then named once, by its first holder
  /// (its holders are copies of one enum: its path, which the key holds, ends with the enum's
  /// name), and every holder reads the name DWARF gave it (coroutines name their variants after
  /// their structs), so the result is the one each copy gets when nothing was merged. A key
  /// without the path (today's dedup) also merges the equal structs of different enums (`None`
  /// of `Option<u32>` and of `Option<&u8>`), which then keep their first holder's name.
  struct NamedVariantStructs {
    /// Indexed by TypeID, allocated with the first rename; `notNamed` where not renamed.
    private var before: [NameID] = []
    private static let notNamed = NameID(rawValue: -1)

    func contains(_ id: TypeID) -> Bool { id.index < before.count && before[id.index] != Self.notNamed }

    /// The name `id` had before this run renamed it, else its name.
    func dwarfName(_ id: TypeID, _ graph: TypeGraph) -> NameID { contains(id) ? before[id.index] : graph.name(id) }

    mutating func record(_ id: TypeID, before name: NameID, _ graph: TypeGraph) {
      if before.isEmpty { before = Array(repeating: Self.notNamed, count: graph.count) }
      before[id.index] = name
    }
  }

  static func isVariantPart(_ t: TypeID, _ graph: TypeGraph) -> Bool {
    graph.kind(t) == .unrepresentable && graph.dwarfTag(of: t) == DWARFTag.variantPart
  }

  /// One variant as the variant part lists it.
  struct Variant {
    var name: NameID
    /// The variant's DWARF member name (`name` differs for coroutines).
    var original: NameID
    /// The variant's struct (type of the variant's member), or void when DWARF gave none.
    var type: TypeID
    var value: UInt64
    var flags: VariantFlags
    /// The whole value as `0x…` when it does not fit 64 bits.
    var wideValue: NameID
  }

  static func lowerEnum(
    _ e: TypeID, variantPartMember k: Int, _ graph: inout TypeGraph, named: inout NamedVariantStructs, pass: String
  ) {
    var members = graph.members(of: e)
    let vp = members[k].type
    let size = graph.size(e)
    let enumName = graph.nameString(e)
    let scope = graph.scopes[e.index]

    // Read the variant part: its discriminant and its variants.
    var discriminant: Member?
    var variants: [Variant] = []
    var dropped: [LowerRust.Reason.LoweredEnum.DroppedField] = []
    var variantNodes: [TypeID] = []
    for entry in graph.members(of: vp) {
      let flags = entry.variantFlags
      if flags.contains(.discriminant) {
        discriminant = entry
        continue
      }
      let v = entry.type
      variantNodes.append(v)
      for field in graph.members(of: v) {
        if field.bitField.offset != 0 {
          dropped.append(.init(name: graph.strings.string(field.name), byte: field.bitField.byteOffset))
          continue
        }
        variants.append(
          Variant(
            name: RustEnumNaming.variantName(member: field.name, structName: named.dwarfName(field.type, graph), graph.strings),
            original: field.name, type: field.type, value: entry.discriminantValue, flags: flags,
            wideValue: entry.name))
      }
    }

    // Variant structs are named after their enum (`Option<u32>::Some`, not `Some`), once: a
    // struct that another copy of this enum shares was named by it (`NamedVariantStructs`).
    for v in variants where graph.kind(v.type) == .structure && graph.flags(v.type).contains(.rust) && !named.contains(v.type) {
      let old = graph.name(v.type)
      let qualified = graph.strings.intern(enumName + "::" + graph.strings.string(old))
      guard old != qualified else { continue }
      named.record(v.type, before: old, graph)
      graph.rename(
        v.type, to: qualified, scope: scope, pass: pass, reason: LowerRust.Reason.variantStructNamedAfterEnum(enumName: enumName))
    }

    // The union of the variants, with the discriminant in an anonymous struct of its own.
    var unionMembers: [Member] = []
    var lowered = LowerRust.Reason.LoweredEnum(
      discriminant: nil, variants: variants.map { valueOf($0, graph) }, dropped: dropped)
    if let d = discriminant {
      let name = discriminantName(d.name, variants, &graph)
      let (type, typeCode) = discriminantType(d, variants, enumName: enumName, scope: scope, &graph, pass: pass)
      let holder = graph.add(.structure, size: size, flags: [.rust, .synthesized], scope: scope)
      graph.replaceMembers(holder, with: [Member(name: name, type: type, value: d.bitField.offset)], pass: pass, changes: [])
      // Reports match the DWARF member with what stands for it (`discriminant` for an unnamed one).
      if name != d.name { graph.recordMemberOrigin(of: holder, original: d.name, written: name, pass: pass) }
      unionMembers.append(Member(type: holder))
      lowered.discriminant = .init(name: graph.strings.string(name), byte: d.bitField.byteOffset, type: typeCode)
    }
    for v in variants {
      unionMembers.append(Member(name: v.name, type: v.type))
    }

    if unionMembers.isEmpty {
      members.remove(at: k)
    } else {
      let u = graph.add(.union, size: size, flags: [.rust, .synthesized], scope: scope)
      graph.replaceMembers(u, with: unionMembers, pass: pass, changes: [])
      for v in variants where v.name != v.original {
        graph.recordMemberOrigin(of: u, original: v.original, written: v.name, pass: pass)
      }
      members[k] = Member(type: u)
    }
    let rewrite = graph.replaceMembers(e, with: members, pass: pass, reason: LowerRust.Reason.dataCarryingEnum(lowered))
    // The variant part and its variants now live in the enum's union.
    for v in variantNodes + [vp] { graph.prune(v, pass: pass, reason: LowerRust.Reason.foldedIntoEnum, cause: rewrite) }
  }

  /// A variant's value as the reason gives it: `1`, `0xffff…0001`, any other value.
  static func valueOf(_ v: Variant, _ graph: TypeGraph) -> LowerRust.Reason.LoweredEnum.Variant {
    let name = graph.strings.string(v.name)
    if !v.flags.contains(.hasDiscriminantValue) { return .init(name: name, value: .anyOther) }
    if v.flags.contains(.wideDiscriminantValue) { return .init(name: name, value: .wide(graph.strings.string(v.wideValue))) }
    return .init(name: name, value: .value(v.value))
  }

  static func discriminantName(_ dwarfName: NameID, _ variants: [Variant], _ graph: inout TypeGraph) -> NameID {
    let name = RustEnumNaming.discriminantName(
      dwarfName: graph.strings.string(dwarfName), variantNames: variants.map { graph.strings.string($0.name) })
    return graph.strings.intern(name)
  }

  /// The discriminant's type: an ENUM of the variants' values when the discriminant is an
  /// integer of 1, 2, 4 or 8 bytes and at least one variant has a value that fits; otherwise
  /// its own type. Returns the type and how the reason describes it.
  static func discriminantType(
    _ d: Member, _ variants: [Variant], enumName: String, scope: NameID, _ graph: inout TypeGraph, pass: String
  ) -> (TypeID, LowerRust.Reason.LoweredEnum.DiscriminantType) {
    let int = graph.resolvingModifiers(d.type)
    guard graph.kind(int) == .int else { return (d.type, .ownType(kind: graph.kind(int).btfName)) }
    let bytes = graph.size(int)
    let signed = graph.intEncoding(int)?.isSigned ?? false
    guard [1, 2, 4, 8].contains(bytes) else { return (d.type, .integerTooWide(bytes: bytes)) }
    let bits = UInt64(bytes) * 8
    var enumerators: [Member] = []
    for v in variants where v.flags.contains(.hasDiscriminantValue) && !v.flags.contains(.wideDiscriminantValue) {
      var value = v.value
      if bits < 64 {
        value &= (1 << bits) - 1
        if signed && value >> (bits - 1) != 0 { value |= ~((1 << bits) - 1) } // sign-extend
      }
      enumerators.append(Member(name: v.name, value: value))
    }
    guard !enumerators.isEmpty else { return (d.type, .integerWithoutValues(bytes: bytes)) }
    let node = graph.add(
      bytes <= 4 ? .enumeration : .enum64, name: graph.strings.intern(enumName + "::Discriminant"),
      size: bytes, flags: signed ? [.rust, .synthesized, .signed] : [.rust, .synthesized], scope: scope)
    graph.replaceMembers(node, with: enumerators, pass: pass, changes: [])
    return (node, .enumeration(bytes: bytes))
  }
}

/// How `lower-rust` names the members it makes for a data-carrying enum. Reports do not
/// re-derive it: `lowerEnum` records what each member stands for (`MemberOrigin`).
enum RustEnumNaming {
  /// A variant's name: its DWARF member's name, except for coroutines, whose variant members
  /// are numbered (`0`, `1`, `3`) while their structs carry the names debuggers show
  /// (`Unresumed`, `Returned`, `Suspend0`): then the struct's name.
  static func variantName(member: NameID, structName: NameID, _ strings: StringTable) -> NameID {
    if !member.isEmpty, !structName.isEmpty, strings.withBytes(member, { $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) {
      return structName
    }
    return member
  }

  /// The discriminant member's name: its DWARF name (coroutines call theirs `__state`), else
  /// `discriminant`; prefixed with `__` until no variant has it, since anonymous members share
  /// their names with the enclosing struct in C.
  static func discriminantName(dwarfName: String, variantNames: some Sequence<String>) -> String {
    var name = dwarfName.isEmpty ? "discriminant" : dwarfName
    let taken = Set(variantNames)
    while taken.contains(name) { name = "__" + name }
    return name
  }
}
