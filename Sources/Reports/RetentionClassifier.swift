import TypeGraph

/// Compares each type of a `RetentionSnapshot` with what the passes left of it; the rules are
/// `RetentionReport`'s.
struct RetentionClassifier {
  typealias Field = RetentionSnapshot.Field
  typealias Reason = RetentionReport.Reason
  typealias MemberIssue = RetentionReport.MemberIssue

  let graph: TypeGraph
  let snapshot: RetentionSnapshot
  /// The node each node was merged into by dedup (void: not merged).
  private let merges: MergeMap
  /// Nodes merged into another by a recorded `.merged` decision (`merge-bindgen-copies`' bindgen
  /// copies, merged into their C types): a merge is into an equal layout, whose member names
  /// may be another language's (`__bindgen_anon_1` is anonymous in C).
  private let recordedMerges: Set<TypeID>
  /// Decisions about one member (made opaque, dropped), by the node holding the member.
  private let memberDecisions: [Int32: [Int]]
  /// The recorded origins of members (`DecisionLog.memberOrigins`: renamed by `sanitize-names`,
  /// named by `lower-rust`), by the node holding the member, in the order they were recorded.
  private let origins: [Int32: [MemberOrigin]]
  /// Outcome per (surviving node, record, shape): copies of a type usually all merge into one.
  private var cache: [CacheKey: Outcome] = [:]

  private struct CacheKey: Hashable {
    var node: TypeID
    var record: Int
    var shape: Int32
  }

  struct Outcome {
    var status: RetentionReport.Status
    var state: String
    var btfKind: String?
    var reason: Reason?
    var issues: [MemberIssue]
  }

  init(graph: TypeGraph, snapshot: RetentionSnapshot) {
    self.graph = graph
    self.snapshot = snapshot
    let merges = MergeMap(graph.decisions, count: graph.count)
    self.merges = merges
    recordedMerges = Set(graph.decisions.entries.lazy.filter { if case .merged = $0.action { true } else { false } }.map(\.subject))
    var byNode: [Int32: [Int]] = [:]
    for (i, d) in graph.decisions.entries.enumerated() {
      guard d.member != nil else { continue }
      switch d.action {
      case .replacedByOpaque, .rewritten: byNode[d.subject.rawValue, default: []].append(i)
      default: break
      }
    }
    memberDecisions = byNode
    // Keyed by the node the owner ended up as, too: a copy merged into an equal node (another
    // copy, or with --btf_base the base's type, whose lowering this graph never recorded) has
    // the same members, so what was recorded for the copy holds for it.
    var byOwner: [Int32: [MemberOrigin]] = [:]
    var seen: Set<MemberOrigin> = []
    for o in graph.decisions.memberOrigins {
      byOwner[o.owner.rawValue, default: []].append(o)
      let kept = merges.kept(o.owner)
      guard kept != o.owner else { continue }
      var moved = o
      moved.owner = kept
      if seen.insert(moved).inserted { byOwner[kept.rawValue, default: []].append(moved) }
    }
    origins = byOwner
  }

  /// The node `id` ended up as: itself, or the node dedup kept in its place.
  func surviving(_ id: TypeID) -> TypeID { merges.kept(id) }

  // MARK: Types

  mutating func entry(for r: Int) -> RetentionReport.TypeEntry {
    let record = snapshot.records[r]
    var best: Outcome? = nil
    for copy in record.copies {
      let o = outcome(copy, record: r)
      if best == nil || rank(o.status) < rank(best!.status) { best = o }
      if o.status == .complete { break }
    }
    let dataCarrying = record.shapes.contains { s in
      snapshot.fields[s].contains { $0.role == .discriminant || $0.role == .variant }
    }
    let kind: String
    switch record.kind {
    case .union: kind = "union"
    case .enumeration, .enum64: kind = "enum"
    default: kind = "struct"
    }
    let o = best! // a record has at least one copy
    return RetentionReport.TypeEntry(
      name: record.name, kind: kind, bytes: record.size, copies: record.copies.reduce(0) { $0 + 1 + Int($1.mergedAtImport) },
      dataCarrying: dataCarrying,
      status: o.status, state: o.state, btfKind: o.btfKind, reason: o.reason, issues: o.issues)
  }

  private func rank(_ s: RetentionReport.Status) -> Int {
    switch s {
    case .complete: 0
    case .opaque: 1
    case .pruned: 2
    }
  }

  private mutating func outcome(_ copy: RetentionSnapshot.Copy, record r: Int) -> Outcome {
    let t = surviving(copy.id)
    let key = CacheKey(node: t, record: r, shape: copy.shape)
    if let o = cache[key] { return o }
    let record = snapshot.records[r]
    let o: Outcome
    let kind = graph.kind(t)
    let expected: Bool
    switch record.kind {
    case .enumeration, .enum64: expected = kind == .enumeration || kind == .enum64
    default: expected = kind == record.kind
    }
    if expected && recordedMerges.contains(copy.id) && graph.size(t) == record.size {
      o = Outcome(status: .complete, state: "kept", btfKind: kind.btfName, issues: [])
    } else if expected {
      let issues = check(t, record: record, shape: record.shapes[Int(copy.shape)])
      o = Outcome(status: issues.isEmpty ? .complete : .opaque, state: "kept", btfKind: kind.btfName, issues: issues)
    } else {
      let state: String
      switch kind {
      case .void: state = "void"
      case .removed, .unrepresentable: state = "removed"
      default: state = "rewritten"
      }
      let d = graph.decisions.latest(for: t) ?? graph.decisions.latest(for: copy.id)
      o = Outcome(status: .pruned, state: state, btfKind: kind.isBTF ? kind.btfName : nil, reason: d.map(reason), issues: [])
    }
    cache[key] = o
    return o
  }

  func reason(_ i: Int) -> Reason {
    let d = graph.decisions[i]
    let root = graph.decisions[graph.decisions.causes(of: i).last ?? i]
    return Reason(pass: d.pass, reason: d.reason, rootPass: root.pass, rootReason: root.reason)
  }

  // MARK: Members

  /// The members of a surviving node, flattened as the DWARF side was.
  private struct Written {
    var names: [NameID] = []
    var offsets: [UInt64] = []
    var bitfields: [UInt32] = []
    var types: [TypeID] = []
    var containers: [TypeID] = []
    var indexes: [Int] = []
    /// By name, and by the names of the input members it stands for (`MemberOrigin`).
    var byName: [NameID: [Int]] = [:]
    /// Members that stand for an unnamed input member (`lower-rust`'s `discriminant`).
    var forUnnamed: [Int] = []
    /// The name the first recorded origin gave each input member it names: what `lower-rust`
    /// called a variant (a coroutine's `0` is `Unresumed`), before any later rename.
    var firstWritten: [NameID: NameID] = [:]

    init(_ id: TypeID, _ graph: TypeGraph, origins: [Int32: [MemberOrigin]]) {
      var seen: Set<Int32> = []
      FlattenedMembers.forEach(of: id, in: graph) { container, index, m, offset in
        let recorded = origins[container.rawValue] ?? []
        if seen.insert(container.rawValue).inserted {
          for o in recorded where firstWritten[o.original] == nil { firstWritten[o.original] = o.written }
        }
        byName[m.name, default: []].append(names.count)
        for original in RetentionClassifier.originals(of: m.name, in: recorded) {
          if original.isEmpty { forUnnamed.append(names.count) } else { byName[original, default: []].append(names.count) }
        }
        names.append(m.name)
        offsets.append(offset)
        bitfields.append(m.bitField.width)
        types.append(m.type)
        containers.append(container)
        indexes.append(index)
      }
    }
  }

  private func check(_ t: TypeID, record: RetentionSnapshot.Record, shape: Range<Int>) -> [MemberIssue] {
    var issues: [MemberIssue] = []
    if graph.size(t) != record.size {
      issues.append(
        MemberIssue(
          member: "(type)", problem: .type, detail: "\(record.size) bytes in DWARF, \(graph.size(t)) in BTF",
          reason: graph.decisions.latest(for: t).map(reason)))
    }
    let fields = snapshot.fields[shape]
    if record.kind == .enumeration || record.kind == .enum64 {
      checkEnumerators(t, fields, &issues)
      return issues
    }
    let written = Written(t, graph, origins: origins)
    var i = fields.startIndex
    while i < fields.endIndex {
      let f = fields[i]
      switch f.role {
      case .member, .enumerator:
        _ = checkMember(f, name: .member(f.name), label: graph.strings.string(f.name), in: written, t, &issues)
      case .discriminant:
        _ = checkMember(
          f, name: .discriminant(f.name), label: f.name.isEmpty ? "discriminant" : graph.strings.string(f.name),
          in: written, t, &issues)
      case .variant:
        // Labelled as `lower-rust` named it, which it recorded.
        let label = graph.strings.string(written.firstWritten[f.name] ?? f.name)
        let children = fields[(i + 1)..<(i + 1 + Int(f.children))]
        if let k = checkMember(f, name: .member(f.name), label: label, in: written, t, &issues) {
          let vt = graph.resolvingModifiers(written.types[k])
          if graph.kind(vt) == .structure || graph.kind(vt) == .union {
            let inner = Written(vt, graph, origins: origins)
            for c in children {
              _ = checkMember(c, name: .member(c.name), label: label + "." + graph.strings.string(c.name), in: inner, vt, &issues)
            }
          } else if !children.isEmpty {
            issues.append(
              MemberIssue(
                member: label, problem: .type, detail: "a \(graph.kind(vt).btfName) in BTF, not a struct with the variant's fields",
                reason: graph.decisions.latest(for: vt).map(reason)))
          }
        }
        i += Int(f.children)
      }
      i += 1
    }
    return issues
  }

  /// The input names a member named `name` stands for, as its container's recorded origins say
  /// (a chain of renames gives each name on the way back), nearest first; `name` itself excluded.
  static func originals(of name: NameID, in recorded: [MemberOrigin]) -> [NameID] {
    var out: [NameID] = []
    var next = [name]
    while let n = next.popLast() {
      for o in recorded.reversed() where o.written == n && o.original != name && !out.contains(o.original) {
        out.append(o.original)
        next.append(o.original)
      }
    }
    return out
  }

  /// A DWARF member by its name: a member's, or the discriminant's (unnamed in DWARF but for
  /// coroutines' `__state`: then what `lower-rust` recorded as standing for it).
  private enum ExpectedName {
    case member(NameID)
    case discriminant(NameID)
  }

  /// The written members that stand for the DWARF member `name`: of its name, or recorded as
  /// renamed from it or made for it.
  private func candidates(_ name: ExpectedName, in w: Written) -> [Int] {
    switch name {
    case .member(let n): w.byName[n] ?? []
    case .discriminant(let n): n.isEmpty ? w.forUnnamed : w.byName[n] ?? []
    }
  }

  /// Checks one DWARF member against the written ones; returns the index of the written member
  /// when it is there at the right offset (even if resized or opaque).
  private func checkMember(
    _ f: Field, name: ExpectedName, label: String, in w: Written, _ owner: TypeID, _ issues: inout [MemberIssue]
  ) -> Int? {
    let found = candidates(name, in: w)
    guard let k = found.first(where: { w.offsets[$0] == f.bitOffset }) else {
      if let k = found.first {
        issues.append(
          MemberIssue(
            member: label, problem: .offset, detail: "bit \(f.bitOffset) in DWARF, bit \(w.offsets[k]) in BTF",
            reason: memberDecision(w, k).map(reason)))
      } else {
        issues.append(
          MemberIssue(
            member: label, problem: .missing, detail: "",
            reason: missingReason(name, offset: f.bitOffset, in: w, owner).map(reason)))
      }
      return nil
    }
    if let d = opaqueDecision(w, k) {
      issues.append(MemberIssue(member: label, problem: .opaque, detail: "", reason: reason(d)))
      return k
    }
    if f.bytes != Field.unknownSize {
      if f.bitfield != 0 || w.bitfields[k] != 0 {
        if f.bitfield != w.bitfields[k] {
          issues.append(
            MemberIssue(
              member: label, problem: .size, detail: "\(f.bitfield) bits in DWARF, \(w.bitfields[k]) in BTF",
              reason: memberDecision(w, k).map(reason)))
        }
      } else {
        let written = graph.byteSize(of: w.types[k])
        if written != f.bytes {
          issues.append(
            MemberIssue(
              member: label, problem: .size,
              detail: "\(f.bytes) bytes in DWARF, \(written.map { "\($0)" } ?? "no size") in BTF",
              reason: memberDecision(w, k).map(reason)))
        }
      }
    }
    return k
  }

  /// The member decision about written member `k` (by its container and name), if any.
  private func memberDecision(_ w: Written, _ k: Int, opaqueOnly: Bool = false) -> Int? {
    guard let list = memberDecisions[w.containers[k].rawValue] else { return nil }
    let matching = list.filter { i in
      let d = graph.decisions[i]
      // By name; an anonymous member a pass has since named (`__opaque_0`) by its index.
      guard d.memberName == w.names[k] || (d.memberName.isEmpty && d.member == w.indexes[k]) else { return false }
      if case .replacedByOpaque = d.action { return true }
      return !opaqueOnly
    }
    // Anonymous members share the empty name: prefer the decision about this index.
    return matching.last { graph.decisions[$0].member == w.indexes[k] } ?? matching.last
  }

  /// Why written member `k` is an opaque placeholder: a decision on its container, or the
  /// decision that made its array type opaque bytes. Nil when it is not one.
  private func opaqueDecision(_ w: Written, _ k: Int) -> Int? {
    if let d = memberDecision(w, k, opaqueOnly: true) { return d }
    var t = graph.resolvingModifiers(w.types[k])
    var steps = 0
    while graph.kind(t) == .array && steps < 64 {
      if let d = graph.decisions.latest(for: t), case .replacedByOpaque = graph.decisions[d].action { return d }
      t = graph.resolvingModifiers(graph.ref(t))
      steps += 1
    }
    return nil
  }

  /// Why a DWARF member has no written member of its name: a decision naming it (dropped), else
  /// the decision on a written member covering its offset (an opaque placeholder in its place),
  /// else the first decision about any member of the owner.
  private func missingReason(_ name: ExpectedName, offset: UInt64, in w: Written, _ owner: TypeID) -> Int? {
    var containers: [TypeID] = [owner]
    for c in w.containers where !containers.contains(c) { containers.append(c) }
    for c in containers {
      let recorded = origins[c.rawValue] ?? []
      for i in memberDecisions[c.rawValue] ?? [] {
        let n = graph.decisions[i].memberName
        let named: Bool
        switch name {
        case .member(let e): named = n == e || (!n.isEmpty && !e.isEmpty && Self.originals(of: n, in: recorded).contains(e))
        case .discriminant(let e): named = !n.isEmpty && (n == e || Self.originals(of: n, in: recorded).contains(e))
        }
        if named { return i }
      }
    }
    for k in w.names.indices where w.offsets[k] <= offset {
      let bits = w.bitfields[k] != 0 ? UInt64(w.bitfields[k]) : (graph.byteSize(of: w.types[k]) ?? 0) * 8
      if offset < w.offsets[k] &+ bits, let d = memberDecision(w, k) { return d }
    }
    for c in containers { if let first = memberDecisions[c.rawValue]?.first { return first } }
    // What the owner's own latest decision says (lower-rust lists the variant members it
    // dropped in its decision on the enum); a rename explains no missing member.
    if let d = graph.decisions.latest(for: owner), case .rewritten = graph.decisions[d].action { return d }
    return nil
  }

  private func checkEnumerators(_ t: TypeID, _ fields: ArraySlice<Field>, _ issues: inout [MemberIssue]) {
    var byName: [NameID: UInt64] = [:]
    let recorded = origins[t.rawValue] ?? []
    for i in graph.memberRange(t) {
      let m = graph.member(at: i)
      byName[m.name] = m.enumeratorValue
      for original in Self.originals(of: m.name, in: recorded) { byName[original] = m.enumeratorValue }
    }
    for f in fields {
      let label = graph.strings.string(f.name)
      guard let v = byName[f.name] else {
        issues.append(MemberIssue(member: label, problem: .missing, detail: "", reason: nil))
        continue
      }
      if v != f.bitOffset {
        issues.append(MemberIssue(member: label, problem: .offset, detail: "value \(f.bitOffset) in DWARF, \(v) in BTF", reason: nil))
      }
    }
  }

  // MARK: Functions

  func functions() -> RetentionReport.Functions {
    // Per distinct linkage name: written if any copy is; else the first copy's latest decision.
    var emitted: Set<NameID> = []
    var firstMissing: [NameID: TypeID] = [:]
    for f in snapshot.functions {
      if graph.kind(surviving(f.id)) == .function {
        emitted.insert(f.linkageName)
      } else if firstMissing[f.linkageName] == nil {
        firstMissing[f.linkageName] = f.id
      }
    }
    var counts: [String: Int] = [:]
    var missing: [RetentionReport.NamedReason] = []
    for (name, id) in firstMissing where !emitted.contains(name) {
      let r = (graph.decisions.latest(for: surviving(id)) ?? graph.decisions.latest(for: id)).map(reason)
      counts[r?.rootCause ?? RetentionReport.unexplained, default: 0] += 1
      missing.append(.init(name: graph.strings.string(name), reason: r?.root ?? RetentionReport.unexplained))
    }
    missing.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    var out = 0
    var accounted = Set<TypeID>()
    for f in snapshot.functions { accounted.insert(surviving(f.id)) }
    var unaccounted: [String] = []
    for id in graph.ids where graph.kind(id) == .function && graph.flags(id).contains(.rust) {
      out += 1
      if !accounted.contains(id) { unaccounted.append(graph.nameString(id)) }
    }
    unaccounted.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    let names = Set(snapshot.functions.lazy.map(\.linkageName))
    // The issue's measure: of the functions the ELF file has a symbol for (`select-symbols`
    // keeps those), how many are FUNCs. The rest were discarded by the linker or only inlined.
    let symbols = graph.symbols
    let withSymbol: Set<NameID> = symbols.imported ? names.filter { !symbols.functions(named: $0).isEmpty } : []
    return RetentionReport.Functions(
      withLinkageName: names.count, emitted: emitted.count,
      withSymbol: symbols.imported ? withSymbol.count : nil,
      emittedWithSymbol: symbols.imported ? withSymbol.intersection(emitted).count : nil,
      rustFuncsOut: out, missingReasons: RetentionReport.sortedCounts(counts), missing: missing,
      unaccountedFuncs: unaccounted)
  }
}
