import Foundation
import Merge
import RustBTF
import Testing
import TypeGraph

/// Dedup at import (issue 19, `--dedup-at-import`, `Conversion.dedupAtImport`): each range of
/// compile units merges its copies as it is read, and the passes run on fewer nodes. The full
/// dedup after the passes stays the reference: the BTF must be byte-identical to the conversion
/// without it, whatever the ranges (`DWARFImportOptions.rangesPerThread`, threads).
@Suite struct DedupAtImportTests {
  /// The three ways the units of an object can be cut: today's ranges on two threads, every unit
  /// in one range (the most copies merged before the passes), and every unit in a range of its
  /// own (references between units wait for the whole walk: those nodes must stay apart).
  static let cuts: [(name: String, threads: Int, rangesPerThread: Int)] = [
    ("2 threads", 2, 32), ("one range", 1, 1), ("a range per unit", 2, 1 << 12),
  ]

  static func convert(_ file: String, dedupAtImport: Bool, threads: Int = 1, rangesPerThread: Int = 32) throws -> Conversion.Result {
    var conversion = Conversion(instrumentation: [VerifyEachPass()])
    conversion.dedupAtImport = dedupAtImport
    conversion.importOptions.threads = threads
    conversion.importOptions.rangesPerThread = rangesPerThread
    return try conversion.run(path: file)
  }

  /// Every corpus object, each cut: the same BTF as without dedup at import, and the kernel
  /// loads it; the summary counts the copies merged as they were read as merged, so its types
  /// in and out are the same too.
  @Test(arguments: try corpusFiles())
  func theBTFIsTheSameWhateverTheRanges(file: String) throws {
    let reference = try Self.convert(file, dedupAtImport: false)
    for cut in Self.cuts {
      let result = try Self.convert(file, dedupAtImport: true, threads: cut.threads, rangesPerThread: cut.rangesPerThread)
      #expect(result.btf == reference.btf, "\(file), \(cut.name): the BTF differs from the conversion without dedup at import")
      #expect(result.summary.typesIn == reference.summary.typesIn && result.summary.typesOut == reference.summary.typesOut)
      let s = result.summary
      #expect(s.typesIn + s.added - s.demoted - s.pruned - s.merged - s.unexplained == s.typesOut, "\(file), \(cut.name): \(s.line)")
      if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file), \(cut.name): \(failure)") }
    }
  }

  /// The two units of `c_dedup-O0.elf` repeat their types: in one range they merge as they are
  /// read, so the graph the passes get holds fewer nodes, with the same BTF at the end.
  @Test func copiesOfOneRangeMergeAsTheyAreRead() throws {
    let file = corpusObject("c_dedup-O0.elf")
    var options = DWARFImportOptions()
    options.rangesPerThread = 1
    var plain = ImportStatistics()
    let full = try DWARFImporter.importFile(path: file, options: options, statistics: &plain)
    options.canonicalizeRange = { graph, pinned in Dedup.canonicalizeRange(&graph, pinned: pinned) }
    var merging = ImportStatistics()
    let merged = try DWARFImporter.importFile(path: file, options: options, statistics: &merging)
    #expect(plain.mergedAtImport == 0)
    #expect(merging.mergedAtImport > 0, "no copy merged as it was read")
    #expect(merged.count + merging.mergedAtImport == full.count, "\(merged.count) + \(merging.mergedAtImport) != \(full.count)")
    #expect(merged.verify().isEmpty, "\(merged.verify())")
    // The graph holds no tombstone of a merged copy.
    #expect(!merged.ids.contains { merged.kind($0) == .removed })
    let reference = try Self.convert(file, dedupAtImport: false)
    let result = try Self.convert(file, dedupAtImport: true, threads: 1, rangesPerThread: 1)
    #expect(result.btf == reference.btf)
  }

  /// The reports need every copy, which dedup at import does not keep: asked for both, rustbtf
  /// says so and writes nothing.
  @Test func reportsAreRefusedWithIt() throws {
    let out = temporaryPath(".btf")
    for report in [["--stats"], ["--explain-pruned"], ["--explain", "flags"]] {
      let r = try runCLI(["--dedup-at-import"] + report + [corpusObject("c_types-O0.o"), "-o", out])
      #expect(r.status != 0 && r.stderr.contains("--dedup-at-import keeps no record of the copies it merges"), "\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: out))
    }
    let r = try runCLI(["--dedup-at-import", corpusObject("c_types-O0.o"), "-o", out])
    defer { try? FileManager.default.removeItem(atPath: out) }
    #expect(r.status == 0, "\(r.stderr)")
  }
}
