import Encode
import Foundation
import Merge
import RustBTF
import Testing
import TypeGraph

/// The corpus objects every registered pass is checked on for parity, idempotence and the
/// encode round-trip (C and Rust, -O0 and -O2, objects and linked executables).
let propertyObjects = [
  "rust_enums-O0.o", "rust_traits-O0.o", "rust_generics-O2.o", "rust_layout-O0.o",
  "rust_nostd-O2.o", "c_types-O0.o", "c_dedup-O0.elf", "mixed-O2.elf",
]

/// Golden dumps of the graph before and after each pass (style guide §8), and properties every
/// registered pass gets without a line of its own: a new pass in `StandardPasses.registry` is
/// checked by the property tests at once, and `everyPassHasAGoldenCase` asks for its goldens.
///
/// Re-record every golden (the run still fails, so a golden only changes on purpose):
///
///     RUSTBTF_RECORD=1 swift test --filter GoldenTests
@Suite struct GoldenTests {
  let registry = StandardPasses.registry

  /// For each line of `Corpus/golden/cases.txt`: the dump of the graph the pass sees in `all`
  /// (the object after the passes before it) equals `<object>.before.txt`, the dump after the
  /// pass equals `<object>.after.txt`, and the hand-written `<object>.checks.txt`, when there is
  /// one, holds (`CHECK…` lines on the dump after the pass, `BEFORE…` lines on the dump before).
  @Test(arguments: try GoldenCase.all())
  func passGolden(_ c: GoldenCase) throws {
    var graph = try graphBefore(c.pass, on: c.object)
    let before = graph.dump()
    try run(c.pass, on: &graph, registry: registry, after: passesBefore(c.pass))
    let after = graph.dump()
    assertGolden(filterDump(before, keeping: c.keep), path: c.beforePath)
    assertGolden(filterDump(after, keeping: c.keep), path: c.afterPath)
    if let checks = try? String(contentsOfFile: c.checksPath, encoding: .utf8) {
      // Checks run on the whole dumps, not the filtered goldens.
      for failure in fileCheck(checks, prefix: "CHECK", on: after) {
        Issue.record("\(c.checksPath): after \(c.pass): \(failure)")
      }
      if checks.contains("BEFORE") {
        for failure in fileCheck(checks, prefix: "BEFORE", on: before) {
          Issue.record("\(c.checksPath): before \(c.pass): \(failure)")
        }
      }
    }
  }

  /// Every registered pass has at least one golden case, and every case names a registered pass
  /// and an existing corpus object.
  @Test func everyPassHasAGoldenCase() throws {
    let cases = try GoldenCase.all()
    for name in registry.names {
      #expect(cases.contains { $0.pass == name }, "pass '\(name)' has no line in \(GoldenCase.listPath)")
    }
    for c in cases {
      #expect(registry.descriptor(named: c.pass) != nil, "\(GoldenCase.listPath): '\(c.pass)' is not a registered pass")
      #expect(FileManager.default.fileExists(atPath: corpusObject(c.object)), "\(GoldenCase.listPath): no corpus object '\(c.object)'")
    }
  }

  /// No golden file is left over from a case that was removed or renamed.
  @Test func noStaleGoldens() throws {
    let cases = try GoldenCase.all()
    var expected = Set<String>()
    for c in cases { expected.formUnion([c.beforePath, c.afterPath, c.checksPath]) }
    let fm = FileManager.default
    // Only the per-pass directories are this test's (others, such as `explain/`, are not).
    for dir in try fm.contentsOfDirectory(atPath: goldenRoot) where registry.descriptor(named: dir) != nil {
      for file in try fm.contentsOfDirectory(atPath: goldenRoot + "/" + dir) {
        let path = goldenRoot + "/" + dir + "/" + file
        #expect(expected.contains(path), "\(path) belongs to no line of \(GoldenCase.listPath)")
      }
    }
  }

  /// Parity: the pass object made directly from its descriptor gives the same graph (dump and
  /// decisions) as pipeline text `<passes before>,<name>` parsed and run like `--passes`.
  @Test(arguments: StandardPasses.registry.names, propertyObjects)
  func directRunMatchesPipelineText(pass: String, object: String) throws {
    var direct = try graphBefore(pass, on: object)
    try runDirectly(pass, on: &direct)

    var viaText = try importCorpus(object)
    let text = (passesBefore(pass) + [pass]).joined(separator: ",")
    try run(text, on: &viaText, registry: registry)

    let d = direct.dump()
    let t = viaText.dump()
    #expect(d == t, "\(pass) on \(object): direct run differs from '--passes \(text)':\n\(lineDiff(t, d))")
    #expect(direct.decisions.entries.count == viaText.decisions.entries.count, "\(pass) on \(object): decision counts differ")
  }

  /// Idempotence: running the pass a second time changes nothing the dump shows, and keeps the
  /// invariants.
  @Test(arguments: StandardPasses.registry.names, propertyObjects)
  func runningTwiceEqualsRunningOnce(pass: String, object: String) throws {
    var graph = try graphBefore(pass, on: object)
    try runDirectly(pass, on: &graph)
    let once = graph.dump()
    try runDirectly(pass, on: &graph)
    let twice = graph.dump()
    #expect(once == twice, "\(pass) on \(object): a second run changed the graph:\n\(lineDiff(once, twice))")
  }

  /// Encode round-trip: after the passes of `all` up to and including this one (when that prefix
  /// holds every pass without which the BTF is not valid; the last pass's prefix is `all`),
  /// decoding the encoded BTF gives the same dump, and encoding the decoded graph the same bytes.
  @Test(arguments: Self.encodablePrefixes, propertyObjects)
  func encodedOutputRoundTrips(pass: String, object: String) throws {
    let prefix = passesBefore(pass) + [pass]
    var graph = try importCorpus(object)
    try run(prefix.joined(separator: ","), on: &graph, registry: registry)
    let btf = try BTFEncoder().encode(graph)
    let decoded = try BTFDecoder.decode(btf)
    let want = graph.dump()
    let got = decoded.dump()
    #expect(got == want, "\(object) after '\(prefix.joined(separator: ","))': encode/decode changed the dump:\n\(lineDiff(want, got))")
    #expect(try BTFEncoder().encode(decoded) == btf, "\(object): re-encoding the decoded graph changed the bytes")
  }

  /// The passes of `all` whose prefix (up to and including them) gives valid BTF: the first
  /// one after which every required pass has run, and each one after it.
  static let encodablePrefixes = StandardPasses.registry.names.filter { pass in
    Conversion.requiredPasses.allSatisfy((passesBefore(pass) + [pass]).contains)
  }

  /// The round trip above runs for at least the last pass of `all` (its arguments are computed,
  /// so an empty list would silently test nothing).
  @Test func roundTripCoversTheStandardPipeline() {
    #expect(
      Self.encodablePrefixes.last == StandardPasses.registry.names.last && Self.encodablePrefixes.count >= 2,
      "\(Self.encodablePrefixes)")
  }

  /// Dedup stress (libbpf's pattern): with every hash forced equal, dedup must rely on its
  /// equality checks alone and give the same graph. Fails, rather than passing silently, if
  /// dedup loses the parameter.
  @Test(arguments: propertyObjects)
  func dedupWithForcedHashCollisionsGivesTheSameGraph(object: String) throws {
    let before = passesBefore("dedup").joined(separator: ",")
    var normal = try importCorpus(object)
    try run(before + ",dedup", on: &normal, registry: registry)
    var forced = try importCorpus(object)
    try run(before + ",dedup<force-collisions>", on: &forced, registry: registry)
    let want = normal.dump()
    let got = forced.dump()
    #expect(got == want, "\(object): dedup<force-collisions> differs from dedup:\n\(lineDiff(want, got))")
  }

  /// The golden machinery itself: the diff names the first differing lines, FileCheck honours
  /// CHECK, CHECK-NEXT, CHECK-NOT and `{{regex}}`, and the filter keeps whole node blocks.
  @Test func goldenMachinery() {
    let diff = lineDiff("a\nb\nc\nd\n", "a\nB\nc\nd\n")
    #expect(diff.contains("- b") && diff.contains("+ B") && diff.contains("  a"))
    #expect(diff.contains("2 line(s) differ"))
    let dump = "[1] INT 'u8' size=1\n[2] STRUCT 'Pair' size=2 vlen=2\n\t'a' type_id=1 bits_offset=0\n\t'b' type_id=1 bits_offset=8\n"
    #expect(filterDump(dump, keeping: ["INT"]) == "[1] INT 'u8' size=1\n")
    #expect(
      filterDump(dump, keeping: ["Pair"])
        == "[2] STRUCT 'Pair' size=2 vlen=2\n\t'a' type_id=1 bits_offset=0\n\t'b' type_id=1 bits_offset=8\n")
    #expect(
      fileCheck("CHECK: STRUCT 'Pair'\nCHECK-NEXT: 'a' type_id={{[0-9]+}}\nCHECK-NOT: 'c'\nCHECK: 'b'", prefix: "CHECK", on: dump).isEmpty)
    #expect(fileCheck("CHECK: STRUCT 'Pair'\nCHECK-NEXT: 'b'", prefix: "CHECK", on: dump).count == 1)
    #expect(fileCheck("CHECK-NOT: UNREPRESENTABLE\nCHECK: 'Pair'\nCHECK-NOT: INT", prefix: "CHECK", on: dump).isEmpty)
    #expect(fileCheck("CHECK: 'Pair'\nCHECK-NOT: 'a'\nCHECK: 'b'", prefix: "CHECK", on: dump).count == 1)
    #expect(fileCheck("CHECK: 'Missing'", prefix: "CHECK", on: dump).count == 1)
    #expect(fileCheck("CHECK-NONE: UNREPRESENTABLE\nCHECK: 'Pair'", prefix: "CHECK", on: dump).isEmpty)
    #expect(fileCheck("CHECK: 'Pair'\nCHECK-NONE: {{^\\[1\\] INT}}", prefix: "CHECK", on: dump).count == 1)
  }
}

/// Runs `pass` alone through pipeline text on a graph the passes `earlier` already ran on: the
/// parser checks a pass's `requires` against the text, so they are named first and skipped.
private func run(_ pass: String, on graph: inout TypeGraph, registry: PassRegistry, after earlier: [String]) throws {
  var pipeline = try PassPipeline(parsing: (earlier + [pass]).joined(separator: ","), registry: registry)
  pipeline.passes.removeFirst(earlier.count)
  var context = PassContext()
  try pipeline.run(on: &graph, context: &context, instrumentation: [VerifyEachPass()])
}
