// The operations passes change the graph with: each keeps the graph's columns consistent and
// records why in `decisions`, so that `--explain`, the summary line and `--stats` see every
// change. The raw column writers (`setKind`, `setMembers`, …) and the columns are `package`:
// the importer, the BTF decoder and tests use them, a library user's pass cannot.
extension TypeGraph {
  /// What a node becomes in `rewrite(_:as:pass:reason:cause:action:)`.
  public struct Shape: Sendable {
    public var kind: Kind
    public var size: UInt32
    public var ref: TypeID
    public var aux: UInt32
    /// The new member list; nil keeps the members.
    public var members: [Member]?
    public init(kind: Kind, size: UInt32 = 0, ref: TypeID = .void, aux: UInt32 = 0, members: [Member]? = nil) {
      self.kind = kind
      self.size = size
      self.ref = ref
      self.aux = aux
      self.members = members
    }
  }

  /// The node's kind, size, reference and aux word as they are (members kept).
  public func shape(_ id: TypeID) -> Shape { Shape(kind: kind(id), size: size(id), ref: ref(id), aux: aux(id)) }

  /// Gives `id` a new shape in place (its id, name and referrers stay) and records why, as
  /// `.rewritten` or another action (`.replacedByOpaque` for opaque placeholders). Returns the
  /// decision's index.
  @discardableResult
  public mutating func rewrite(
    _ id: TypeID, as shape: Shape, pass: String, reason: some DecisionReason, cause: Int? = nil,
    action: Decision.Action = .rewritten
  ) -> Int {
    kinds[id.index] = shape.kind
    sizes[id.index] = shape.size
    refs[id.index] = shape.ref
    auxes[id.index] = shape.aux
    if let members = shape.members { setMembers(id, members) }
    return decisions.record(Decision(subject: id, pass: pass, action: action, reason: reason, cause: cause))
  }

  /// Adds flags to `id`: notes passes leave for later passes (`.symbolName`), not decisions.
  public mutating func addFlags(_ id: TypeID, _ added: NodeFlags) { flags[id.index].formUnion(added) }

  /// Drops the name of a node of a kind BTF writes without one (PTR, ARRAY, FUNC_PROTO, the
  /// modifiers): nothing a user asks about, so nothing is recorded. `scope`, when given,
  /// replaces its namespace path.
  public mutating func dropName(_ id: TypeID, scope: NameID? = nil) {
    names[id.index] = .empty
    if let scope { scopes[id.index] = scope }
  }

  /// Gives member `index` of `owner` the type `type` and records why. Returns the decision's index.
  @discardableResult
  public mutating func retypeMember(of owner: TypeID, at index: Int, to type: TypeID, pass: String, reason: some DecisionReason) -> Int {
    let m = memberRange(owner).lowerBound + index
    memberTypes[m] = type
    return decisions.record(
      Decision(subject: owner, pass: pass, action: .rewritten, reason: reason, member: index, memberName: memberNames[m]))
  }

  /// Gives member `index` of `owner` the name `name` and records why; with `reason` nil the
  /// rename is systematic (`arg0`, `_1` for anonymous parameters and enumerators) and not
  /// recorded one by one. Returns the decision's index, if one was recorded.
  @discardableResult
  /// Every rename of a named member to a name is recorded as a `MemberOrigin` too.
  public mutating func renameMember(of owner: TypeID, at index: Int, to name: NameID, pass: String, reason: (any DecisionReason)?) -> Int? {
    let m = memberRange(owner).lowerBound + index
    let old = memberNames[m]
    memberNames[m] = name
    if !old.isEmpty && !name.isEmpty && old != name {
      decisions.recordMemberOrigin(MemberOrigin(owner: owner, original: old, written: name, pass: pass))
    }
    guard let reason else { return nil }
    return decisions.record(
      Decision(subject: owner, pass: pass, action: .renamed(from: old), reason: reason, member: index, memberName: old))
  }

  /// Makes `id` a void node (it keeps its byte size, for opaque placeholders, and drops its
  /// members) and records the decision; returns the decision's index. The one way passes
  /// demote, so every demotion is explained.
  @discardableResult
  public mutating func demote(_ id: TypeID, pass: String, reason: some DecisionReason, cause: Int? = nil, memberName: NameID = .empty)
    -> Int
  {
    kinds[id.index] = .void
    memberCounts[id.index] = 0
    return decisions.record(Decision(subject: id, pass: pass, action: .demoted, reason: reason, cause: cause, memberName: memberName))
  }

  /// Removes `id` from the BTF although other types refer to it: it is demoted (`demote`, which
  /// records `reason`) and marked, and what held it is then fixed as for any demoted node, each
  /// fix naming this decision as its cause. The rules are `prune-dependents`' (with the
  /// pipeline's policy; `keep-layout`: a member of its type becomes opaque bytes of its size, an
  /// array of it a byte array, a prototype taking or returning it by value goes void and its
  /// FUNCs with it, a VAR of it and a DECL_TAG on it are removed; a pointer to it becomes
  /// `void *`). Before `prune-dependents` in the pipeline they are applied there; after it
  /// (`before-dedup`, `end`, `all,my-pass`), `PassPipeline.run` runs `prune-dependents` again
  /// right after the pass. Use it, not `prune`, for a node that may be referred to: `prune`
  /// leaves its referrers pointing at a tombstone, which no BTF can hold.
  /// Returns the decision's index.
  @discardableResult
  public mutating func cut(_ id: TypeID, pass: String, reason: some DecisionReason, cause: Int? = nil) -> Int {
    let d = demote(id, pass: pass, reason: reason, cause: cause)
    cutsAwaitingRepair.append(id)
    return d
  }

  /// Called by the pass that fixes the holders of demoted nodes (`prune-dependents`), once it
  /// has: the cuts are repaired.
  package mutating func cutsRepaired() { cutsAwaitingRepair.removeAll() }

  /// Gives `id` the name `name` and records why (`--explain` shows the original name and the
  /// chain). Returns the decision's index.
  /// `scope`, when given, replaces the node's namespace path (a name that now holds the path has
  /// none left); `flags` are added to the node's (`.symbolName` for a name taken from its ELF
  /// symbol).
  @discardableResult
  public mutating func rename(
    _ id: TypeID, to name: NameID, scope: NameID? = nil, flags added: NodeFlags = [], pass: String, reason: some DecisionReason,
    cause: Int? = nil
  ) -> Int {
    let old = names[id.index]
    names[id.index] = name
    if let scope { scopes[id.index] = scope }
    flags[id.index].formUnion(added)
    return decisions.record(Decision(subject: id, pass: pass, action: .renamed(from: old), reason: reason, cause: cause))
  }

  /// Removes `id` and records why (`--explain` shows it, the summary line counts it). The caller
  /// makes sure nothing references it any more. Returns the decision's index, to name it as the
  /// cause of what follows from it.
  @discardableResult
  public mutating func prune(_ id: TypeID, pass: String, reason: some DecisionReason, cause: Int? = nil) -> Int {
    remove(id)
    return decisions.record(Decision(subject: id, pass: pass, action: .pruned, reason: reason, cause: cause))
  }

  /// Removes `id` as merged into the equal node `target`. The caller has redirected every
  /// reference to `target`. The merge is a flat row of the decision log, not a `Decision`:
  /// dedup makes millions on a distribution vmlinux, and each reads as `StructurallyEqual`.
  public mutating func merge(_ id: TypeID, into target: TypeID) {
    withColumns { $0.merge(id, into: target) }
  }

  /// `merge(_:into:)` for every node `target` gives another node for, in id order: what dedup
  /// does to hundreds of thousands of nodes at a time (a range's at import, then the graph's),
  /// with one uniqueness check of the storage for the run instead of several per node. Returns
  /// the number of nodes merged.
  package mutating func mergeEach(intoTarget target: (TypeID, Kind) -> TypeID?) -> Int {
    withColumns { c in
      var merged = 0
      for i in 1..<c.kinds.count {
        let id = TypeID(i)
        guard let t = target(id, c.kinds[i]) else { continue }
        c.merge(id, into: t)
        merged += 1
      }
      return merged
    }
  }

  /// As `merge(_:into:)`, with a reason of the pass's own (`merge-bindgen-copies`' same layout):
  /// recorded as a `.merged` decision too, which `--explain` shows.
  public mutating func merge(_ id: TypeID, into target: TypeID, pass: String, reason: some DecisionReason) {
    decisions.record(Decision(subject: id, pass: pass, action: .merged(into: target), reason: reason))
    merge(id, into: target)
  }

  /// Turns `id` into a tombstone, recording nothing: `prune` and `merge` are the operations
  /// passes use, so that every removal has a reason.
  mutating func remove(_ id: TypeID) {
    withColumns { $0.remove(id) }
  }

  /// Records that member `written` of `owner`, which a pass has just made, stands for the
  /// input's member `original` (a variant member `lower-rust` named after its struct): reports
  /// comparing the output with the input read it. Changes nothing in the graph.
  public mutating func recordMemberOrigin(of owner: TypeID, original: NameID, written: NameID, pass: String) {
    decisions.recordMemberOrigin(MemberOrigin(owner: owner, original: original, written: written, pass: pass))
  }

  /// Why one member changed, for `replaceMembers(_:with:pass:changes:)`.
  public struct MemberChange: Sendable {
    /// The member's index in the list being built (the index at the time of the change).
    public var index: Int
    /// Its name at the time of the change (`.empty` when anonymous): the index alone goes stale.
    public var name: NameID
    public var action: Decision.Action
    public var reason: AnyDecisionReason
    public var cause: Int?
    public init(index: Int, name: NameID, action: Decision.Action = .rewritten, reason: some DecisionReason, cause: Int? = nil) {
      self.index = index
      self.name = name
      self.action = action
      self.reason = AnyDecisionReason(reason)
      self.cause = cause
    }
  }

  /// Gives `id` the member list `members` and records why, as one `.rewritten` decision about
  /// the node. Returns the decision's index.
  @discardableResult
  public mutating func replaceMembers(
    _ id: TypeID, with members: [Member], pass: String, reason: some DecisionReason, cause: Int? = nil
  ) -> Int {
    setMembers(id, members)
    return decisions.record(Decision(subject: id, pass: pass, action: .rewritten, reason: reason, cause: cause))
  }

  /// Gives `id` the member list `members` and records one decision per changed member (made
  /// opaque, dropped), in order. Returns the decisions' indexes. With no changes nothing is
  /// recorded: for a node the pass has just added, or a change that explains itself (members
  /// sorted by offset, a DATASEC's entries of variables already pruned with a reason).
  @discardableResult
  public mutating func replaceMembers(_ id: TypeID, with members: [Member], pass: String, changes: [MemberChange]) -> [Int] {
    setMembers(id, members)
    return changes.map { c in
      decisions.record(
        Decision(subject: id, pass: pass, action: c.action, reason: c.reason, cause: c.cause, member: c.index, memberName: c.name))
    }
  }
}
