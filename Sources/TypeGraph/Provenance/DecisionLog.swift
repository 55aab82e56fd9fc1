/// What a pass did to a node, and why; the material of `--explain-pruned`.
public struct Decision: Hashable, Sendable {
  public enum Action: Hashable, Sendable {
    /// The node became void (`Kind.void`).
    case demoted
    /// The node's name changed from `from` (its name before this pass).
    case renamed(from: NameID)
    /// The node was removed.
    case pruned
    /// A member or reference of the node was replaced by an opaque placeholder (or `void *`).
    case replacedByOpaque
    /// The node was merged into another, equal one.
    case merged(into: TypeID)
    /// The node's members changed (sorted, dropped) without being replaced.
    case rewritten
  }
  public var subject: TypeID
  /// Name of the pass that decided.
  public var pass: String
  public var action: Action
  /// Why, as the pass's own reason (`DecisionReason`); `reason.sentence` is what explanations
  /// print ("DW_TAG_variant_part has no BTF kind"), stable text that goldens and tools read.
  public var reason: AnyDecisionReason
  /// The decision that caused this one (an earlier decision on a node this one depends on).
  public var cause: Int?
  /// Member index within the subject, when the decision is about one member (the index at the
  /// time of the decision: later decisions may drop or reorder members).
  public var member: Int?
  /// The member's name at the time of the decision (`.empty` when anonymous or not about a
  /// member): explanations show it, since the index alone goes stale.
  public var memberName: NameID

  public init(
    subject: TypeID, pass: String, action: Action, reason: some DecisionReason, cause: Int? = nil, member: Int? = nil,
    memberName: NameID = .empty
  ) {
    self.subject = subject
    self.pass = pass
    self.action = action
    self.reason = AnyDecisionReason(reason)
    self.cause = cause
    self.member = member
    self.memberName = memberName
  }
}

/// Append-only log of decisions. The index of a decision is its id (`cause` refers to it).
public struct DecisionLog: Sendable {
  public private(set) var entries: [Decision] = []
  /// The latest decision per node id (-1 for none), so a later pass can name its cause.
  private var latest: [Int32] = []

  public init() {}

  @discardableResult
  package mutating func record(_ d: Decision) -> Int {
    entries.append(d)
    let i = d.subject.index
    if latest.count <= i { latest.append(contentsOf: repeatElement(-1, count: i + 1 - latest.count)) }
    latest[i] = Int32(entries.count - 1)
    return entries.count - 1
  }

  /// The latest decision about `id`, if any.
  public func latest(for id: TypeID) -> Int? {
    let i = id.index
    guard i < latest.count, latest[i] >= 0 else { return nil }
    return Int(latest[i])
  }

  /// Merges, kept apart from `entries` in two flat columns: dedup merges millions of nodes on
  /// a distribution vmlinux, and one 8-byte row each is what that can afford.
  public private(set) var mergedSubjects: ContiguousArray<TypeID> = []
  public private(set) var mergedTargets: ContiguousArray<TypeID> = []

  /// Room for `n` more merges: dedup knows how many it makes before it makes them, and two
  /// columns that double while it does hold their old and new buffers at its memory peak.
  package mutating func reserveMerges(_ n: Int) {
    mergedSubjects.reserveCapacity(mergedSubjects.count + n)
    mergedTargets.reserveCapacity(mergedTargets.count + n)
  }

  package mutating func recordMerge(_ subject: TypeID, into target: TypeID) {
    mergedSubjects.append(subject)
    mergedTargets.append(target)
  }

  /// The copies dedup at import merged into their range's representative before the graph was
  /// built (`--dedup-at-import`); empty without it. Reports read each as merged into it.
  public package(set) var copiesMergedAtImport = CopiesMergedAtImport()

  /// Members that stand for an input member of another name, as the passes that named them
  /// recorded it (a member renamed by `sanitize-names`, a variant member `lower-rust` named
  /// after its struct): what reports comparing the output with the input match members by.
  public private(set) var memberOrigins: [MemberOrigin] = []

  public mutating func recordMemberOrigin(_ origin: MemberOrigin) { memberOrigins.append(origin) }

  public var count: Int { entries.count }
  /// Number of merges (rows of the merge columns).
  public var mergeCount: Int { mergedSubjects.count }

  /// The chain of causes of decision `i`, nearest first, `i` itself excluded. Causes always
  /// name earlier decisions, so the chain ends.
  public func causes(of i: Int) -> [Int] {
    var out: [Int] = []
    var next = entries[i].cause
    while let c = next, c >= 0, c < entries.count, out.count < entries.count {
      out.append(c)
      next = entries[c].cause
      if let n = next, n >= c { break } // defensive: a cause must be earlier
    }
    return out
  }
  public subscript(i: Int) -> Decision { entries[i] }

  /// Counts per action kind, for the summary line.
  public func count(where predicate: (Decision.Action) -> Bool) -> Int {
    entries.reduce(0) { $0 + (predicate($1.action) ? 1 : 0) }
  }
}

/// A fact about one member, kept beside the decisions (it explains nothing by itself, so
/// explanations do not list it): member `written` of `owner` stands for the input's member
/// `original` (`.empty`: an anonymous one), renamed or made by `pass`. A member renamed twice has
/// two, the second's `original` the first's `written`.
public struct MemberOrigin: Hashable, Sendable {
  public var owner: TypeID
  public var original: NameID
  public var written: NameID
  public var pass: String
  public init(owner: TypeID, original: NameID, written: NameID, pass: String) {
    self.owner = owner
    self.original = original
    self.written = written
    self.pass = pass
  }
}
