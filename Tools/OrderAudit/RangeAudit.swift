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
// (W) streaming per worker (for splits of 64 parts or more: PARTS / 32 workers, as the product
//     splits at -j on that many cores): each worker streams the ranges it takes, the main
//     thread deduplicates the union of the workers' classes.
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
        var newID = ContiguousArray<Int32>(repeating: 0, count: imported.count)
        var all = ContiguousArray<Int32>()
        for i in 1..<imported.count where parent.find(i) == i { all.append(Int32(i)) }
        var c = compact(imported, nodes: all, &parent, &newID)
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
          var parent = UnionFind(count: imported.count)
          if ranged { for (a, b) in recorder.merges[f == .each ? 0 : 1] { parent.union(a.index, into: b.index) } }
          var newID = ContiguousArray<Int32>(repeating: 0, count: imported.count)
          var s = try stream(imported, rows, ranges: Array(rows.indices), forwards: f, tail: true, &parent, &newID)
          s.representative = parent.roots()
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
      if p >= 64 {
        // As the product would split at -j on `workers` cores (32 ranges a thread).
        let workers = max(1, p / 32)
        for batched in [false, true] {
          let ws = try workerStreams(imported, rows, workers: workers, batched: batched)
          let key = "\(p).W\(workers)\(batched ? ".batched" : "")"
          let peak = ws.perWorker.map(\.peak).max { $0.bytes < $1.bytes } ?? Census()
          let sumPeak = ws.perWorker.reduce(Census()) { $0 + $1.peak }
          let times = ws.perWorker.map(\.dedupMS)
          let same = samePartition(imported, reference!.representative, ws.representative)
          report += "(W) streaming per worker, \(workers) workers taking the ranges in turn, fwd each, "
          report +=
            batched ? "a dedup when the nodes added since the last are as many as the classes held:\n" : "a dedup after each range:\n"
          report += "  the workers' classes together: \(ws.union.nodes) nodes, \(ws.union.members) member rows, \(mib(ws.union)) MiB; "
          report += "a worker's peak graph \(peak.nodes) nodes, \(mib(peak)) MiB (all workers' peaks: \(mib(sumPeak)) MiB)\n"
          report += "  worker dedups: max \(fmt(times.max() ?? 0)) ms, sum \(fmt(times.reduce(0, +))) ms; "
          report +=
            "then the global dedup: \(ws.final.nodes) nodes in \(fmt(ws.finalMS)) ms; classes against one global dedup: \(same.text)\n"
          summary += "\(key).union.nodes\t\(ws.union.nodes)\n\(key).union.MiB\t\(mib(ws.union))\n\(key).workerPeak.MiB\t\(mib(peak))\n"
          summary +=
            "\(key).dedup.max.ms\t\(fmt(times.max() ?? 0))\n\(key).final.ms\t\(fmt(ws.finalMS))\n\(key).samePartition\t\(same.equal)\n"
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
    /// The nodes the last dedup kept, in the whole graph's ids, ascending.
    var live = ContiguousArray<Int32>()
    var representative = ContiguousArray<Int32>()
  }

  /// The nodes of range `k` (`ranged`: those its range-local merges kept), or, for k == -1, the
  /// nodes after every range (the DATASECs placed after the walk).
  static func nodes(of k: Int, _ w: TypeGraph, _ rows: [RangeRecorder.Row], _ parent: inout UnionFind) -> ContiguousArray<Int32> {
    let span = k >= 0 ? rows[k].firstID.index..<rows[k].endID.index : (rows.last?.endID.index ?? 1)..<w.count
    var out = ContiguousArray<Int32>()
    for i in span where w.kind(TypeID(i)) != .removed && parent.find(i) == i { out.append(Int32(i)) }
    return out
  }

  /// One streaming dedup: the ranges `ranges` (ascending) added one by one to a compacted graph
  /// of the classes so far, deduplicated after each (`parent` gets the merges). With forwards
  /// `.atEnd` the steps leave forward declarations alone and a last dedup resolves them. `tail`:
  /// the last step also takes the nodes after every range. A worker that does not walk range 0
  /// starts with the array index type, which every range refers to (absorb keeps the first's).
  static func stream(
    _ w: TypeGraph, _ rows: [RangeRecorder.Row], ranges: [Int], forwards: Forwards, tail: Bool, batched: Bool = false,
    _ parent: inout UnionFind, _ newID: inout ContiguousArray<Int32>
  ) throws -> Stream {
    var s = Stream()
    if ranges.first != 0 && !w.arrayIndexTypeID.isVoid { s.live.append(w.arrayIndexTypeID.rawValue) }
    // Nodes added since the last dedup.
    var pending = ContiguousArray<Int32>()
    for (step, k) in ranges.enumerated() {
      let last = step == ranges.count - 1
      pending.append(contentsOf: nodes(of: k, w, rows, &parent))
      if last && tail { pending.append(contentsOf: nodes(of: -1, w, rows, &parent)) }
      var list = s.live
      list.append(contentsOf: pending)
      let held = Census(w, nodes: list)
      if held.bytes > s.peak.bytes { s.peak = held }
      // Batched: deduplicate once the nodes added since the last dedup are as many as the
      // classes held, so that the work stays within twice the nodes walked.
      if batched && !last && pending.count < s.live.count {
        s.table += "\(k)\t\(held.nodes)\t\(held.members)\t-\t-\t\(mib(held))\t-\n"
        continue
      }
      pending = []
      let t0 = now()
      var c = compact(w, nodes: list, &parent, &newID)
      s.compactMS += ms(since: t0)
      let before = held
      let t1 = now()
      try scopedDedup(forwards).runAlone(on: &c.graph)
      let stepMS = ms(since: t1)
      s.dedupMS += stepMS
      s.maxMS = max(s.maxMS, stepMS)
      if forwards == .atEnd && last {
        let t2 = now()
        try scopedDedup(.each).runAlone(on: &c.graph)
        s.lastMS = ms(since: t2)
        s.dedupMS += s.lastMS
      }
      for (a, b) in zip(c.graph.decisions.mergedSubjects, c.graph.decisions.mergedTargets) {
        parent.union(Int(c.old[a.index]), into: Int(c.old[b.index]))
      }
      s.live = []
      for j in 1..<c.graph.count where c.graph.kind(TypeID(j)) != .removed { s.live.append(c.old[j]) }
      let after = Census(c.graph)
      if after.bytes > s.peakLive.bytes { s.peakLive = after }
      s.final = after
      s.table += "\(k)\t\(before.nodes)\t\(before.members)\t\(after.nodes)\t\(after.members)\t\(mib(before))\t\(fmt(stepMS))\n"
    }
    return s
  }

  /// Streaming per worker: `workers` threads take the ranges in turn (k mod workers, where the
  /// product hands them out as they finish), each deduplicating its own classes so far after each
  /// range (`fwd each`); the main thread then deduplicates the union of what they kept.
  static func workerStreams(_ w: TypeGraph, _ rows: [RangeRecorder.Row], workers: Int, batched: Bool) throws -> (
    perWorker: [Stream], union: Census, final: Census, finalMS: Double, representative: ContiguousArray<Int32>
  ) {
    var parent = UnionFind(count: w.count)
    var newID = ContiguousArray<Int32>(repeating: 0, count: w.count)
    var streams: [Stream] = []
    for t in 0..<workers {
      let mine = Array(stride(from: t, to: rows.count, by: workers))
      if mine.isEmpty { continue }
      streams.append(try stream(w, rows, ranges: mine, forwards: .each, tail: false, batched: batched, &parent, &newID))
    }
    var list = ContiguousArray(Set(streams.flatMap(\.live)).sorted())
    list.append(contentsOf: nodes(of: -1, w, rows, &parent))
    var c = compact(w, nodes: list, &parent, &newID)
    let union = Census(c.graph)
    let t = now()
    try scopedDedup(.each).runAlone(on: &c.graph)
    let finalMS = ms(since: t)
    for (a, b) in zip(c.graph.decisions.mergedSubjects, c.graph.decisions.mergedTargets) {
      parent.union(Int(c.old[a.index]), into: Int(c.old[b.index]))
    }
    return (streams, union, Census(c.graph), finalMS, parent.roots())
  }

  /// `nodes` of `w` (ascending, each its class's root) in a graph of their own, with every
  /// reference pointed at its target's root; `old[i]` is node i's id in `w`. `newID` is scratch
  /// (zero for every node, and left so). The array index type is not carried over (the graph's
  /// is package-internal): the last dedup's choice of `int` for it is the only thing this
  /// changes, one node.
  static func compact(
    _ w: TypeGraph, nodes: ContiguousArray<Int32>, _ parent: inout UnionFind, _ newID: inout ContiguousArray<Int32>
  ) -> (graph: TypeGraph, old: ContiguousArray<Int32>) {
    var old: ContiguousArray<Int32> = [0]
    old.append(contentsOf: nodes)
    for (k, o) in nodes.enumerated() { newID[Int(o)] = Int32(k + 1) }
    defer { for o in nodes { newID[Int(o)] = 0 } }
    var g = TypeGraph()
    g.strings = w.strings
    for o in nodes {
      let id = TypeID(Int(o))
      func map(_ t: TypeID) -> TypeID {
        if t.isVoid { return t }
        let n = newID[parent.find(t.index)]
        precondition(n != 0, "[\(o)] refers to [\(t.index)], outside the graph being compacted")
        return TypeID(Int(n))
      }
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

  /// Whether two class maps of the same import group its nodes alike; if not, how many classes
  /// of `a` are split in `b` and how many classes of `b` join classes of `a`, with examples (the
  /// node that differs, and the first node of its class of `a`).
  static func samePartition(_ g: TypeGraph, _ a: ContiguousArray<Int32>, _ b: ContiguousArray<Int32>) -> (equal: Bool, text: String) {
    var aToB = ContiguousArray<Int32>(repeating: -1, count: g.count)
    var bToA = ContiguousArray<Int32>(repeating: -1, count: g.count)
    var firstOfA = ContiguousArray<Int32>(repeating: 0, count: g.count)
    var splitA = ContiguousArray<Bool>(repeating: false, count: g.count)
    var joinedB = ContiguousArray<Bool>(repeating: false, count: g.count)
    var examples: [String] = []
    func describe(_ i: Int) -> String {
      let id = TypeID(i)
      return "[\(i)] \(g.kind(id)) '\(g.nameString(id))'\(g.flags(id).contains(.synthesized) ? " (synthesized)" : "")"
    }
    for i in 1..<g.count where g.kind(TypeID(i)).isBTF || g.kind(TypeID(i)) == .unrepresentable {
      let x = Int(a[i])
      let y = Int(b[i])
      if aToB[x] == -1 {
        aToB[x] = Int32(y)
        firstOfA[x] = Int32(i)
      }
      if bToA[y] == -1 { bToA[y] = Int32(x) }
      if aToB[x] != Int32(y) || bToA[y] != Int32(x) {
        if aToB[x] != Int32(y) { splitA[x] = true }
        if bToA[y] != Int32(x) { joinedB[y] = true }
        if examples.count < 3 { examples.append("\(describe(i)) apart from \(describe(Int(firstOfA[x])))") }
      }
    }
    let split = splitA.reduce(0) { $0 + ($1 ? 1 : 0) }
    let joined = joinedB.reduce(0) { $0 + ($1 ? 1 : 0) }
    if split == 0 && joined == 0 { return (true, "the same classes") }
    return (false, "differ: \(split) global classes split, \(joined) joined (\(examples.joined(separator: "; ")))")
  }

  /// `all` after `first`, on a copy of the import: the files the orders of the main audit compare.
  static func answers(_ imported: TypeGraph, first: [any Pass], path: String, outDir: String, name: String) throws -> [String: String] {
    var passes = StandardPasses.all().passes
    passes.insert(contentsOf: first, at: 0)
    let conversion = Conversion(pipeline: PassPipeline(passes), retentionReport: true)
    let result = try conversion.run(graph: imported, inputName: path)
    let explanation = Explanation(graph: result.graph, importedScopes: result.importedScopes)
    var files = reportFiles(result, explanation)
    files["merge-roots"] = mergeRoots(result.graph)
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
  /// Of `nodes` only.
  init(_ g: TypeGraph, nodes: ContiguousArray<Int32>) {
    for o in nodes where g.kind(TypeID(Int(o))).isBTF || g.kind(TypeID(Int(o))) == .unrepresentable {
      self.nodes += 1
      members += g.memberCount(TypeID(Int(o)))
    }
  }
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
    /// After its last node.
    var endID: TypeID
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
    let own = ids.reduce(0) { $0 + ($1.index >= firstID.index ? 1 : 0) }
    var row = Row(
      units: units, firstID: firstID, endID: TypeID(firstID.index + own), before: Census(graph), after: [], dedupMS: [],
      outside: outsideReferences)
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
