import Foundation
import RustBTF
import Testing
import TypeGraph

// Support for the golden (snapshot) tests of the passes: the case list, running a pass on a
// corpus object the way `--passes` does, golden files that `RUSTBTF_RECORD=1` rewrites, a short
// line diff, and a small FileCheck (`CHECK:`/`CHECK-NEXT:`/`CHECK-NOT:`) for hand-written checks.

/// `Corpus/golden`: one directory per pass, holding `<object>.before.txt`, `<object>.after.txt`
/// and, optionally, a hand-written `<object>.checks.txt`.
let goldenRoot = packageRoot + "/Corpus/golden"

/// `RUSTBTF_RECORD=1` rewrites every golden a test compares with, and the test still fails, so
/// that a golden only ever changes on purpose.
let recordingGoldens: Bool = {
  let v = ProcessInfo.processInfo.environment["RUSTBTF_RECORD"] ?? ""
  return !v.isEmpty && v != "0"
}()

/// The command that re-records every golden (printed in failure messages).
let recordCommand = "RUSTBTF_RECORD=1 swift test --filter GoldenTests; then rerun without RUSTBTF_RECORD"

/// The path of a corpus object given its file name (`rust_enums-O0.o`).
func corpusObject(_ name: String) -> String { packageRoot + "/Corpus/objects/" + name }

/// One line of `Corpus/golden/cases.txt`: a pass, a corpus object, and optionally the names whose
/// nodes the golden keeps (`keep=` substrings, `|`-separated; without it the whole dump).
struct GoldenCase: CustomTestStringConvertible, Sendable, Hashable {
  var pass: String
  var object: String
  var keep: [String]

  var testDescription: String { "\(pass) on \(object)" }
  var directory: String { goldenRoot + "/" + pass }
  var beforePath: String { directory + "/" + object + ".before.txt" }
  var afterPath: String { directory + "/" + object + ".after.txt" }
  var checksPath: String { directory + "/" + object + ".checks.txt" }

  static let listPath = goldenRoot + "/cases.txt"

  /// Every case of `cases.txt`; throws when the list is missing or empty (never passes vacuously).
  static func all() throws -> [GoldenCase] {
    let text = try String(contentsOfFile: listPath, encoding: .utf8)
    var cases: [GoldenCase] = []
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
      let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      if fields.isEmpty { continue }
      guard fields.count >= 2 else { throw ConversionError("\(listPath):\(n + 1): expected '<pass> <object> [keep=A|B]'") }
      var keep: [String] = []
      for f in fields.dropFirst(2) {
        guard f.hasPrefix("keep=") else { throw ConversionError("\(listPath):\(n + 1): unknown field '\(f)'") }
        keep += f.dropFirst(5).split(separator: "|").map(String.init)
      }
      cases.append(GoldenCase(pass: fields[0], object: fields[1], keep: keep))
    }
    if cases.isEmpty { throw ConversionError("\(listPath) lists no cases") }
    return cases
  }
}

// MARK: - Running passes on corpus objects

/// The names of the passes that come before `pass` in `all` (the registry order).
func passesBefore(_ pass: String, registry: PassRegistry = StandardPasses.registry) -> [String] {
  Array(registry.names.prefix { $0 != pass })
}

/// Imports a corpus object (a name in `Corpus/objects` or a path).
func importCorpus(_ object: String) throws -> TypeGraph {
  let path = object.hasPrefix("/") ? object : corpusObject(object)
  do { return try DWARFImporter.importFile(path: path) } catch { throw ConversionError("\(path): \(error)") }
}

/// The graph `pass` sees in `all`: the object imported and run through the passes before it,
/// with the invariants checked after each.
func graphBefore(_ pass: String, on object: String, registry: PassRegistry = StandardPasses.registry) throws -> TypeGraph {
  var g = try importCorpus(object)
  let prefix = passesBefore(pass, registry: registry)
  if !prefix.isEmpty { try run(prefix.joined(separator: ","), on: &g, registry: registry) }
  return g
}

/// Runs the pass object made directly from the registry descriptor (not through pipeline text),
/// then checks the graph's invariants as `--verify-each` does.
@discardableResult
func runDirectly(_ pass: String, on graph: inout TypeGraph, registry: PassRegistry = StandardPasses.registry) throws -> PassResult {
  guard let d = registry.descriptor(named: pass) else { throw ConversionError("no registered pass '\(pass)'") }
  var p = try d.make(PassParameters(pass: d.name))
  var context = PassContext()
  let result = try p.run(on: &graph, context: &context)
  try VerifyEachPass().after(pass: pass, graph: graph, result: result)
  return result
}

// MARK: - Dump filtering

/// Keeps the dump's node blocks (a `[N] KIND 'name' …` line and its tab-indented member lines)
/// whose `KIND 'name'` contains one of `names` (`Option<`, `UNREPRESENTABLE`); the whole dump
/// when `names` is empty. Ids are the full dump's, so a kept line can still be looked up in
/// `rustbtf dump` output.
func filterDump(_ dump: String, keeping names: [String]) -> String {
  if names.isEmpty { return dump }
  var out = ""
  var keeping = false
  for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
    if line.hasPrefix("[") {
      // `[12] STRUCT 'a b' size=…`: the kind and the quoted name.
      let afterId = line.drop { $0 != " " }.dropFirst()
      var head = String(afterId.prefix { $0 != "'" })
      let quoted = afterId.drop { $0 != "'" }.dropFirst()
      head += "'" + quoted.prefix { $0 != "'" } + "'"
      keeping = names.contains { head.contains($0) }
    } else if line.isEmpty {
      continue
    }
    if keeping { out += line + "\n" }
  }
  return out
}

// MARK: - Goldens

/// Compares `actual` with the golden file at `path`. With `RUSTBTF_RECORD=1`, writes the file
/// instead and records a failure ("recorded new golden, rerun"), so updates are deliberate.
func assertGolden(_ actual: String, path: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let rel = path.hasPrefix(packageRoot + "/") ? String(path.dropFirst(packageRoot.count + 1)) : path
  let existing = try? String(contentsOfFile: path, encoding: .utf8)
  if recordingGoldens {
    if existing == actual { return }
    do {
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try actual.write(toFile: path, atomically: true, encoding: .utf8)
      Issue.record(
        "recorded new golden \(rel) (\(actual.split(separator: "\n").count) lines), rerun without RUSTBTF_RECORD",
        sourceLocation: sourceLocation)
    } catch {
      Issue.record("cannot write golden \(rel): \(error)", sourceLocation: sourceLocation)
    }
    return
  }
  guard let expected = existing else {
    Issue.record("missing golden \(rel); record it with: \(recordCommand)", sourceLocation: sourceLocation)
    return
  }
  if expected != actual {
    Issue.record(
      "golden \(rel) differs (- golden, + now); if the change is intended: \(recordCommand)\n\(lineDiff(expected, actual))",
      sourceLocation: sourceLocation)
  }
}

/// A short unified-style line diff: the first `maxHunks` differing regions with `context` lines
/// around them (`-` golden, `+` actual), then how many lines differ in all.
func lineDiff(_ expected: String, _ actual: String, context: Int = 2, maxHunks: Int = 3, maxLinesPerHunk: Int = 16) -> String {
  let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  // Strip the common prefix and suffix, then an LCS on what is left (goldens are small).
  var lo = 0
  while lo < a.count && lo < b.count && a[lo] == b[lo] { lo += 1 }
  var hiA = a.count
  var hiB = b.count
  while hiA > lo && hiB > lo && a[hiA - 1] == b[hiB - 1] {
    hiA -= 1
    hiB -= 1
  }
  let x = Array(a[lo..<hiA])
  let y = Array(b[lo..<hiB])
  // ops: (mark, text, golden line number or nil)
  var ops: [(Character, String, Int?)] = (0..<lo).map { (" ", a[$0], $0 + 1) }
  if x.count * y.count <= 4_000_000 {
    var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: y.count + 1), count: x.count + 1)
    if !x.isEmpty && !y.isEmpty {
      for i in stride(from: x.count - 1, through: 0, by: -1) {
        for j in stride(from: y.count - 1, through: 0, by: -1) {
          lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
        }
      }
    }
    var i = 0
    var j = 0
    while i < x.count || j < y.count {
      if i < x.count && j < y.count && x[i] == y[j] {
        ops.append((" ", x[i], lo + i + 1))
        i += 1
        j += 1
      } else if i < x.count && (j == y.count || lcs[i + 1][j] >= lcs[i][j + 1]) {
        ops.append(("-", x[i], lo + i + 1))
        i += 1
      } else {
        ops.append(("+", y[j], nil))
        j += 1
      }
    }
  } else {
    ops += x.enumerated().map { ("-", $0.element, lo + $0.offset + 1) } + y.map { ("+", $0, nil) }
  }
  ops += (hiA..<a.count).map { (" ", a[$0], $0 + 1) }
  let changedAt = ops.indices.filter { ops[$0].0 != " " }
  if changedAt.isEmpty { return "(no line differs)" }
  var groups: [(Int, Int)] = []
  for k in changedAt {
    if let last = groups.last, k - last.1 <= 2 * context + 1 { groups[groups.count - 1].1 = k } else { groups.append((k, k)) }
  }
  var out = ""
  for (first, last) in groups.prefix(maxHunks) {
    let from = max(0, first - context)
    let to = min(ops.count - 1, last + context)
    let line = ops[first...].first { $0.2 != nil }?.2 ?? a.count
    out += "@@ near golden line \(line) @@\n"
    var printed = 0
    for op in ops[from...to] {
      if printed == maxLinesPerHunk {
        out += "  …\n"
        break
      }
      out += "\(op.0) \(op.1)\n"
      printed += 1
    }
  }
  if groups.count > maxHunks { out += "… \(groups.count - maxHunks) more differing region(s)\n" }
  out += "(\(changedAt.count) line(s) differ; golden \(a.count) lines, actual \(b.count) lines)"
  return out
}

// MARK: - FileCheck

/// A small FileCheck (LLVM lit, bpf-linker): `PREFIX: text` must match a line after the previous
/// match, `PREFIX-NEXT: text` the very next line, `PREFIX-NOT: text` no line between the previous
/// match and the next one (or the end), and `PREFIX-NONE: text` no line at all (FileCheck's
/// `--implicit-check-not`). Text matches as a substring; `{{regex}}` inside it is a regular
/// expression. Lines of other prefixes and blank lines are ignored. Returns the failures.
func fileCheck(_ checks: String, prefix: String, on input: String) -> [String] {
  let lines = input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  enum Directive { case check, next, not, none }
  var directives: [(Directive, String, Int)] = []
  for (n, raw) in checks.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    let line = raw.drop { $0 == " " || $0 == "\t" }
    for (d, tag) in [(Directive.next, prefix + "-NEXT:"), (.not, prefix + "-NOT:"), (.none, prefix + "-NONE:"), (.check, prefix + ":")]
    where line.hasPrefix(tag) {
      directives.append((d, String(line.dropFirst(tag.count)).trimmingCharacters(in: .whitespaces), n + 1))
      break
    }
  }
  var failures: [String] = []
  var pos = 0 // next line that may match
  var pendingNots: [(String, Int)] = []
  func matches(_ pattern: String, _ line: String) -> Bool {
    guard pattern.contains("{{") else { return line.contains(pattern) }
    var regex = ""
    var rest = Substring(pattern)
    while let open = rest.range(of: "{{") {
      regex += NSRegularExpression.escapedPattern(for: String(rest[..<open.lowerBound]))
      rest = rest[open.upperBound...]
      guard let close = rest.range(of: "}}") else { return false }
      regex += "(?:" + rest[..<close.lowerBound] + ")"
      rest = rest[close.upperBound...]
    }
    regex += NSRegularExpression.escapedPattern(for: String(rest))
    guard let re = try? NSRegularExpression(pattern: regex) else { return false }
    return re.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
  }
  func checkNots(upTo end: Int) {
    for (p, n) in pendingNots {
      if let hit = (pos..<end).first(where: { matches(p, lines[$0]) }) {
        failures.append("line \(n): \(prefix)-NOT: '\(p)' matched input line \(hit + 1): \(lines[hit])")
      }
    }
    pendingNots = []
  }
  if directives.isEmpty { return ["no \(prefix): directives"] }
  for (d, p, n) in directives where d == .none {
    if let hit = lines.indices.first(where: { matches(p, lines[$0]) }) {
      failures.append("line \(n): \(prefix)-NONE: '\(p)' matched input line \(hit + 1): \(lines[hit])")
    }
  }
  for (d, p, n) in directives {
    switch d {
    case .none:
      continue
    case .not:
      pendingNots.append((p, n))
    case .check:
      guard let hit = (pos..<lines.count).first(where: { matches(p, lines[$0]) }) else {
        checkNots(upTo: lines.count)
        failures.append("line \(n): \(prefix): '\(p)' not found after input line \(pos)")
        return failures
      }
      checkNots(upTo: hit)
      pos = hit + 1
    case .next:
      checkNots(upTo: pos)
      guard pos < lines.count, matches(p, lines[pos]) else {
        failures.append("line \(n): \(prefix)-NEXT: '\(p)' is not input line \(pos + 1): \(pos < lines.count ? lines[pos] : "<end>")")
        return failures
      }
      pos += 1
    }
  }
  checkNots(upTo: lines.count)
  return failures
}
