import TypeGraph

/// Which nodes an `Explanation` covers.
public struct ExplainFilter: Sendable, Hashable {
  /// Original names to explain (simple, `Option<u8>`, or path-qualified,
  /// `core::option::Option<u8>`; the current, sanitized name is accepted too). Empty: every
  /// node a pass decided something about.
  public var names: [String]
  /// List merges: per kept node in text, one entry per merged node in JSON. Without it merges
  /// are only counted (a distribution vmlinux has millions), except for the nodes `names`
  /// asks about.
  public var includeMerges: Bool

  public init(names: [String] = [], includeMerges: Bool = false) {
    self.names = names
    self.includeMerges = includeMerges
  }

  /// Every decision, merges counted but not listed.
  public static let all = ExplainFilter()
}

/// Why each type, member and function ended up as it did: every decision of the graph's
/// `DecisionLog` with the node's original name (before any pass renamed it, with its namespace
/// path), its DIE offset and compile unit, and the chain of decisions that caused it, back to
/// the root. What `rustbtf --explain-pruned` prints; README's "Explaining decisions" documents
/// the text and the JSON.
///
/// Order is deterministic: entries sorted by original name, then DIE offset, then the order in
/// which the decisions were taken.
public struct Explanation {
  public let graph: TypeGraph
  /// `from` of the first rename of each renamed node (a member's rename renames no node).
  private let firstRename: [Int32: NameID]
  /// The names recorded member renames gave (`MemberOrigin.written`), by owner and original name.
  private let memberRenames: [MemberRenameKey: NameID]

  private struct MemberRenameKey: Hashable {
    var owner: TypeID
    var original: NameID
    var pass: String
  }
  /// BTF id of each node (`TypeGraph.encodingOrder()`): 0 void, -1 removed.
  private let btfIDs: ContiguousArray<Int32>
  /// Namespace paths as imported (`sanitize-names` folds the path into the name of the nodes it
  /// qualifies and clears their scope).
  private let originalScopes: ContiguousArray<NameID>
  /// The kept node each merged node went into.
  private let merges: MergeMap
  /// The copies dedup at import merged (`DecisionLog.copiesMergedAtImport`), shown as the nodes
  /// they were: copy k has the id `graph.count + k` (in `Subject.id`), and reads as its
  /// representative's copy (`ImportedCopies`).
  fileprivate let copies: ImportedCopies

  /// `graph` after the passes (`Conversion.Result.graph`). Pass `imported`, the graph as the
  /// importer made it, to show the namespace paths of nodes `sanitize-names` qualified
  /// (without it their path is part of the new name only).
  public init(graph: TypeGraph, imported: TypeGraph?) {
    self.init(graph: graph, importedScopes: imported?.scopes)
  }

  /// As `init(graph:imported:)`, with only the imported graph's `scopes` column (all an
  /// explanation needs of it; the CLI keeps this rather than a second whole graph).
  public init(graph: TypeGraph, importedScopes: ContiguousArray<NameID>? = nil) {
    self.graph = graph
    if let imported = importedScopes, imported.count <= graph.count {
      var scopes = graph.scopes
      for i in 0..<imported.count where scopes[i].isEmpty { scopes[i] = imported[i] }
      originalScopes = scopes
    } else {
      originalScopes = graph.scopes
    }
    var renames: [Int32: NameID] = [:]
    for d in graph.decisions.entries {
      if case .renamed(let from) = d.action, d.member == nil, renames[d.subject.rawValue] == nil { renames[d.subject.rawValue] = from }
    }
    firstRename = renames
    var members: [MemberRenameKey: NameID] = [:]
    for o in graph.decisions.memberOrigins {
      members[MemberRenameKey(owner: o.owner, original: o.original, pass: o.pass)] = o.written
    }
    memberRenames = members
    btfIDs = graph.encodingOrder()
    // A target merged in a later dedup run: followed to the node finally kept.
    merges = MergeMap(graph.decisions, count: graph.count)
    copies = ImportedCopies(graph)
  }

  // MARK: Model

  /// A node as explanations show it.
  public struct Subject: Hashable, Sendable {
    /// The node; for a copy dedup at import merged, `graph.count` plus its index in
    /// `DecisionLog.copiesMergedAtImport` (no node of the graph).
    public var id: TypeID
    /// Original name with its namespace path (`core::option::Option<u8>`); `(anon)` when the
    /// node has none.
    public var originalName: String
    /// Kind as DWARF had it: `struct`, `union`, `enum`, `typedef`, `function`, `function
    /// prototype`, `variant part`… (the BTF kind, lower case, for nodes no DIE gave).
    public var kind: String
    /// `DW_AT` DIE offset in `.debug_info`; nil for synthesized nodes.
    public var dieOffset: UInt64?
    /// Name of the compile unit; nil for synthesized nodes.
    public var compileUnit: String?
  }

  /// What the node is in the output.
  public enum Outcome: Hashable, Sendable {
    /// Written as `kind` named `name` with BTF id `btfID`.
    case kept(kind: String, name: String, btfID: Int)
    /// Void: references to it encode as type 0.
    case void
    /// Merged by dedup into `into`, which is written as `kind` named `name` with BTF id `btfID`.
    case merged(into: TypeID, kind: String, name: String, btfID: Int)
    /// Removed (pruned).
    case removed
  }

  /// One step of a cause chain, or the decision an entry explains.
  public struct Step: Hashable, Sendable {
    public var subject: Subject
    /// Member name when the decision is about one member.
    public var member: String?
    public var pass: String
    /// `demoted`, `renamed`, `pruned`, `replaced_by_opaque`, `merged`, `rewritten`.
    public var action: String
    public var reason: String
    /// Index of the decision in `graph.decisions`.
    public var decision: Int
  }

  public struct Entry: Hashable, Sendable {
    public var subject: Subject
    /// Member name when the decision is about one member.
    public var member: String?
    /// Pass that decided; nil for `kept` entries.
    public var pass: String?
    /// One of `Step.action`'s values, or `kept` (no pass changed it, or a status entry for a
    /// node asked about by name).
    public var action: String
    public var reason: String
    /// New name, for `renamed`.
    public var renamedTo: String?
    /// The kept node, for `merged`.
    public var mergedInto: Subject?
    /// For `kept`: how many structurally equal nodes dedup merged into this one.
    public var absorbed: Int
    /// For `kept`: from how many compile units those came.
    public var absorbedUnits: Int
    public var outcome: Outcome
    /// Causes, nearest first, back to the root.
    public var causes: [Step]
    /// Decision index (sort tie-breaker); `Int.max` for entries that are not decisions.
    public var decision: Int
  }

  // MARK: Naming

  private func originalNameID(_ id: TypeID) -> NameID {
    let id = copies.node(id)
    if let from = firstRename[id.rawValue] { return from }
    return graph.name(id)
  }

  /// The prototype the importer made for a subprogram sits right after its FUNC, with the same
  /// DIE; it has no name of its own, so it is shown with the function's.
  private func isSubprogramPrototype(_ id: TypeID) -> Bool {
    graph.dwarfTag(of: id) == DWARFTag.subprogram && graph.flags(id).contains(.synthesized)
  }

  /// Simple original name, without namespace path (empty when anonymous).
  public func simpleOriginalName(_ id: TypeID) -> String {
    if !copies.isCopy(id), isSubprogramPrototype(id), id.index > 1 {
      let fn = TypeID(id.index - 1)
      if graph.dieOffsets[fn.index] == graph.dieOffsets[id.index] { return graph.strings.string(originalNameID(fn)) }
    }
    return graph.strings.string(originalNameID(id))
  }

  /// Original name with the namespace path, `(anon)` for anonymous nodes.
  public func originalName(_ id: TypeID) -> String {
    let simple = simpleOriginalName(id)
    let base = simple.isEmpty ? "(anon)" : simple
    let scope = copies.unlike(id)?.scope ?? originalScopes[copies.node(id).index]
    return scope.isEmpty ? base : graph.strings.string(scope) + "::" + base
  }

  public func kindName(_ id: TypeID) -> String {
    let tag = copies.unlike(id)?.dwarfTag ?? graph.dwarfTag(of: copies.node(id))
    switch tag {
    case 0:
      // Synthesized or hand-built: the kind it has now.
      switch graph.kind(copies.node(id)) {
      case .structure: return "struct"
      case .union: return "union"
      case .enumeration, .enum64: return "enum"
      case .function: return "function"
      case .functionProto: return "function prototype"
      case .variable: return "variable"
      default: return graph.kind(id).btfName.lowercased()
      }
    case DWARFTag.structureType: return "struct"
    case DWARFTag.classType: return "class"
    case DWARFTag.unionType: return "union"
    case DWARFTag.enumerationType: return "enum"
    case DWARFTag.typedef: return "typedef"
    case DWARFTag.baseType: return "base type"
    case DWARFTag.pointerType: return "pointer"
    case DWARFTag.arrayType: return "array"
    case DWARFTag.subroutineType: return "function prototype"
    case DWARFTag.subprogram: return isSubprogramPrototype(copies.node(id)) ? "function prototype" : "function"
    case DWARFTag.variable: return "variable"
    case DWARFTag.variantPart: return "variant part"
    case DWARFTag.variant: return "variant"
    case DWARFTag.llvmAnnotation: return "annotation"
    default:
      var n = DWARFTag.name(tag)
      if n.hasPrefix("DW_TAG_") { n.removeFirst(7) }
      if n.hasSuffix("_type") { n.removeLast(5) }
      return n.replacingUnderscores()
    }
  }

  public func subject(_ id: TypeID) -> Subject {
    let (die, unit) = copies.origin(id) ?? (graph.dieOffsets[id.index], graph.units[id.index])
    let cu: String? =
      unit == .none || Int(unit.rawValue) >= graph.compileUnits.count
      ? nil : graph.strings.string(graph.compileUnits[Int(unit.rawValue)].name)
    return Subject(id: id, originalName: originalName(id), kind: kindName(id), dieOffset: die == 0 ? nil : die, compileUnit: cu)
  }

  public func outcome(_ id: TypeID) -> Outcome {
    if copies.isCopy(id) {
      // As the copy was: merged into its representative if that was kept, else what became of it.
      let r = copies.node(id)
      if case .kept(let k, let n, let b) = outcome(r) { return .merged(into: r, kind: k, name: n, btfID: b) }
      return outcome(r)
    }
    switch graph.kind(id) {
    case .void: return .void
    case .removed, .unrepresentable:
      if merges.isMerged(id), case let t = merges.kept(id), graph.kind(t).isBTF, case .kept(let k, let n, let b) = outcome(t) {
        return .merged(into: t, kind: k, name: n, btfID: b)
      }
      return .removed
    default:
      let n = graph.name(id)
      return .kept(kind: graph.kind(id).btfName, name: n.isEmpty ? "(anon)" : graph.strings.string(n), btfID: Int(btfIDs[id.index]))
    }
  }

  private static func actionName(_ a: Decision.Action) -> String {
    switch a {
    case .demoted: "demoted"
    case .renamed: "renamed"
    case .pruned: "pruned"
    case .replacedByOpaque: "replaced_by_opaque"
    case .merged: "merged"
    case .rewritten: "rewritten"
    }
  }

  private func step(_ i: Int) -> Step {
    let d = graph.decisions[i]
    return Step(
      subject: subject(d.subject), member: memberName(d), pass: d.pass, action: Self.actionName(d.action), reason: d.reason.sentence,
      decision: i)
  }

  private func memberName(_ d: Decision) -> String? {
    guard d.member != nil else { return nil }
    return d.memberName.isEmpty ? "(anon)" : graph.strings.string(d.memberName)
  }

  // MARK: Entries

  /// The entries `filter` selects, sorted.
  public func entries(filter: ExplainFilter = .all) -> [Entry] {
    let log = graph.decisions
    var out: [Entry] = []
    let matched: [Bool]? = filter.names.isEmpty ? nil : matches(filter.names)
    for i in 0..<log.count {
      let d = log[i]
      // A decision on a representative is one on each of its copies merged at import, as each
      // copy got its own when it was a node.
      if matched?[d.subject.index] ?? true { out.append(entry(i, d, subject: d.subject)) }
      for id in copies.ids(of: d.subject) where matched?[id.index] ?? true { out.append(entry(i, d, subject: id)) }
    }
    // Merges and status entries.
    if let matched {
      let index = MergeIndex(self)
      var status = [Bool](repeating: false, count: graph.count)
      for i in 1..<graph.count where matched[i] {
        if graph.kind(TypeID(i)).isBTF { status[i] = true }
      }
      forEachMerge { s, t in
        guard matched[s.index] else { return }
        let kept = merges.kept(t)
        out.append(mergeEntry(s, kept))
        if graph.kind(kept).isBTF { status[kept.index] = true }
      }
      // A live node with decisions already says "now kept as …"; its status entry only adds
      // the merges it absorbed.
      for i in 1..<graph.count where status[i] {
        let id = TypeID(i)
        if log.latest(for: id) != nil && index.subjects(of: id).isEmpty { continue }
        out.append(keptEntry(id, index))
      }
    } else if filter.includeMerges {
      forEachMerge { s, t in out.append(mergeEntry(s, merges.kept(t))) }
    }
    out.sort(by: Self.precedes)
    return out
  }

  /// Decision `i`'s entry for `id`: its subject, or a copy of it merged at import.
  private func entry(_ i: Int, _ d: Decision, subject id: TypeID) -> Entry {
    var e = Entry(
      subject: subject(id), member: memberName(d), pass: d.pass, action: Self.actionName(d.action),
      reason: d.reason.sentence, renamedTo: nil, mergedInto: nil, absorbed: 0, absorbedUnits: 0,
      outcome: outcome(id), causes: graph.decisions.causes(of: i).map(step), decision: i)
    if case .renamed(let from) = d.action {
      if d.member == nil {
        e.renamedTo = graph.nameString(d.subject)
      } else if let to = memberRenames[MemberRenameKey(owner: d.subject, original: from, pass: d.pass)] {
        e.renamedTo = graph.strings.string(to)
      }
    }
    if case .merged(let into) = d.action { e.mergedInto = subject(into) }
    if case .merged(let into, _, _, _) = e.outcome, e.mergedInto == nil { e.mergedInto = subject(into) }
    return e
  }

  /// Every merge as (merged node, the node it went into): the log's, then each copy merged at
  /// import whose representative was kept or merged in turn (a copy of a representative a pass
  /// pruned or demoted was pruned or demoted with it, as its decisions say, not merged).
  fileprivate func forEachMerge(_ body: (TypeID, TypeID) -> Void) {
    let log = graph.decisions
    for (s, t) in zip(log.mergedSubjects, log.mergedTargets) { body(s, t) }
    for k in 0..<copies.count {
      let r = copies.representative(k)
      if graph.kind(r).isBTF || merges.isMerged(r) { body(copies.id(k), r) }
    }
  }

  /// How many merges `forEachMerge` lists.
  private var mergeCount: Int {
    var n = 0
    forEachMerge { _, _ in n += 1 }
    return n
  }

  /// Status entries for every kept node that absorbed merges (text `--explain-merges`).
  public func mergeSummaries() -> [Entry] {
    let merges = MergeIndex(self)
    var out: [Entry] = []
    for t in merges.targets where graph.kind(t).isBTF { out.append(keptEntry(t, merges)) }
    out.sort(by: Self.precedes)
    return out
  }

  private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
    if a.subject.originalName != b.subject.originalName {
      return a.subject.originalName.utf8.lexicographicallyPrecedes(b.subject.originalName.utf8)
    }
    let da = a.subject.dieOffset ?? 0
    let db = b.subject.dieOffset ?? 0
    if da != db { return da < db }
    if a.subject.id != b.subject.id { return a.subject.id < b.subject.id }
    if a.decision != b.decision { return a.decision < b.decision }
    return a.action < b.action
  }

  /// `Entry.decision` of entries made from the merge columns.
  static let mergeRow = Int.max - 1

  private func mergeEntry(_ s: TypeID, _ t: TypeID) -> Entry {
    Entry(
      subject: subject(s), member: nil, pass: "dedup", action: "merged",
      reason: StructurallyEqual().sentence, renamedTo: nil, mergedInto: subject(t), absorbed: 0,
      absorbedUnits: 0, outcome: outcome(s), causes: [], decision: Self.mergeRow)
  }

  private func keptEntry(_ id: TypeID, _ merges: MergeIndex) -> Entry {
    let from = merges.subjects(of: id)
    var units = Set<Int32>()
    for s in from { units.insert((copies.origin(s)?.unit ?? graph.units[s.index]).rawValue) }
    let decided = graph.decisions.latest(for: id) != nil
    return Entry(
      subject: subject(id), member: nil, pass: nil, action: "kept",
      reason: decided ? "kept after the decisions above" : "no pass changed it", renamedTo: nil,
      mergedInto: nil, absorbed: from.count, absorbedUnits: units.count, outcome: outcome(id), causes: [],
      decision: Int.max)
  }

  /// Nodes whose original name (simple or path-qualified) or current name is one of `names`,
  /// whatever the spacing (`Result<u32,X>` finds `Result<u32, X>`).
  private func matches(_ names: [String]) -> [Bool] {
    var out = [Bool](repeating: false, count: graph.count + copies.count)
    let queries = Set(names.map(Self.spaceless))
    // Names whose spaceless form is a query or a query's last path component, found in one
    // pass over the string table instead of one comparison per node.
    let tails = Set(names.compactMap { Self.lastPathComponent($0).map(Self.spaceless) })
    var wanted = [Bool](repeating: false, count: graph.strings.count)
    for n in 0..<graph.strings.count {
      let id = NameID(rawValue: Int32(n))
      guard graph.strings.length(id) > 0 else { continue }
      let text = Self.spaceless(graph.strings.string(id))
      wanted[n] = queries.contains(text) || tails.contains(text)
    }
    for i in 1..<graph.count {
      let id = TypeID(i)
      let orig = originalNameID(id)
      let current = graph.name(id)
      guard wanted[orig.index] || wanted[current.index] else { continue }
      if queries.contains(Self.spaceless(graph.strings.string(orig))) || queries.contains(Self.spaceless(graph.strings.string(current)))
        || queries.contains(Self.spaceless(originalName(id)))
      {
        out[i] = true
      }
    }
    // A copy merged at import is named as its representative, up to the path of an anonymous one.
    for k in 0..<copies.count {
      let id = copies.id(k)
      out[id.index] = copies.unlike(id) == nil ? out[copies.representative(k).index] : queries.contains(Self.spaceless(originalName(id)))
    }
    return out
  }

  /// `s` without spaces, the form names are compared in.
  static func spaceless(_ s: String) -> String {
    s.contains(" ") ? String(s.unicodeScalars.filter { $0 != " " && $0 != "\t" }.map(Character.init)) : s
  }

  /// Up to three names of types, functions and variables near `query`, for "did you mean":
  /// names that contain it, then names within a small edit distance, nearest first.
  public func suggestions(for query: String) -> [String] {
    let q = Array(Self.spaceless(query).lowercased().utf8)
    guard !q.isEmpty else { return [] }
    var seen = Set<NameID>()
    var scored: [(distance: Int, name: String)] = []
    let limit = max(2, q.count / 4)
    for i in 1..<graph.count {
      for n in [originalNameID(TypeID(i)), graph.name(TypeID(i))] where graph.strings.length(n) > 0 && seen.insert(n).inserted {
        let name = graph.strings.string(n)
        let c = Array(Self.spaceless(name).lowercased().utf8)
        if c.count >= q.count && c.count <= q.count + 16 && Self.contains(c, q) {
          scored.append((c.count - q.count, name))
        } else if abs(c.count - q.count) <= limit {
          let d = editDistance(c, q)
          if d <= limit { scored.append((d, name)) }
        }
      }
    }
    scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    var out: [String] = []
    for s in scored where !out.contains(s.name) && out.count < 3 { out.append(s.name) }
    return out
  }

  private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
      return true
    }
    return false
  }

  /// The line for a name nothing matched, with suggestions when there are any.
  public func notFoundLine(_ query: String) -> String {
    let near = suggestions(for: query)
    let hint = near.isEmpty ? "" : " (did you mean " + near.map { "`\($0)`" }.joined(separator: ", ") + "?)"
    return "no type, function or variable named `\(query)`\(hint)"
  }

  /// `core::option::Option<u8>` -> `Option<u8>`: the part after the last `::` outside angle
  /// brackets, braces and parentheses; nil when there is none.
  static func lastPathComponent(_ q: String) -> String? {
    let chars = Array(q.utf8)
    var depth = 0
    var cut: Int? = nil
    var i = 0
    while i < chars.count {
      switch chars[i] {
      case UInt8(ascii: "<"), UInt8(ascii: "("), UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
      case UInt8(ascii: ">"), UInt8(ascii: ")"), UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
      case UInt8(ascii: ":") where depth == 0 && i + 1 < chars.count && chars[i + 1] == UInt8(ascii: ":"):
        cut = i + 2
        i += 1
      default: break
      }
      i += 1
    }
    guard let cut, cut < chars.count else { return nil }
    return String(decoding: chars[cut...], as: UTF8.self)
  }

  // MARK: Text

  /// The human-readable explanation: one block per entry, blank-line separated.
  public func text(filter: ExplainFilter = .all) -> String {
    if filter.names.count > 1 {
      // Several names: one group per name, in the order asked, each under its own heading.
      return Self.uniqued(filter.names).map { q in
        "# --explain `\(q)`\n\n" + text(filter: ExplainFilter(names: [q], includeMerges: filter.includeMerges))
      }.joined(separator: "\n")
    }
    var out = ""
    // Text shows merges per kept node (`mergeSummaries`), so it never builds one entry per merge.
    let list = entries(filter: filter.names.isEmpty ? ExplainFilter() : filter)
    var first = true
    func block(_ e: Entry) {
      if !first { out += "\n" }
      first = false
      Self.write(e, to: &out)
    }
    // Text shows merges per kept node (the `kept` entries' "absorbed" line), not one by one.
    for e in list where !(e.action == "merged" && e.decision == Self.mergeRow) { block(e) }
    let merges = mergeCount
    if filter.names.isEmpty {
      if filter.includeMerges {
        for e in mergeSummaries() { block(e) }
      } else if merges > 0 {
        let kept = MergeIndex(self).targets.count
        if !first { out += "\n" }
        out +=
          """
          \(merges) merge\(merges == 1 ? "" : "s") into \(kept) kept node\(kept == 1 ? "" : "s") not listed (--explain-merges lists them \
          per kept node; --explain NAME explains one type)\n
          """
        first = false
      }
    } else {
      for q in filter.names where !list.contains(where: { Self.entry($0, answers: q) }) {
        if !first { out += "\n" }
        out += notFoundLine(q) + "\n"
        first = false
      }
    }
    return out
  }

  /// Whether `e` is about a node called `q` (for "not found" lines).
  public static func entry(_ e: Entry, answers query: String) -> Bool {
    let q = spaceless(query)
    let original = spaceless(e.subject.originalName)
    return original == q || original.hasSuffix("::" + q)
      || {
        if case .kept(_, let name, _) = e.outcome { return name == q }
        return false
      }() || e.renamedTo == q
  }

  static func uniqued(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
  }

  /// A DIE offset as explanations print it: `0x148`, or `alt:0x11` for a DIE of the dwz
  /// supplementary file (the importer marks those offsets with bit 62).
  static func dieText(_ offset: UInt64) -> String {
    let alt: UInt64 = 1 << 62
    return offset & alt != 0 ? "alt:0x" + String(offset & ~alt, radix: 16) : "0x" + String(offset, radix: 16)
  }

  /// `struct `rust_enums::Shape` [die 0x148, cu rust_enums.rs]`: a node as explanations name it.
  public static func describe(_ s: Subject) -> String {
    let die = s.dieOffset.map(dieText) ?? "-"
    return "\(s.kind) `\(s.originalName)` [die \(die), cu \(s.compileUnit ?? "-")]"
  }

  private static func verb(_ action: String) -> String {
    action == "replaced_by_opaque" ? "made opaque" : action
  }

  private static func describe(_ o: Outcome) -> String {
    switch o {
    case .kept(let kind, let name, let id): "kept as \(kind) '\(name)' [id \(id)]"
    case .merged(_, let kind, let name, let id): "merged into the node kept as \(kind) '\(name)' [id \(id)]"
    case .void: "void (references to it encode as type 0)"
    case .removed: "removed"
    }
  }

  private static func write(_ e: Entry, to out: inout String) {
    let what = e.member.map { "member '\($0)' of " } ?? ""
    if e.action == "kept" {
      out += "\(describe(e.subject))\n  \(describe(e.outcome))"
      out += e.reason == "no pass changed it" ? "; no pass changed it\n" : "\n"
      if e.absorbed > 0 {
        out +=
          """
            absorbed \(e.absorbed) structurally equal cop\(e.absorbed == 1 ? "y" : "ies") from \(e.absorbedUnits) compile \
          unit\(e.absorbedUnits == 1 ? "" : "s") by dedup\n
          """
      }
      return
    }
    out += "\(verb(e.action)) \(what)\(describe(e.subject))\n"
    out += "  by \(e.pass ?? "-"): \(e.reason)"
    if let to = e.renamedTo { out += " (now '\(to)')" }
    out += "\n"
    if e.action == "merged", let into = e.mergedInto { out += "  into \(describe(into))\n" }
    for c in e.causes {
      let cm = c.member.map { "member '\($0)' of " } ?? ""
      out += "  because \(verb(c.action)) \(cm)\(describe(c.subject)) by \(c.pass): \(c.reason)\n"
    }
    if case .merged(_, let kind, let name, let id) = e.outcome, let into = e.mergedInto, e.action != "merged" {
      out += "  now merged by dedup into \(describe(into)), kept as \(kind) '\(name)' [id \(id)]\n"
    } else {
      out += "  now \(describe(e.outcome))\n"
    }
  }

  // MARK: JSON

  /// One JSON document: an array of entries, one per line (schema in README, "Explaining
  /// decisions").
  public func json(filter: ExplainFilter = .all) -> String {
    // With names, the entries come grouped by name in the order asked, each saying which
    // name it answers (`query`).
    let groups: [(query: String?, entries: [Entry])] =
      filter.names.isEmpty
      ? [(nil, entries(filter: filter))]
      : Self.uniqued(filter.names).map { q in (q, entries(filter: ExplainFilter(names: [q], includeMerges: filter.includeMerges))) }
    let list = groups.flatMap { g in g.entries.map { (g.query, $0) } }
    if list.isEmpty { return "[]\n" }
    var out = "[\n"
    for (n, (query, e)) in list.enumerated() {
      out += "  "
      Self.writeJSON(e, query: query, to: &out)
      out += n == list.count - 1 ? "\n" : ",\n"
    }
    out += "]\n"
    return out
  }

  private static func writeJSON(_ e: Entry, query: String?, to out: inout String) {
    out += "{"
    if let query { out += "\"query\": \(jsonString(query)), " }
    writeDecisionFields(e.subject, pass: e.pass, action: e.action, reason: e.reason, member: e.member, to: &out)
    out += ", \"renamed_to\": " + jsonString(e.renamedTo)
    out += ", \"merged_into\": "
    if let m = e.mergedInto {
      out += "{"
      writeSubjectFields(m, to: &out)
      out += "}"
    } else {
      out += "null"
    }
    out += ", \"absorbed\": \(e.absorbed)"
    out += ", \"result\": "
    switch e.outcome {
    case .kept(let kind, let name, let id):
      out += "{\"state\": \"kept\", \"btf_kind\": \(jsonString(kind)), \"btf_name\": \(jsonString(name)), \"btf_id\": \(id)}"
    case .merged(_, let kind, let name, let id):
      out += "{\"state\": \"merged\", \"btf_kind\": \(jsonString(kind)), \"btf_name\": \(jsonString(name)), \"btf_id\": \(id)}"
    case .void: out += "{\"state\": \"void\", \"btf_kind\": null, \"btf_name\": null, \"btf_id\": 0}"
    case .removed: out += "{\"state\": \"removed\", \"btf_kind\": null, \"btf_name\": null, \"btf_id\": null}"
    }
    out += ", \"causes\": ["
    for (n, c) in e.causes.enumerated() {
      if n > 0 { out += ", " }
      out += "{"
      writeDecisionFields(c.subject, pass: c.pass, action: c.action, reason: c.reason, member: c.member, to: &out)
      out += "}"
    }
    out += "]}"
  }

  private static func writeSubjectFields(_ s: Subject, to out: inout String) {
    out += "\"original_name\": " + jsonString(s.originalName)
    out += ", \"kind\": " + jsonString(s.kind)
    out += ", \"die_offset\": " + jsonString(s.dieOffset.map(dieText))
    out += ", \"compile_unit\": " + jsonString(s.compileUnit)
  }

  /// The fields an entry and each step of its cause chain share, in schema order.
  private static func writeDecisionFields(
    _ subject: Subject, pass: String?, action: String, reason: String, member: String?, to out: inout String
  ) {
    writeSubjectFields(subject, to: &out)
    out += ", \"pass\": " + jsonString(pass)
    out += ", \"action\": " + jsonString(action)
    out += ", \"reason\": " + jsonString(reason)
    out += ", \"member\": " + jsonString(member)
  }

  /// A JSON string literal (`null` for nil); shared by every JSON rustbtf prints.
  public static func jsonString(_ s: String?) -> String {
    guard let s else { return "null" }
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let h = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}

/// Merges grouped by kept node (counting sort over the merge columns).
private struct MergeIndex {
  private var starts: [Int32]
  private var sorted: [TypeID]
  /// Kept nodes with at least one merge, in id order.
  private(set) var targets: [TypeID] = []

  /// Each merge counts for the node finally kept: a target merged later (a class's representative
  /// merged into another class's) moves its copies with it, those merged at import too.
  init(_ explanation: Explanation) {
    let count = explanation.graph.count + explanation.copies.count
    let merges = MergeMap(count: count) { body in explanation.forEachMerge(body) }
    func kept(_ t: TypeID) -> TypeID { merges.kept(t) }
    // A counting sort by the node finally kept (the merges are listed twice rather than held).
    var counts = [Int32](repeating: 0, count: count + 1)
    explanation.forEachMerge { _, t in
      let k = kept(t)
      if k.index < count { counts[k.index + 1] += 1 }
    }
    for i in 0..<count where counts[i + 1] > 0 { targets.append(TypeID(i)) }
    for i in 0..<count { counts[i + 1] += counts[i] }
    starts = counts
    var fill = counts
    var sorted = [TypeID](repeating: .void, count: Int(counts[count]))
    explanation.forEachMerge { s, t in
      let k = kept(t)
      guard k.index < count else { return }
      sorted[Int(fill[k.index])] = s
      fill[k.index] += 1
    }
    self.sorted = sorted
  }

  func subjects(of t: TypeID) -> ArraySlice<TypeID> {
    guard t.index + 1 < starts.count else { return [] }
    return sorted[Int(starts[t.index])..<Int(starts[t.index + 1])]
  }
}

extension String {
  fileprivate func replacingUnderscores() -> String {
    String(map { $0 == "_" ? " " : $0 })
  }
}
