// rustbtf-order-audit FILE OUTDIR THREADS ranges [PARTS,... [STREAMING-PARTS,...]]: issue 19's
// choice between two ways of deduplicating types as they are read, measured on the parallel
// walk's own ranges of units (ParallelWalk.swift), split into about PARTS ranges each time
// (default 2,4,16,64; the product's split at -j on 2 cores is 2 x 32 = 64). Every dedup here
// uses the audit's scoped key (`Dedup.labelsScopeAndLanguage`, FUNCs and their prototypes one
// per DIE), with forward declarations resolved in each partial dedup ("fwd each") or only in
// the last, global one ("fwd at end": a part of the input cannot know whether a name it sees
// defined once is defined differently elsewhere).
//
// (R) range-local: each range's graph, as its walker leaves it, is deduplicated on its own
//     before it is absorbed. Per range: nodes and member rows before and after, and the
//     dedup's time; the sum of the after columns is what the main graph would hold. The last,
//     global dedup is timed on a graph holding only those nodes (compacted). The range-local
//     merges are then applied to the whole import and the global dedup run after them: its
//     classes are compared with one global dedup's, and the BTF, --explain-pruned, --stats and
//     decision counts of `all` after it ("ranges-first") with those after the global dedup
//     alone ("scoped-first"), byte for byte.
// (S) streaming (for the splits in STREAMING-PARTS, default 64): after each range is added,
//     the graph (the classes so far, compacted, and the new range, as walked or range-deduped)
//     is deduplicated. Per step: the graph's size before and after, and the dedup's time.
import Foundation
import Merge
import Reports
import RustBTF
import TypeGraph

enum RangeAudit {
  /// Bytes a node row and a member row take in the graph's columns (FINDINGS.md section 3).
  static let nodeBytes = 44
  static let memberBytes = 14

  /// Where forward declarations are resolved.
  enum Forwards: CaseIterable {
    case each, atEnd
    var name: String { self == .each ? "fwd each" : "fwd at end" }
    var tag: String { self == .each ? "fwdEach" : "fwdAtEnd" }
  }

  static func run(path: String, outDir: String, parts: [Int], streamingParts: Set<Int>) throws {
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    var report = "input \(path)\n\n"
    var summary = ""
    var reference: (census: Census, representative: ContiguousArray<Int32>)? = nil
    var scopedFirst: [String: String]? = nil
    for p in parts {
      let recorder = RangeRecorder()
      var options = DWARFImportOptions()
      options.threads = 2
      options.rangesPerThread = max(1, p / 2)
      options.rangeObserver = recorder
      let t0 = now()
      let imported = try DWARFImporter.importFile(path: path, options: options)
      let importMS = ms(since: t0)
      if reference == nil {
        // One global dedup of the whole import: the classes every design must end with.
        let whole = Census(imported)
        var g = imported
        let t = now()
        try scopedDedup(.each).runAlone(on: &g)
        let dedupMS = ms(since: t)
        reference = (Census(g), representatives(g))
        report += "whole import: \(whole.nodes) nodes, \(whole.members) member rows, \(mib(whole)) MiB of node and member columns\n"
        report += "one global scoped dedup: \(reference!.census.nodes) nodes, \(reference!.census.members) member rows, "
        report += "\(mib(reference!.census)) MiB, \(fmt(dedupMS)) ms\n\n"
        summary += "whole.nodes\t\(whole.nodes)\nwhole.members\t\(whole.members)\nglobal.nodes\t\(reference!.census.nodes)\n"
        summary += "global.members\t\(reference!.census.members)\nglobal.ms\t\(fmt(dedupMS))\n"
        scopedFirst = try answers(imported, first: [scopedDedup(.each)], path: path, outDir: outDir, name: "scoped-first")
      }
      let rows = recorder.rows
      try recorder.table.write(toFile: "\(outDir)/ranges-\(p).tsv", atomically: true, encoding: .utf8)
      let before = rows.reduce(Census()) { $0 + $1.before }
      let largest = rows.map(\.before).max { $0.bytes < $1.bytes } ?? Census()
      report += "## \(p) parts requested: \(rows.count) ranges (import with the range-local dedups \(fmt(importMS)) ms)\n"
      report +=
        "as walked: \(before.nodes) nodes, \(before.members) member rows, \(mib(before)) MiB; largest range \(largest.nodes) nodes, "
      report += "\(mib(largest)) MiB; references out of their range: \(rows.reduce(0) { $0 + $1.outside })\n"
      summary += "\(p).ranges\t\(rows.count)\n\(p).before.nodes\t\(before.nodes)\n\(p).largestRange.MiB\t\(mib(largest))\n"
      for f in Forwards.allCases {
        let after = rows.reduce(Census()) { $0 + $1.after[f == .each ? 0 : 1] }
        let times = rows.map { $0.dedupMS[f == .each ? 0 : 1] }
        let key = "\(p).R.\(f.tag)"
        report += "(R) range-local, \(f.name):\n"
        report += "  after (sum over ranges = the main graph): \(after.nodes) nodes, \(after.members) member rows, \(mib(after)) MiB\n"
        report += "  range-local dedups: sum \(fmt(times.reduce(0, +))) ms, max \(fmt(times.max() ?? 0)) ms\n"
        // The last dedup, on a graph of the ranges' classes alone.
        var parent = UnionFind(count: imported.count)
        for (s, d) in recorder.merges[f == .each ? 0 : 1] { parent.union(s.index, into: d.index) }
        var c = compact(imported, limit: imported.count, &parent)
        let t1 = now()
        try scopedDedup(.each).runAlone(on: &c.graph)
        let finalMS = ms(since: t1)
        let final = Census(c.graph)
        report += "  then the global dedup on those alone: \(final.nodes) nodes, \(final.members) member rows, \(fmt(finalMS)) ms\n"
        summary += "\(key).after.nodes\t\(after.nodes)\n\(key).after.members\t\(after.members)\n\(key).after.MiB\t\(mib(after))\n"
        summary += "\(key).dedup.sum.ms\t\(fmt(times.reduce(0, +)))\n\(key).dedup.max.ms\t\(fmt(times.max() ?? 0))\n"
        summary += "\(key).final.ms\t\(fmt(finalMS))\n\(key).final.nodes\t\(final.nodes)\n"
        // The same merges on the whole import, then the global dedup: its classes and answers.
        let apply = ApplyMerges(targets: parent.roots())
        var g = imported
        _ = try apply.runAlone(on: &g)
        try scopedDedup(.each).runAlone(on: &g)
        let same = samePartition(imported, reference!.representative, representatives(g))
        report += "  classes of the range merges + the global dedup against one global dedup: \(same.text)\n"
        summary += "\(key).samePartition\t\(same.equal)\n"
        let ranged = try answers(
          imported, first: [apply, scopedDedup(.each)], path: path, outDir: outDir, name: "ranges-first-\(p)-\(f.tag)")
        var verdicts: [String] = []
        for kind in ["btf", "summary", "decisions", "explain", "stats", "merge-targets", "merge-roots"] {
          let verdict = scopedFirst![kind] == ranged[kind] ? "same" : "differs"
          verdicts.append("\(kind) \(verdict)")
          summary += "\(key).ranges-first.\(kind)\t\(verdict)\n"
        }
        report += "  `all` after them against scoped-first: \(verdicts.joined(separator: ", "))\n"
      }
      if streamingParts.contains(p) {
        let configurations: [(ranged: Bool, forwards: Forwards)] = [(false, .each), (false, .atEnd), (true, .atEnd), (true, .each)]
        for (ranged, f) in configurations {
          let s = try stream(imported, recorder, ranged: ranged, forwards: f)
          let name = "\(ranged ? "range-deduplicated" : "as walked"), \(f.name)"
          let key = "\(p).S.\(ranged ? "ranged" : "walked").\(f.tag)"
          try s.table.write(
            toFile: "\(outDir)/streaming-\(p)-\(ranged ? "ranged" : "walked")-\(f.tag).tsv", atomically: true, encoding: .utf8)
          let same = samePartition(imported, reference!.representative, s.representative)
          report += "(S) streaming, each range \(name): after the last range \(s.final.nodes) nodes, \(s.final.members) member rows, "
          report += "\(mib(s.final)) MiB\n"
          report += "  peak graph (the classes so far + the range added): \(s.peak.nodes) nodes, \(s.peak.members) member rows, "
          report += "\(mib(s.peak)) MiB; peak of the classes so far \(s.peakLive.nodes) nodes\n"
          report += "  dedups (serial): sum \(fmt(s.dedupMS)) ms, max \(fmt(s.maxMS)) ms"
          report += f == .atEnd ? ", of which the last, with forwards: \(fmt(s.lastMS)) ms\n" : "\n"
          report += "  compactions: \(fmt(s.compactMS)) ms; classes against one global dedup: \(same.text)\n"
          summary += "\(key).final.nodes\t\(s.final.nodes)\n\(key).peak.nodes\t\(s.peak.nodes)\n\(key).peak.members\t\(s.peak.members)\n"
          summary += "\(key).peak.MiB\t\(mib(s.peak))\n\(key).dedup.ms\t\(fmt(s.dedupMS))\n\(key).samePartition\t\(same.equal)\n"
        }
      }
      report += "\n"
      // Written after each split, so that a long run leaves what it measured so far.
      try report.write(toFile: "\(outDir)/ranges.txt", atomically: true, encoding: .utf8)
      try summary.write(toFile: "\(outDir)/ranges-summary.tsv", atomically: true, encoding: .utf8)
    }
    print(report, terminator: "")
  }

  /// What a streaming dedup holds after each range.
  struct Stream {
    var table = "after range\tnodes before dedup\tmember rows before\tnodes after\tmember rows after\tMiB before\tdedup ms\n"
    var final = Census()
    var peak = Census()
    var peakLive = Census()
    var dedupMS = 0.0
    var maxMS = 0.0
    var lastMS = 0.0
    var compactMS = 0.0
    var representative = ContiguousArray<Int32>()
  }

  /// Adds the ranges one by one to a compacted graph of the classes so far (the ranges as walked,
  /// or with their range-local merges), deduplicating after each. With forwards `.atEnd` the
  /// steps leave forward declarations alone and a last dedup resolves them.
  static func stream(_ w: TypeGraph, _ recorder: RangeRecorder, ranged: Bool, forwards: Forwards) throws -> Stream {
    var s = Stream()
    var parent = UnionFind(count: w.count)
    if ranged { for (a, b) in recorder.merges[1] { parent.union(a.index, into: b.index) } }
    let rows = recorder.rows
    for k in rows.indices {
      // The last step takes what follows the ranges too (the DATASECs placed after the walk).
      let end = k + 1 < rows.count ? rows[k + 1].firstID.index : w.count
      let t0 = now()
      var c = compact(w, limit: end, &parent)
      s.compactMS += ms(since: t0)
      let before = Census(c.graph)
      if before.bytes > s.peak.bytes { s.peak = before }
      let t1 = now()
      try scopedDedup(forwards).runAlone(on: &c.graph)
      let stepMS = ms(since: t1)
      s.dedupMS += stepMS
      s.maxMS = max(s.maxMS, stepMS)
      if forwards == .atEnd && k == rows.count - 1 {
        let t2 = now()
        try scopedDedup(.each).runAlone(on: &c.graph)
        s.lastMS = ms(since: t2)
        s.dedupMS += s.lastMS
      }
      for (a, b) in zip(c.graph.decisions.mergedSubjects, c.graph.decisions.mergedTargets) {
        parent.union(Int(c.old[a.index]), into: Int(c.old[b.index]))
      }
      let after = Census(c.graph)
      if after.bytes > s.peakLive.bytes { s.peakLive = after }
      s.final = after
      s.table += "\(k)\t\(before.nodes)\t\(before.members)\t\(after.nodes)\t\(after.members)\t\(mib(before))\t\(fmt(stepMS))\n"
    }
    s.representative = parent.roots()
    return s
  }

  /// The nodes of `w` below `limit` that are their class's root, in a graph of their own, with
  /// every reference pointed at its target's root; `old[i]` is node i's id in `w`. The array
  /// index type is not carried over (the graph's is package-internal): the last dedup's choice of
  /// `int` for it is the only thing this changes, one node.
  static func compact(_ w: TypeGraph, limit: Int, _ parent: inout UnionFind) -> (graph: TypeGraph, old: ContiguousArray<Int32>) {
    var newID = ContiguousArray<Int32>(repeating: 0, count: limit)
    var old: ContiguousArray<Int32> = [0]
    for i in 1..<limit where w.kind(TypeID(i)) != .removed && parent.find(i) == i {
      newID[i] = Int32(old.count)
      old.append(Int32(i))
    }
    func map(_ t: TypeID) -> TypeID {
      if t.isVoid { return t }
      let r = parent.find(t.index)
      return r < limit ? TypeID(Int(newID[r])) : .void
    }
    var g = TypeGraph()
    g.strings = w.strings
    for o in old.dropFirst() {
      let id = TypeID(Int(o))
      let n = g.add(
        w.kind(id), name: w.name(id), size: w.size(id), ref: map(w.ref(id)), aux: w.aux(id), flags: w.flags(id),
        dwarfTag: w.dwarfTag(of: id), origin: w.origin(id), scope: w.scopes[id.index], linkageName: w.linkageNames[id.index])
      if w.memberCount(id) > 0 {
        g.setMembers(
          n,
          w.members(of: id).map { m in
            var m = m
            m.type = map(m.type)
            return m
          })
      }
    }
    return (g, old)
  }

  /// The audit's scoped key: path of named nodes and Rust flag in the label, FUNCs and their
  /// prototypes one per DIE; forward declarations resolved or left.
  static func scopedDedup(_ forwards: Forwards) -> Dedup {
    var d = Dedup()
    d.mergesFunctions = false
    d.labelsScopeAndLanguage = true
    d.resolvesForwards = forwards == .each
    return d
  }

  /// Each node's class: the node its merges end at (itself when it was never merged).
  static func representatives(_ g: TypeGraph) -> ContiguousArray<Int32> {
    var u = UnionFind(count: g.count)
    for (s, t) in zip(g.decisions.mergedSubjects, g.decisions.mergedTargets) { u.union(s.index, into: t.index) }
    return u.roots()
  }

  /// Whether two class maps of the same import group its nodes alike.
  static func samePartition(_ g: TypeGraph, _ a: ContiguousArray<Int32>, _ b: ContiguousArray<Int32>) -> (equal: Bool, text: String) {
    var aToB = ContiguousArray<Int32>(repeating: -1, count: g.count)
    var bToA = ContiguousArray<Int32>(repeating: -1, count: g.count)
    var apart = 0 // nodes of one class of `a` found in another class of `b`
    var joined = 0 // nodes of one class of `b` from another class of `a`
    var examples: [String] = []
    for i in 1..<g.count where g.kind(TypeID(i)).isBTF || g.kind(TypeID(i)) == .unrepresentable {
      let x = Int(a[i])
      let y = Int(b[i])
      if aToB[x] == -1 { aToB[x] = Int32(y) } else if aToB[x] != Int32(y) { apart += 1 }
      if bToA[y] == -1 { bToA[y] = Int32(x) } else if bToA[y] != Int32(x) { joined += 1 }
      if (aToB[x] != Int32(y) || bToA[y] != Int32(x)) && examples.count < 3 {
        let id = TypeID(i)
        let synthesized = g.flags(id).contains(.synthesized) ? ", synthesized" : ""
        examples.append("[\(i)] \(g.kind(id)) '\(g.nameString(id))'\(synthesized)")
      }
    }
    let equal = apart == 0 && joined == 0
    let text = "differ: \(apart) nodes apart from their global class, \(joined) joined to another (\(examples.joined(separator: ", ")))"
    return (equal, equal ? "the same classes" : text)
  }

  /// `all` after `first`, on a copy of the import: the files the orders of the main audit compare.
  static func answers(_ imported: TypeGraph, first: [any Pass], path: String, outDir: String, name: String) throws -> [String: String] {
    var passes = StandardPasses.all().passes
    passes.insert(contentsOf: first, at: 0)
    let conversion = Conversion(pipeline: PassPipeline(passes), retentionReport: true)
    let result = try conversion.run(graph: imported, inputName: path)
    let explanation = Explanation(graph: result.graph, importedScopes: result.importedScopes)
    let files: [String: String] = [
      "explain": explanation.text(filter: ExplainFilter()),
      "stats": result.retention?.text(inputName: "input") ?? "",
      "decisions": decisionCounts(result.graph),
      "summary": result.summary.line + "\n",
      "merge-targets": mergeTargets(result.graph),
      "merge-roots": mergeRoots(result.graph),
    ]
    for (kind, text) in files { try text.write(toFile: "\(outDir)/\(name).\(kind).txt", atomically: true, encoding: .utf8) }
    try Data(result.btf).write(to: URL(fileURLWithPath: "\(outDir)/\(name).btf"))
    return files.merging(["btf": result.btf.map { String($0) }.joined(separator: ",")]) { a, _ in a }
  }

  /// Each node merges end at (following a merge of a merge target), by its origin and name, with
  /// how many nodes merged into it: the classes of the final graph, whatever the order of the
  /// merges (`merge-targets` counts the last step only).
  static func mergeRoots(_ g: TypeGraph) -> String {
    let r = representatives(g)
    var counts: [Int32: Int] = [:]
    for i in 1..<g.count where r[i] != Int32(i) { counts[r[i], default: 0] += 1 }
    return counts.keys.map { t in
      let id = TypeID(Int(t))
      let o = g.origin(id)
      return "die 0x\(String(o.dieOffset, radix: 16)) unit \(o.unit.rawValue) \(g.kind(id)) '\(g.nameString(id))'\t\(counts[t]!)"
    }.sorted().joined(separator: "\n") + "\n"
  }

  static func mib(_ c: Census) -> String { String(format: "%.1f", Double(c.bytes) / 1_048_576) }
  static func fmt(_ ms: Double) -> String { String(format: "%.1f", ms) }
  static func ms(since t: UInt64) -> Double { Double(now() - t) / 1e6 }
}

/// Nodes of BTF and graph-only kinds (no void, no tombstone) and their member rows.
struct Census {
  var nodes = 0
  var members = 0
  var bytes: Int { nodes * RangeAudit.nodeBytes + members * RangeAudit.memberBytes }

  init() {}
  init(_ g: TypeGraph) {
    for i in 1..<g.count where g.kind(TypeID(i)).isBTF || g.kind(TypeID(i)) == .unrepresentable {
      nodes += 1
      members += g.memberCount(TypeID(i))
    }
  }
  static func + (a: Census, b: Census) -> Census {
    var c = a
    c.nodes += b.nodes
    c.members += b.members
    return c
  }
}

/// Classes as a forest: each node's parent, a root per class.
struct UnionFind {
  var parent: ContiguousArray<Int32>
  init(count: Int) { parent = ContiguousArray((0..<Int32(count)).map { $0 }) }

  mutating func find(_ i: Int) -> Int {
    var x = i
    while parent[x] != Int32(x) {
      parent[x] = parent[Int(parent[x])] // path halving
      x = Int(parent[x])
    }
    return x
  }

  /// `a`'s class joins `b`'s, whose root stays the root.
  mutating func union(_ a: Int, into b: Int) {
    let ra = find(a)
    let rb = find(b)
    if ra != rb { parent[ra] = Int32(rb) }
  }

  mutating func roots() -> ContiguousArray<Int32> {
    for i in parent.indices { parent[i] = Int32(find(i)) }
    return parent
  }
}

extension Pass {
  /// Runs the pass outside a pipeline.
  @discardableResult
  func runAlone(on g: inout TypeGraph) throws -> PassResult {
    var p = self
    var context = PassContext()
    return try p.run(on: &g, context: &context)
  }
}

/// Records each range of the walk: its census before and after its own dedup (forwards resolved
/// in it, then left), those dedups' merges in the whole graph's ids and their times.
final class RangeRecorder: RangeWalkObserver, @unchecked Sendable {
  struct Row {
    var units: Range<Int>
    var firstID: TypeID
    var before: Census
    /// [fwd each, fwd at end]
    var after: [Census]
    var dedupMS: [Double]
    var outside: Int
  }
  var rows: [Row] = []
  /// Per variant: (node, the node its range-local merges end at), in the whole graph's ids.
  var merges: [[(TypeID, TypeID)]] = [[], []]

  func walked(
    range: Int, of count: Int, units: Range<Int>, graph: TypeGraph, ids: ContiguousArray<TypeID>, firstID: TypeID, outsideReferences: Int
  ) {
    var row = Row(units: units, firstID: firstID, before: Census(graph), after: [], dedupMS: [], outside: outsideReferences)
    for (v, f) in RangeAudit.Forwards.allCases.enumerated() {
      var g = graph
      let t = now()
      _ = try? RangeAudit.scopedDedup(f).runAlone(on: &g)
      row.dedupMS.append(RangeAudit.ms(since: t))
      row.after.append(Census(g))
      let r = RangeAudit.representatives(g)
      // A range's own nodes land from `firstID` on; a second array index type lands on the
      // first range's, which is not this range's to merge.
      for i in 1..<g.count where r[i] != Int32(i) {
        let s = ids[i - 1]
        let d = ids[Int(r[i]) - 1]
        if s.index >= firstID.index && s != d { merges[v].append((s, d)) }
      }
    }
    rows.append(row)
  }

  var table: String {
    var s = "range\tunits\tnodes before\tmember rows before\tnodes after (fwd each)\tmember rows after\tdedup ms\t"
    s += "nodes after (fwd at end)\tmember rows after\tdedup ms\treferences out of range\n"
    for (k, r) in rows.enumerated() {
      s += "\(k)\t\(r.units.lowerBound)..<\(r.units.upperBound)\t\(r.before.nodes)\t\(r.before.members)"
      for v in 0..<2 { s += "\t\(r.after[v].nodes)\t\(r.after[v].members)\t\(RangeAudit.fmt(r.dedupMS[v]))" }
      s += "\t\(r.outside)\n"
    }
    return s
  }
}

/// Applies merges found elsewhere (`targets`: each node's class root, in the whole graph's ids)
/// to the whole import: every merged node becomes a tombstone, its references go to its root.
/// The merges are flat rows of the log, as dedup's are.
struct ApplyMerges: Pass {
  static let name = "range-dedup"
  static let summary = "measurement only: merges found by range-local dedups (rustbtf-order-audit ranges)"
  let targets: ContiguousArray<Int32>

  func run(on g: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var merged = 0
    for i in 1..<min(g.count, targets.count) where targets[i] != Int32(i) && g.kind(TypeID(i)).isBTF {
      g.merge(TypeID(i), into: TypeID(Int(targets[i])))
      merged += 1
    }
    if merged == 0 { return .unchanged }
    for i in 1..<g.count where g.kind(TypeID(i)) != .removed {
      g.rewriteReferences(of: TypeID(i)) { t in t.index < targets.count ? TypeID(Int(targets[t.index])) : t }
    }
    return .changed
  }
}
