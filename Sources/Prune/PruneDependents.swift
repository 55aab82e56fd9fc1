import TypeGraph

/// `prune-dependents`: after demotion, fixes or removes everything that depends on a void node
/// where BTF needs a sized type, so that every sized type stays valid and nothing dangles.
///
/// Layout is kept wherever it is known: a member whose type lost its size becomes an opaque
/// byte array (`unsigned char[N]`) of the same size at the same offset, named
/// `__opaque_<byte offset>` when it had no name; an array of such elements becomes
/// a byte array of the same total size. What has no size left is removed or demoted in turn,
/// each decision naming its cause: a prototype with such a parameter becomes void, a FUNC on a
/// void prototype and a VAR of an unsized type are removed. Pointers to void nodes need nothing:
/// they encode as `void *`. It also breaks by-value reference cycles, drops members that end
/// past their struct, and makes misaligned FLOAT members opaque.
///
/// With `policy=strict` nothing is made opaque: a struct or union holding a member without a
/// size, and an array of unsized elements, are demoted to void in turn (each naming the decision
/// on the type it held as its cause), to a fixpoint; what refers to them by pointer gets
/// `void *`, typedefs and modifiers of them stay (they encode as referring to void), and
/// prototypes, FUNCs and VARs that need their size go as in the default policy.
public struct PruneDependents: Pass, RepairsCuts {
  public static let name = "prune-dependents"
  public static let summary = "replace members that lost their type by opaque bytes of the same size; remove what cannot be kept"

  /// What becomes of a struct, union or array that holds a type without a size.
  public enum Policy: String, Sendable, CaseIterable {
    /// Keep its layout: the member (or the array) becomes opaque bytes of the same size.
    case keepLayout = "keep-layout"
    /// Remove it: it is demoted to void in turn, and so is everything that holds it by value.
    case strict
  }

  public var policy: Policy

  public init(policy: Policy = .keepLayout) { self.policy = policy }

  public var parameterText: String { policy == .keepLayout ? "" : "policy=\(policy.rawValue)" }

  /// Demoted nodes are what it prunes the dependents of.
  public static let requires = [DemoteUnrepresentableName.value]

  public static let descriptor = PassDescriptor(
    PruneDependents.self,
    parameterHelp:
      "policy=keep-layout|strict (default keep-layout: opaque bytes of the same size; strict: demote the holder to void instead)"
  ) { params in
    try params.checkKnown(["policy"])
    return PruneDependents(policy: try params.choice("policy", default: Policy.keepLayout))
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = breakCycles(&graph)
    var opaque = OpaqueBytes()
    var round = true
    while round {
      round = false
      for id in graph.ids {
        switch graph.kind(id) {
        case .structure, .union: round = fixMembers(id, &graph, &opaque) || round
        case .array: round = fixArray(id, &graph, &opaque) || round
        case .functionProto: round = fixPrototype(id, &graph) || round
        case .function, .variable, .declTag: round = removeIfDangling(id, &graph) || round
        case .dataSection: round = fixDataSection(id, &graph) || round
        default: break
        }
      }
      changed = changed || round
    }
    // The nodes other passes `cut` were demoted nodes like any other: their holders are fixed.
    graph.cutsRepaired()
    return changed ? .changed : .unchanged
  }

  // MARK: Rules

  /// Demotes the target of every by-value cycle edge until none is left.
  private func breakCycles(_ graph: inout TypeGraph) -> Bool {
    var changed = false
    while let (from, to) = graph.findByValueCycle() {
      let cause = graph.decisions.latest(for: from)
      graph.demote(to, pass: Self.name, reason: Reason.byValueCycle(through: graph.nodeText(from)), cause: cause)
      changed = true
    }
    return changed
  }

  /// What is wrong with one member, if anything: the one definition of the member rules, used
  /// both by the allocation-free scan and by the fix.
  private enum MemberIssue { case none, unsized, pastEnd, misalignedFloat }

  private func issue(_ m: Member, structBits: UInt64, _ graph: TypeGraph) -> MemberIssue {
    guard let size = graph.byteSize(of: m.type) else { return .unsized }
    let field = m.bitField
    if field.end(typeBytes: size) > structBits { return .pastEnd }
    // A FLOAT of no size (corrupt DWARF; found by the import fuzzer, a division by zero here)
    // has no alignment to check: the kernel's check of the FLOAT itself rejects it.
    let floatBits = min(8, size) * 8
    if graph.kind(graph.resolvingModifiers(m.type)) == .float, floatBits > 0 && field.offset % floatBits != 0 || field.isBitfield {
      return .misalignedFloat
    }
    return .none
  }

  private func fixMembers(_ id: TypeID, _ graph: inout TypeGraph, _ opaque: inout OpaqueBytes) -> Bool {
    if policy == .strict, demoteHolderOfUnsizedMember(id, &graph) { return true }
    let structBits = UInt64(graph.size(id)) * 8
    // Most structs need nothing: find out without copying their members.
    let range = graph.memberRange(id)
    if !range.contains(where: { issue(graph.member(at: $0), structBits: structBits, graph) != .none }) {
      return false
    }
    let isUnion = graph.kind(id) == .union
    var members = graph.members(of: id)
    var changes: [TypeGraph.MemberChange] = []
    var i = 0
    while i < members.count {
      let m = members[i]
      let offset = m.bitField.offset
      let target = graph.resolvingModifiers(m.type)
      switch issue(m, structBits: structBits, graph) {
      case .none:
        i += 1
        continue
      case .unsized:
        // Lost its type: opaque bytes of the size it had, or of its extent up to the next member.
        let known = UInt64(graph.size(target))
        // Members may not be sorted yet (sanitize-names sorts them): the extent ends at the
        // nearest higher offset of any member.
        let nextOffset = isUnion ? structBits : members.lazy.map(\.bitField.offset).filter { $0 > offset }.min() ?? structBits
        let extent = nextOffset > offset ? (nextOffset - offset) / 8 : 0
        let bytes = known > 0 ? min(known, (structBits - min(offset, structBits)) / 8) : extent
        let cause = graph.decisions.latest(for: target)
        if bytes > 0 && m.bitField.isByteAligned {
          members[i].type = opaque.array(bytes: bytes, in: &graph)
          members[i].bits = 0
          let named = nameIfAnonymous(&members, i, &graph)
          changes.append(
            .init(
              index: i, name: m.name, action: .replacedByOpaque,
              reason: Reason.memberOpaque(label(m, graph), bytes: bytes, namedAs: named), cause: cause))
          i += 1
        } else {
          members.remove(at: i)
          changes.append(.init(index: i, name: m.name, reason: Reason.memberUnsizedDropped(label(m, graph)), cause: cause))
        }
      case .pastEnd:
        members.remove(at: i)
        changes.append(.init(index: i, name: m.name, reason: Reason.memberPastEnd(label(m, graph), typeBytes: structBits / 8)))
      case .misalignedFloat:
        let size = graph.byteSize(of: m.type)!
        members[i].type = opaque.array(bytes: size, in: &graph)
        members[i].bits = 0
        let named = nameIfAnonymous(&members, i, &graph)
        changes.append(
          .init(
            index: i, name: m.name, action: .replacedByOpaque,
            reason: Reason.floatMisaligned(label(m, graph), bytes: size, namedAs: named)))
        i += 1
      }
    }
    if changes.isEmpty { return false }
    graph.replaceMembers(id, with: members, pass: Self.name, changes: changes)
    return true
  }

  /// Strict policy: a struct or union with a member whose type has no size becomes void itself.
  private func demoteHolderOfUnsizedMember(_ id: TypeID, _ graph: inout TypeGraph) -> Bool {
    let range = graph.memberRange(id)
    for i in range where graph.byteSize(of: graph.memberTypes[i]) == nil {
      let m = graph.member(at: i)
      let cause = graph.decisions.latest(for: graph.resolvingModifiers(m.type))
      graph.demote(id, pass: Self.name, reason: Reason.memberUnsizedStrict(label(m, graph)), cause: cause, memberName: m.name)
      return true
    }
    return false
  }

  private func fixArray(_ id: TypeID, _ graph: inout TypeGraph, _ opaque: inout OpaqueBytes) -> Bool {
    let element = graph.ref(id)
    if graph.byteSize(of: element) != nil { return false }
    let target = graph.resolvingModifiers(element)
    let cause = graph.decisions.latest(for: target)
    let elementBytes = UInt64(graph.size(target))
    if policy == .strict {
      graph.demote(id, pass: Self.name, reason: Reason.elementUnsizedStrict, cause: cause)
      return true
    }
    if elementBytes > 0 {
      let total = elementBytes * UInt64(graph.arrayLength(id) ?? 0)
      var shape = graph.shape(id)
      shape.ref = opaque.byte(in: &graph)
      shape.aux = UInt32(clamping: total)
      graph.rewrite(
        id, as: shape, pass: Self.name, reason: Reason.elementsOpaque(bytes: total),
        cause: cause, action: .replacedByOpaque)
    } else {
      graph.demote(id, pass: Self.name, reason: Reason.elementUnsized, cause: cause)
    }
    return true
  }

  private func fixPrototype(_ id: TypeID, _ graph: inout TypeGraph) -> Bool {
    let range = graph.memberRange(id)
    for (n, i) in range.enumerated() {
      let t = graph.memberTypes[i]
      let isVararg = t.isVoid && n == range.count - 1
      if isVararg || graph.byteSize(of: t) != nil { continue }
      let cause = graph.decisions.latest(for: graph.resolvingModifiers(t))
      graph.demote(id, pass: Self.name, reason: Reason.parameterUnsized(index: n), cause: cause)
      return true
    }
    let ret = graph.ref(id)
    if !ret.isVoid && graph.kind(ret) != .void && graph.byteSize(of: ret) == nil {
      let cause = graph.decisions.latest(for: graph.resolvingModifiers(ret))
      graph.demote(id, pass: Self.name, reason: Reason.returnUnsized, cause: cause)
      return true
    }
    return false
  }

  /// FUNC on a void prototype, VAR of an unsized type, DECL_TAG on a removed node: removed.
  private func removeIfDangling(_ id: TypeID, _ graph: inout TypeGraph) -> Bool {
    let target = graph.ref(id)
    let reason: PruneDependents.Reason
    switch graph.kind(id) {
    case .function:
      guard graph.kind(target) != .functionProto else { return false }
      reason = .prototypeRemoved
    case .variable:
      guard graph.byteSize(of: target) == nil else { return false }
      reason = .variableTypeUnsized
    default:
      guard graph.kind(target) == .removed || graph.kind(target) == .void || target.isVoid else { return false }
      reason = .targetRemoved
    }
    let cause = graph.decisions.latest(for: graph.resolvingModifiers(target))
    graph.prune(id, pass: Self.name, reason: reason, cause: cause)
    return true
  }

  private func fixDataSection(_ id: TypeID, _ graph: inout TypeGraph) -> Bool {
    let members = graph.members(of: id)
    let kept = members.filter { graph.kind($0.type) == .variable }
    if kept.count == members.count && !kept.isEmpty { return false }
    if kept.isEmpty {
      // The kernel rejects a DATASEC without entries ("vlen == 0"); nothing references one.
      graph.prune(id, pass: Self.name, reason: Reason.emptyDataSection)
      return true
    }
    // The entries of variables pruned (each with its reason) go with them.
    graph.replaceMembers(id, with: kept, pass: Self.name, changes: [])
    return true
  }

  /// Names an anonymous member that became opaque bytes `__opaque_<byte offset>` (`_1`, `_2`…
  /// appended if a member of the struct has that name already): C allows anonymous members of
  /// struct and union type only (`bpftool btf dump format c` would print `unsigned char [4];`). Returns
  /// the name it gave, for the decision's reason (nil for a named member).
  private func nameIfAnonymous(_ members: inout [Member], _ i: Int, _ graph: inout TypeGraph) -> String? {
    guard members[i].name.isEmpty else { return nil }
    let base = "__opaque_\(members[i].bitField.byteOffset)"
    var name = base
    var n = 0
    while members.contains(where: { !$0.name.isEmpty && graph.strings.string($0.name) == name }) {
      n += 1
      name = base + "_\(n)"
    }
    members[i].name = graph.strings.intern(name)
    return name
  }

  private func label(_ m: Member, _ graph: TypeGraph) -> Reason.MemberLabel {
    m.name.isEmpty ? .anonymous(byte: m.bitField.byteOffset) : .named(graph.strings.string(m.name))
  }
}

/// The registry name of `demote-unrepresentable`, which Prune cannot import (Sanitize and
/// Prune never import each other).
enum DemoteUnrepresentableName { static let value = "demote-unrepresentable" }

/// The synthesized `unsigned char` INT and `unsigned char[N]` arrays opaque placeholders are
/// made of, created once per pass run and shared by every placeholder of the same size.
struct OpaqueBytes {
  private var byteType: TypeID = .void
  private var arrays: [UInt64: TypeID] = [:]

  mutating func byte(in graph: inout TypeGraph) -> TypeID {
    if byteType.isVoid {
      // C's spelling, so that C headers made from the BTF read it (and dedup merges it with C's).
      byteType = graph.add(.int, name: graph.strings.intern("unsigned char"), size: 1, aux: 8, flags: .synthesized)
    }
    return byteType
  }

  mutating func array(bytes: UInt64, in graph: inout TypeGraph) -> TypeID {
    if let a = arrays[bytes] { return a }
    let element = byte(in: &graph)
    _ = graph.arrayIndexType() // every ARRAY needs the graph's index type to exist
    let a = graph.add(.array, ref: element, aux: UInt32(clamping: bytes), flags: .synthesized)
    arrays[bytes] = a
    return a
  }
}
