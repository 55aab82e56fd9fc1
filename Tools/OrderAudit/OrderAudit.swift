// rustbtf-order-audit FILE OUTDIR [THREADS]: measures, for issue 19 (dedup as the DWARF is
// read), which standard passes give a result that depends on which copy of a type they see.
// A measurement tool, not part of the product.
//
// 1. Imports FILE once and runs the full `dedup` on a copy: its merges give the classes that
//    hash-consing at import would leave (a copy -> its class's lowest id), counted per kind,
//    with the size of a per-class origin list (DIE offset + unit per copy).
// 2. Runs `all` as today ("today"), observing each pass: a class whose copies were alike before
//    the pass (kind, name, size, aux, members, references up to class) and are not after it,
//    or on which the pass recorded different decisions (action, reason code, member), is split
//    by that pass: the pass's result depends on the copy it sees. Examples say how.
// 3. Runs two other orders on the same import: "dedup-first" (the full dedup, then `all`, whose
//    own dedup runs again at the end) and "types-first" (the same with FUNC nodes kept one per
//    DIE), and writes, per order, the BTF, the --explain-pruned text, the --stats text, the
//    decisions counted by pass, action and reason, and the time of each pass, to OUTDIR, with
//    a summary comparing them with today's (audit.txt). Equal files mean the order gives the
//    same answers.
// 4. `ranges` mode (RangeAudit.swift): what deduplicating each walked range of units as it is
//    read would leave, range-local or streaming.
import Foundation
import Merge
import Reports
import RustBTF
import TypeGraph

@main
enum OrderAudit {
  static func main() {
    let args = Array(CommandLine.arguments.dropFirst())
    let mode = args.count > 3 ? args[3] : ""
    let parts = args.count > 4 ? args[4].split(separator: ",").compactMap { Int($0) } : [2, 4, 16, 64]
    guard args.count >= 2, let threads = args.count > 2 ? Int(args[2]) : 0,
      args.count < 4 || mode == "classes" || (mode == "ranges" && args.count < 7 && !parts.isEmpty && parts.allSatisfy { $0 > 0 })
    else {
      FileHandle.standardError.write(
        Data("usage: rustbtf-order-audit FILE OUTDIR [THREADS [classes | ranges [PARTS,... [STREAMING-PARTS,...]]]]\n".utf8))
      exit(64)
    }
    do {
      if mode == "ranges" {
        let streaming = args.count > 5 ? args[5].split(separator: ",").compactMap { Int($0) } : [64]
        try RangeAudit.run(path: args[0], outDir: args[1], parts: parts, streamingParts: Set(streaming))
      } else {
        try run(path: args[0], outDir: args[1], threads: threads, classesOnly: mode == "classes")
      }
    } catch {
      FileHandle.standardError.write(Data("rustbtf-order-audit: \(error)\n".utf8))
      exit(1)
    }
  }

  /// `classesOnly`: the class tables alone, no orders.
  static func run(path: String, outDir: String, threads: Int, classesOnly: Bool) throws {
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    var report = ""
    // key<TAB>value lines for scripts/order-audit.sh's tables.
    var summary = ""
    var options = DWARFImportOptions()
    options.threads = threads
    var statistics = ImportStatistics()
    let t0 = now()
    let imported = try DWARFImporter.importFile(path: path, options: options, statistics: &statistics)
    report +=
      "input \(path): \(imported.count - 1) nodes imported in \(ms(since: t0)), \(statistics.units) units, \(statistics.dies) DIEs\n\n"

    let t1 = now()
    let classes = Classes(imported, scoped: false)
    report += "(full dedup on the imported graph: \(ms(since: t1)))\n"
    report += classes.report(imported)
    summary += "nodes\t\(imported.count - 1)\nclasses.full\t\(classes.classCount(imported))\n"
    let t2 = now()
    let scoped = Classes(imported, scoped: true)
    report += "(scoped dedup on the imported graph: \(ms(since: t2)))\n"
    report += scoped.report(imported)
    summary += "classes.scoped\t\(scoped.classCount(imported))\n"
    if classesOnly {
      try report.write(toFile: "\(outDir)/classes.txt", atomically: true, encoding: .utf8)
      print(report, terminator: "")
      return
    }

    var texts: [String: [String: String]] = [:]
    let orders = ["today", "dedup-first", "types-first", "scoped-first"]
    for order in orders {
      var passes = StandardPasses.all().passes
      if order == "dedup-first" { passes.insert(Dedup(), at: 0) }
      if order == "types-first" || order == "scoped-first" {
        var d = Dedup()
        d.mergesFunctions = false
        d.labelsScopeAndLanguage = order == "scoped-first"
        passes.insert(d, at: 0)
      }
      var conversion = Conversion(pipeline: PassPipeline(passes), retentionReport: true)
      let splits = order == "today" ? SplitAudit(maps: [classes, scoped]) : nil
      // First, so that its time stops before the audit's `after` runs; the audit's `before`
      // is taken off (`audit.spentBefore`).
      let timer = PassTimer(audit: splits)
      var instruments: [any PassInstrumentation] = [timer]
      if let splits { instruments.append(splits) }
      conversion.instrumentation = instruments
      let result = try conversion.run(graph: imported, inputName: path)
      let explanation = Explanation(graph: result.graph, importedScopes: result.importedScopes)
      var files = reportFiles(result, explanation)
      // Every merge listed: a distribution vmlinux has millions, so only for smaller inputs.
      if result.graph.decisions.mergeCount <= 200_000 {
        files["explain-merges"] = explanation.text(filter: ExplainFilter(includeMerges: true))
      }
      for (kind, text) in files { try text.write(toFile: "\(outDir)/\(order).\(kind).txt", atomically: true, encoding: .utf8) }
      try Data(result.btf).write(to: URL(fileURLWithPath: "\(outDir)/\(order).btf"))
      try timer.text.write(toFile: "\(outDir)/\(order).times.txt", atomically: true, encoding: .utf8)
      texts[order] = files.merging(["btf": result.btf.map { String($0) }.joined(separator: ",")]) { a, _ in a }
      report += "order \(order): \(result.summary.line); passes \(timer.total) ms\n"
      if let splits {
        report += "\n" + splits.text + "\n"
        for m in splits.maps { for (pass, n) in m.splits { summary += "split.\(m.classes.scoped ? "scoped" : "full").\(pass)\t\(n)\n" } }
      }
      summary += "\(order).typesOut\t\(result.summary.typesOut)\n"
    }
    report += "\ncompared with today's order (same = byte-identical):\n"
    for order in orders.dropFirst() {
      for kind in ["btf", "summary", "decisions", "explain", "explain-merges", "stats"] {
        guard let a = texts["today"]?[kind], let b = texts[order]?[kind] else { continue }
        report += "  \(order) \(kind): \(a == b ? "same" : "differs")\n"
        summary += "\(order).\(kind)\t\(a == b ? "same" : "differs")\n"
      }
    }
    try report.write(toFile: "\(outDir)/audit.txt", atomically: true, encoding: .utf8)
    try summary.write(toFile: "\(outDir)/summary.tsv", atomically: true, encoding: .utf8)
    print(report, terminator: "")
  }
}

/// The classes the full dedup finds on the imported graph: each node's representative (itself
/// when it is kept or never merges).
struct Classes {
  var representative: ContiguousArray<Int32>
  var count: Int { representative.count }

  let title: String
  let scoped: Bool

  /// Classes with a node of a BTF or graph-only kind.
  func classCount(_ g: TypeGraph) -> Int {
    var seen = ContiguousArray<Bool>(repeating: false, count: count)
    var n = 0
    for i in 1..<count where g.kind(TypeID(i)).isBTF || g.kind(TypeID(i)) == .unrepresentable {
      let r = Int(representative[i])
      if !seen[r] {
        seen[r] = true
        n += 1
      }
    }
    return n
  }

  /// `scoped`: dedup's label also holds the namespace path and the Rust flag (the key
  /// hash-consing would need for lower-rust, merge-bindgen-copies and sanitize-names).
  init(_ imported: TypeGraph, scoped: Bool) {
    self.scoped = scoped
    title = scoped ? "dedup keyed also by namespace path and Rust flag" : "today's dedup"
    var g = imported
    var context = PassContext()
    var dedup = Dedup()
    dedup.labelsScopeAndLanguage = scoped
    _ = try? dedup.run(on: &g, context: &context)
    representative = ContiguousArray((0..<Int32(imported.count)).map { $0 })
    for (s, t) in zip(g.decisions.mergedSubjects, g.decisions.mergedTargets) { representative[s.index] = t.rawValue }
    // A merge target is kept, so one step reaches the class's node; followed anyway.
    for i in 0..<representative.count {
      var r = Int(representative[i])
      while representative[r] != Int32(r) { r = Int(representative[r]) }
      representative[i] = Int32(r)
    }
  }

  func report(_ g: TypeGraph) -> String {
    var nodes: [Kind: Int] = [:]
    var kept: [Kind: Int] = [:]
    var perClass = ContiguousArray<Int32>(repeating: 0, count: count)
    var maxOffset: UInt64 = 0
    var btfNodes = 0
    for i in 1..<count where g.kind(TypeID(i)).isBTF || g.kind(TypeID(i)) == .unrepresentable {
      let k = g.kind(TypeID(i))
      nodes[k, default: 0] += 1
      if representative[i] == Int32(i) { kept[k, default: 0] += 1 }
      perClass[Int(representative[i])] += 1
      maxOffset = max(maxOffset, g.origin(TypeID(i)).dieOffset)
      btfNodes += 1
    }
    let sizes = perClass.filter { $0 > 0 }.sorted()
    let classCount = sizes.count
    var s = "classes of \(title) on the imported graph (nodes of BTF and graph-only kinds):\n"
    s += "| kind | nodes | classes | copies per class |\n|---|---|---|---|\n"
    for k in nodes.keys.sorted(by: { nodes[$0]! > nodes[$1]! }) {
      let n = nodes[k]!
      let c = kept[k] ?? 0
      s += "| \(k) | \(n) | \(c) | \(String(format: "%.1f", Double(n) / Double(max(c, 1)))) |\n"
    }
    s += "| all | \(btfNodes) | \(classCount) | \(String(format: "%.1f", Double(btfNodes) / Double(max(classCount, 1)))) |\n"
    if classCount > 0 {
      let single = sizes.prefix { $0 == 1 }.count
      s += "copies per class: median \(sizes[classCount / 2]), 90th \(sizes[classCount * 9 / 10]), 99th \(sizes[classCount * 99 / 100]), "
      s += "max \(sizes.last!); \(single) classes of one node\n"
    }
    // A per-class origin list: every copy's DIE offset and unit, grouped by class (a start per
    // class into one flat array), as the decision log would need it.
    let offsetBytes = maxOffset < 1 << 32 ? 4 : 8
    let unitBytes = g.compileUnits.count < 1 << 16 ? 2 : 4
    let flat = btfNodes * (offsetBytes + unitBytes) + (classCount + 1) * 4
    s += "largest DIE offset \(maxOffset) (\(offsetBytes) bytes), \(g.compileUnits.count) units (\(unitBytes) bytes): "
    s += "a flat per-class origin list is \(btfNodes) x \(offsetBytes + unitBytes) + \(classCount + 1) x 4 = \(flat) bytes "
    s += "(\(String(format: "%.1f", Double(flat) / 1_048_576)) MiB); with 8-byte offsets and 4-byte units "
    s += "\(String(format: "%.1f", Double(btfNodes * 12 + (classCount + 1) * 4) / 1_048_576)) MiB; "
    s += "today's merge columns (subject, target per merge): \(btfNodes - classCount) x 8 = "
    s += "\(String(format: "%.1f", Double((btfNodes - classCount) * 8) / 1_048_576)) MiB\n"
    // The graph hash-consing would leave: a node per class, except FUNCs and the prototypes
    // they point at, which stay one per DIE (select-symbols decides per DIE).
    var perDIE = ContiguousArray<Bool>(repeating: false, count: count)
    for i in 1..<count where g.kind(TypeID(i)) == .function {
      perDIE[i] = true
      let p = g.ref(TypeID(i))
      if !p.isVoid && g.kind(p) == .functionProto { perDIE[p.index] = true }
    }
    var keptClass = ContiguousArray<Bool>(repeating: false, count: count)
    var withFunctions = 0
    var memberRows = 0
    var keptMemberRows = 0
    for i in 1..<count where g.kind(TypeID(i)).isBTF || g.kind(TypeID(i)) == .unrepresentable {
      memberRows += g.memberCount(TypeID(i))
      if perDIE[i] {
        withFunctions += 1
        keptMemberRows += g.memberCount(TypeID(i))
      } else if !keptClass[Int(representative[i])] {
        keptClass[Int(representative[i])] = true
        withFunctions += 1
        keptMemberRows += g.memberCount(TypeID(Int(representative[i])))
      }
    }
    let nodeBytes =
      MemoryLayout<Kind>.stride + 2 * MemoryLayout<UInt32>.stride + MemoryLayout<TypeID>.stride + MemoryLayout<UInt32>.stride
      + MemoryLayout<NodeFlags>.stride + 2 * MemoryLayout<NameID>.stride + MemoryLayout<UInt16>.stride + 4 + MemoryLayout<UnitID>.stride + 8
    let memberBytes = MemoryLayout<NameID>.stride + MemoryLayout<TypeID>.stride + 4 + 2
    s += "with FUNCs and their prototypes one per DIE: \(withFunctions) nodes, \(keptMemberRows) member rows "
    s +=
      "(imported: \(btfNodes) nodes, \(memberRows) member rows); node and member columns at \(nodeBytes) and \(memberBytes) bytes a row: "
    s += "\(String(format: "%.1f", Double(btfNodes * nodeBytes + memberRows * memberBytes) / 1_048_576)) MiB imported, "
    s += "\(String(format: "%.1f", Double(withFunctions * nodeBytes + keptMemberRows * memberBytes) / 1_048_576)) MiB hash-consed\n\n"
    return s
  }
}

/// Wall time of each pass, in order.
final class PassTimer: PassInstrumentation {
  let audit: SplitAudit?
  var start = now()
  var rows: [(String, Double, Int)] = []
  init(audit: SplitAudit?) { self.audit = audit }
  func before(pass: String, graph: TypeGraph) throws { start = now() }
  func after(pass: String, graph: TypeGraph, result: PassResult) throws {
    rows.append((pass, Double(now() - start - (audit?.spentBefore ?? 0)) / 1e6, graph.liveCount))
  }
  var total: String { String(format: "%.1f", rows.reduce(0) { $0 + $1.1 }) }
  var text: String {
    rows.map { String(format: "%@\t%.1f ms\t%d live", $0.0, $0.1, $0.2) }.joined(separator: "\n") + "\n"
  }
}

/// Finds, per pass of today's order, the classes whose copies the pass treats differently,
/// for each class map.
final class SplitAudit: PassInstrumentation {
  struct PerMap {
    let classes: Classes
    var before: ContiguousArray<UInt64> = []
    var table = "| pass | classes split | copies in them |\n|---|---|---|\n"
    var examples = ""
    var splits: [(String, Int)] = []
  }
  var maps: [PerMap]
  var beforeGraph: TypeGraph? = nil
  var decisionsBefore = 0
  var spentBefore: UInt64 = 0
  var text = ""

  init(maps: [Classes]) { self.maps = maps.map { PerMap(classes: $0) } }

  func before(pass: String, graph: TypeGraph) throws {
    let t = now()
    defer { spentBefore = now() - t }
    if pass == Dedup.name { return }
    for m in maps.indices { maps[m].before = signatures(graph, maps[m].classes) }
    beforeGraph = graph
    decisionsBefore = graph.decisions.count
  }

  func after(pass: String, graph: TypeGraph, result: PassResult) throws {
    guard pass != Dedup.name, let old = beforeGraph else {
      for m in maps {
        text += "classes (\(m.classes.title)) split by each pass of today's order (copies alike before the pass, not after it):\n"
        text += m.table + "\n" + m.examples + "\n"
      }
      return
    }
    beforeGraph = nil
    for m in maps.indices { audit(&maps[m], pass, old, graph) }
  }

  func audit(_ m: inout PerMap, _ pass: String, _ old: TypeGraph, _ graph: TypeGraph) {
    let classes = m.classes
    let n = classes.count
    var after = signatures(graph, classes)
    // The pass's decisions on each node: action, reason code, member.
    for d in graph.decisions.entries[decisionsBefore...] where d.subject.index < n {
      after[d.subject.index] = mix(
        after[d.subject.index], mix(actionCode(d.action), mix(fnv(d.reason.code), UInt64(bitPattern: Int64(d.member ?? -1)))))
    }
    var alikeBefore = ContiguousArray<Bool>(repeating: true, count: n)
    var firstUnlike = ContiguousArray<Int32>(repeating: 0, count: n)
    var size = ContiguousArray<Int32>(repeating: 0, count: n)
    for i in 1..<n {
      let r = Int(classes.representative[i])
      size[r] += 1
      if m.before[i] != m.before[r] { alikeBefore[r] = false }
      if after[i] != after[r] && firstUnlike[r] == 0 { firstUnlike[r] = Int32(i) }
    }
    var split = 0
    var copies = 0
    var shown = 0
    var byReason: [String: Int] = [:]
    for r in 1..<n where size[r] > 1 && alikeBefore[r] && firstUnlike[r] != 0 {
      split += 1
      copies += Int(size[r])
      // What differs: the first copy unlike the representative.
      let i = Int(firstUnlike[r])
      let why = difference(old, graph, TypeID(r), TypeID(i), describing: shown < 6)
      byReason[why.key, default: 0] += 1
      if shown < 6 {
        shown += 1
        m.examples += "- \(pass): [\(r)] vs [\(i)] (class of \(size[r])): \(why.text)\n"
      }
    }
    m.table += "| \(pass) | \(split) | \(copies) |\n"
    m.splits.append((pass, split))
    for (k, v) in byReason.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) { m.examples += "  \(pass): \(v) classes: \(k)\n" }
  }

  /// What the pass did differently to two copies, and the input difference that explains it.
  func difference(_ old: TypeGraph, _ g: TypeGraph, _ a: TypeID, _ b: TypeID, describing: Bool) -> (key: String, text: String) {
    func describe(_ id: TypeID) -> String {
      let ds = g.decisions.entries.filter { $0.subject == id && $0.pass != Dedup.name }.suffix(2)
        .map { "\($0.pass) \(actionName($0.action)) (\($0.reason.code))" }.joined(separator: "; ")
      let scope = old.scopes[id.index] == .empty ? "" : " scope \(old.strings.string(old.scopes[id.index]))"
      let unit = old.origin(id).unit
      let lang = unit == .none ? "-" : String(old.compileUnits[Int(unit.rawValue)].language, radix: 16)
      return "\(old.kind(id)) '\(old.nameString(id))'\(scope) lang 0x\(lang) -> \(g.kind(id)) '\(g.nameString(id))' [\(ds)]"
    }
    var key: [String] = []
    if g.kind(a) != g.kind(b) { key.append("kind after") }
    if g.name(a) != g.name(b) { key.append("name after") }
    if g.size(a) != g.size(b) || g.memberCount(a) != g.memberCount(b) { key.append("size/members after") }
    if key.isEmpty { key.append("decisions or references") }
    key.append(old.scopes[a.index] == old.scopes[b.index] ? "same scope" : "scopes differ")
    let ua = old.origin(a).unit
    let ub = old.origin(b).unit
    let la = ua == .none ? 0 : old.compileUnits[Int(ua.rawValue)].language
    let lb = ub == .none ? 0 : old.compileUnits[Int(ub.rawValue)].language
    if la != lb { key.append("languages differ") }
    if old.flags(a) != old.flags(b) { key.append("flags differ") }
    if old.linkageNames[a.index] != old.linkageNames[b.index] { key.append("linkage names differ") }
    return (key.joined(separator: ", "), describing ? describe(a) + "  |  " + describe(b) : "")
  }

  /// Per imported node: its kind, name, size, aux word and members, references up to class
  /// (a node a pass added counts by its kind, name and size).
  func signatures(_ g: TypeGraph, _ classes: Classes) -> ContiguousArray<UInt64> {
    let n = classes.count
    func refSig(_ t: TypeID) -> UInt64 {
      if t.index < n { return UInt64(UInt32(bitPattern: classes.representative[t.index])) }
      return mix(0x8000_0000_0000, mix(UInt64(g.kind(t).rawValue), mix(UInt64(UInt32(bitPattern: g.name(t).rawValue)), UInt64(g.size(t)))))
    }
    var out = ContiguousArray<UInt64>(repeating: 0, count: n)
    for i in 1..<n {
      let id = TypeID(i)
      var h = mix(UInt64(g.kind(id).rawValue), UInt64(UInt32(bitPattern: g.name(id).rawValue)))
      h = mix(h, mix(UInt64(g.size(id)), mix(UInt64(g.aux(id)), refSig(g.ref(id)))))
      h = mix(h, UInt64(g.memberCount(id)))
      for m in g.memberRange(id) {
        h = mix(
          h,
          mix(
            UInt64(UInt32(bitPattern: g.memberNames[m].rawValue)),
            mix(g.memberValues[m], mix(UInt64(g.memberBits[m]), refSig(g.memberTypes[m])))))
      }
      out[i] = h
    }
    return out
  }
}

/// Decisions of the final graph counted by pass, action and reason code: the decision log's
/// answers in aggregate.
/// The answers an order's conversion gives, by file kind: what the orders are compared on.
func reportFiles(_ result: Conversion.Result, _ explanation: Explanation) -> [String: String] {
  [
    "explain": explanation.text(filter: ExplainFilter()),
    "stats": result.retention?.text(inputName: "input") ?? "",
    "decisions": decisionCounts(result.graph),
    "summary": result.summary.line + "\n",
    "merge-targets": mergeTargets(result.graph),
  ]
}

func decisionCounts(_ g: TypeGraph) -> String {
  var counts: [String: Int] = [:]
  for d in g.decisions.entries {
    counts["\(d.pass) \(actionName(d.action)) \(d.reason.code)", default: 0] += 1
  }
  counts["(merges) structurallyEqual", default: 0] += g.decisions.mergeCount
  return counts.keys.sorted().map { "\($0)\t\(counts[$0]!)" }.joined(separator: "\n") + "\n"
}

/// Each node merges were made into, by its origin (DIE offset, unit) and name, with how many:
/// the "N merges into M kept nodes" of the explanation, node by node.
func mergeTargets(_ g: TypeGraph) -> String {
  var counts: [Int32: Int] = [:]
  for t in g.decisions.mergedTargets { counts[t.rawValue, default: 0] += 1 }
  return counts.keys.sorted().map { t in
    let id = TypeID(Int(t))
    let o = g.origin(id)
    return "die 0x\(String(o.dieOffset, radix: 16)) unit \(o.unit.rawValue) \(g.kind(id)) '\(g.nameString(id))'\t\(counts[t]!)"
  }.sorted().joined(separator: "\n") + "\n"
}

func actionName(_ a: Decision.Action) -> String {
  switch a {
  case .demoted: "demoted"
  case .renamed: "renamed"
  case .pruned: "pruned"
  case .replacedByOpaque: "replacedByOpaque"
  case .merged: "merged"
  case .rewritten: "rewritten"
  }
}

func actionCode(_ a: Decision.Action) -> UInt64 {
  switch a {
  case .demoted: 1
  case .renamed: 2
  case .pruned: 3
  case .replacedByOpaque: 4
  case .merged: 5
  case .rewritten: 6
  }
}

func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
  var x = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
  x ^= x >> 29
  return x &* 0xBF58_476D_1CE4_E5B9
}

func fnv(_ s: String) -> UInt64 { s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } }

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func ms(since t: UInt64) -> String { String(format: "%.1f ms", Double(now() - t) / 1e6) }
