/// Structural invariants that hold between any two passes (swift-collections'
/// `_checkInvariants` model). BTF validity is a stronger property checked on the encoded blob
/// by the `Verify` module; these are the ones every pass may rely on.
extension TypeGraph {
  /// Problems found, one sentence each; empty when the graph is sound.
  public func verify(limit: Int = 20) -> [String] {
    var problems: [String] = []
    func note(_ s: String) { if problems.count < limit { problems.append(s) } }
    let columns = [
      names.count, sizes.count, refs.count, auxes.count, flags.count, scopes.count,
      linkageNames.count, dwarfTags.count, dieOffsets.count, units.count,
      memberStarts.count, memberCounts.count,
    ]
    if columns.contains(where: { $0 != kinds.count }) {
      note("node columns have different lengths")
      return problems
    }
    let mc = memberNames.count
    if memberTypes.count != mc || memberValues.count != mc || memberBits.count != mc {
      note("member columns have different lengths")
      return problems
    }
    if kinds[0] != .void { note("node 0 is not void") }
    // The split base's nodes are the base's records, checked as the kernel checks vmlinux's;
    // those not decoded are placeholders (`.removed`) the decoded ones may refer to.
    let base = splitBase?.nodes ?? count..<count
    for i in 1..<base.lowerBound {
      let id = TypeID(i)
      let k = kinds[i]
      if k == .removed { continue }
      let range = memberRange(id)
      if range.lowerBound < 0 || range.upperBound > mc {
        note("\(describe(id)): member range \(range) out of bounds")
        continue
      }
      if !k.hasMembers && !range.isEmpty && k != .void { note("\(describe(id)): \(k.btfName) has members") }
      if k == .void { continue }
      forEachReference(of: id) { t in
        if t.index < 0 || t.index >= count {
          note("\(describe(id)): reference \(t) out of range")
        } else if kinds[t.index] == .removed && !base.contains(t.index) {
          // A pass removed what others refer to: the fix is to demote it with `cut`.
          let by = decisions.latest(for: t).map { " (pruned by \(decisions[$0].pass))" } ?? ""
          note(
            """
            \(describe(id)): references removed node \(t)\(by); a pass removing a type others refer to should `cut` it (demote it and fix \
            its holders) instead of pruning it
            """
          )
        }
      }
      if k == .array && arrayIndexTypeID.isVoid { note("\(describe(id)): array without an index type") }
      if k == .function && kinds[refs[i].index] != .functionProto && kinds[refs[i].index] != .void {
        note("\(describe(id)): FUNC does not point at a FUNC_PROTO")
      }
    }
    return problems
  }

  /// `STRUCT 'name' #id [die 0x…]`, for messages.
  public func describe(_ id: TypeID) -> String {
    let n = nodeText(id)
    return "\(n.kind) '\(n.name)' \(n.id) [die 0x\(String(n.dieOffset, radix: 16))]"
  }

  /// A node as `describe` shows it: `STRUCT 'name' #12 [die 0x2a]`.
  public struct NodeText: Hashable, Sendable {
    public var kind: String
    public var name: String
    public var id: TypeID
    public var dieOffset: UInt64
    public init(kind: String, name: String, id: TypeID, dieOffset: UInt64) {
      self.kind = kind
      self.name = name
      self.id = id
      self.dieOffset = dieOffset
    }
  }

  /// What `describe` shows of a node, as a reason's payload (`PruneDependents.Reason.byValueCycle`).
  public func nodeText(_ id: TypeID) -> NodeText {
    let n = names[id.index].isEmpty ? "(anon)" : strings.string(names[id.index])
    return .init(kind: kinds[id.index].btfName, name: n, id: id, dieOffset: dieOffsets[id.index])
  }
}
