import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

/// With `--btf_base` the merge into the base is the pipeline's: its `merge-bindgen-copies` and
/// `dedup` merge into the base after every pass has run, instrumentation sees each step, and a
/// pipeline without `dedup` leaves the module's types unmerged with the base.
@Suite struct SplitBasePipelineTests {
  /// Records the steps instrumentation sees, and checks the graph after each.
  final class Steps: PassInstrumentation, @unchecked Sendable {
    var names: [String] = []
    func after(pass: String, graph: TypeGraph, result: PassResult) throws { names.append(pass) }
  }

  static let base = ("mixed-O2.elf", module: "mixed_lib-O2.o")
  static let withoutDedup =
    "lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names,prune-dependents,tag-kfuncs"

  static func baseBTF() throws -> [UInt8] { try Conversion().run(path: corpusObject(base.0)).btf }

  /// Instrumentation (`--verify-each`, `--time-passes`) sees the merge into the base as steps
  /// after the passes, with the whole base decoded and without.
  @Test(arguments: [false, true])
  func instrumentationSeesTheMergeIntoTheBase(whole: Bool) throws {
    let steps = Steps()
    var conversion = Conversion(instrumentation: [steps, VerifyEachPass()], base: try Self.baseBTF())
    conversion.decodeWholeBase = whole
    _ = try conversion.run(path: corpusObject(Self.base.module))
    let standard = StandardPasses.all().passes.map(\.name)
    #expect(steps.names == standard + ["attach-split-base", "merge-bindgen-copies (into the split base)", "dedup (into the split base)"])
    #expect(StandardPasses.all().splitBaseSteps == Array(steps.names.dropFirst(standard.count)))
    // Without a base there is nothing to merge into.
    let alone = Steps()
    _ = try Conversion(instrumentation: [alone]).run(path: corpusObject(Self.base.module))
    #expect(alone.names == standard)
  }

  /// A pipeline without `dedup` leaves the module's types unmerged with the base: the split
  /// BTF repeats the base's types it uses (valid all the same: the kernel takes it), where the
  /// standard pipeline's refers to the base's.
  @Test func aPipelineWithoutDedupDoesNotMergeIntoTheBase() throws {
    let base = try Self.baseBTF()
    let pipeline = try PassPipeline(parsing: Self.withoutDedup, registry: StandardPasses.registry)
    let steps = Steps()
    let undeduplicated = try Conversion(pipeline: pipeline, instrumentation: [steps], base: base).run(path: corpusObject(Self.base.module))
    let merged = try Conversion(base: base).run(path: corpusObject(Self.base.module))
    #expect(!steps.names.contains { $0.hasPrefix("dedup") })
    // The names of the split's own structs and INTs (ids after the base's).
    let firstSplit = Int(try SplitBTF.typeCount(of: base))
    func named(_ split: [UInt8]?) throws -> Set<String> {
      let g = try BTFDecoder.decode(split.map { try SplitBTF.concatenate(base: base, split: $0) } ?? base)
      return Set(
        g.ids.filter { (split == nil || $0.index >= firstSplit) && (g.kind($0) == .structure || g.kind($0) == .int) }
          .map { g.nameString($0) })
    }
    let baseNames = try named(nil)
    let repeated = try named(undeduplicated.btf).intersection(baseNames)
    #expect(repeated.contains("int"), "the module's own copies of base types stay: \(repeated)")
    #expect(try named(merged.btf).intersection(baseNames).count < repeated.count)
    #expect(undeduplicated.btf.count > merged.btf.count)
    for (what, split) in [("without dedup", undeduplicated.btf), ("all", merged.btf)] {
      let blob = try SplitBTF.concatenate(base: base, split: split)
      #expect(BTFValidator.validate(blob, mode: .load).isEmpty, "\(what)")
      if let failure = KernelCheck.acceptanceFailure(blob) { Issue.record("\(what): base + split: \(failure)") }
    }
  }

  /// `--time-passes` with `--btf_base` lists the merge into the base, each step timed.
  @Test func timePassesListsTheMergeIntoTheBase() throws {
    let dir = try temporaryDirectory()
    let base = dir + "/base.btf"
    try Data(try Self.baseBTF()).write(to: URL(fileURLWithPath: base))
    let run = try runCLI(["--time-passes", "--btf_base", base, corpusObject(Self.base.module), "-o", dir + "/m.btf"])
    #expect(run.status == 0, "\(run.stderr)")
    for step in [
      "pass dedup:", "pass attach-split-base:", "pass merge-bindgen-copies (into the split base):", "pass dedup (into the split base):",
    ] {
      #expect(run.stderr.contains("rustbtf: \(step) "), "\(step): \(run.stderr)")
    }
    let blob = try SplitBTF.concatenate(
      base: try Self.baseBTF(), split: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/m.btf"))))
    if let failure = KernelCheck.acceptanceFailure(blob) { Issue.record("base + split: \(failure)") }
  }
}
