import Foundation
import Testing

@testable import TypeGraph

/// The parallel import (`DWARFImportOptions.threads`, `--jobs`, pahole's `-j`) builds the graph
/// one thread builds, column for column, with the same statistics and the same DIE walk, for any
/// number of threads and any split of the units into ranges; errors and counts of what could not
/// be read are the same too. The BTF is then byte-identical (CLI tests below).
@Suite struct ParallelImportTests {
  /// What an import gave: the DIE walk, the statistics and the graph.
  typealias Import = ImporterWalkTests.Walk

  static func importing(_ path: String, threads: Int, rangesPerThread: Int = 32, allowIncomplete: Bool = false)
    throws(ImportError) -> Import
  {
    var options = DWARFImportOptions()
    options.threads = threads
    options.rangesPerThread = rangesPerThread
    options.allowIncomplete = allowIncomplete
    var stats = ImportStatistics()
    var trace: ContiguousArray<UInt64>? = []
    let graph = try DWARFImporter.importFile(path: path, options: options, statistics: &stats, trace: &trace)
    return Import(trace: trace ?? [], stats: stats, graph: graph)
  }

  /// The first column in which `a` and `b` differ, nil when they are the same graph.
  static func difference(_ a: TypeGraph, _ b: TypeGraph) -> String? {
    if a.strings.count != b.strings.count { return "string count \(a.strings.count) vs \(b.strings.count)" }
    for i in 0..<a.strings.count {
      let id = NameID(rawValue: Int32(i))
      if a.strings.string(id) != b.strings.string(id) { return "string \(i): '\(a.strings.string(id))' vs '\(b.strings.string(id))'" }
    }
    let columns: [(String, Bool)] = [
      ("kinds", a.kinds == b.kinds), ("names", a.names == b.names), ("sizes", a.sizes == b.sizes),
      ("refs", a.refs == b.refs), ("auxes", a.auxes == b.auxes), ("flags", a.flags == b.flags),
      ("scopes", a.scopes == b.scopes), ("linkageNames", a.linkageNames == b.linkageNames),
      ("dwarfTags", a.dwarfTags == b.dwarfTags), ("dieOffsets", a.dieOffsets == b.dieOffsets),
      ("units", a.units == b.units), ("memberStarts", a.memberStarts == b.memberStarts),
      ("memberCounts", a.memberCounts == b.memberCounts), ("memberNames", a.memberNames == b.memberNames),
      ("memberTypes", a.memberTypes == b.memberTypes), ("memberValues", a.memberValues == b.memberValues),
      ("memberBits", a.memberBits == b.memberBits), ("templateParameters", a.templateParameters == b.templateParameters),
      ("compileUnits", a.compileUnits == b.compileUnits), ("arrayIndexTypeID", a.arrayIndexTypeID == b.arrayIndexTypeID),
      ("symbols.addressedNodes", a.symbols.addressedNodes == b.symbols.addressedNodes),
      ("symbols.nodeAddresses", a.symbols.nodeAddresses == b.symbols.nodeAddresses),
      ("symbols.changedCalls", a.symbols.changedCalls == b.symbols.changedCalls),
    ]
    return columns.first { !$0.1 }.map { "column \($0.0)" }
  }

  static func expectSameImport(_ path: String, threads: Int, rangesPerThread: Int = 32, allowIncomplete: Bool = false) throws {
    let one = try importing(path, threads: 1, allowIncomplete: allowIncomplete)
    let many = try importing(path, threads: threads, rangesPerThread: rangesPerThread, allowIncomplete: allowIncomplete)
    let what = "\(path), \(threads) threads, \(rangesPerThread) ranges each"
    #expect(one.graph.count > 1, "\(what): nothing imported")
    #expect(difference(one.graph, many.graph) == nil, "\(what): \(difference(one.graph, many.graph) ?? "")")
    #expect(one.stats == many.stats, "\(what): \(one.stats) vs \(many.stats)")
    #expect(one.trace == many.trace, "\(what): the DIE walks differ")
  }

  @Test func corpusImportsAreTheSameOnAnyNumberOfThreads() throws {
    var severalUnits = 0
    for name in try ImportTests.corpusObjects() {
      let path = ImportTests.object(name)
      if try Self.importing(path, threads: 1).stats.units > 1 { severalUnits += 1 }
      for threads in [2, 3, 8] { try Self.expectSameImport(path, threads: threads) }
      // Ranges of several units each (one range per thread).
      try Self.expectSameImport(path, threads: 2, rangesPerThread: 1)
    }
    // The parallel walk ran: it needs more than one unit.
    #expect(severalUnits >= 8, "only \(severalUnits) corpus objects have several units")
  }

  /// What cannot be read (a .debug_abbrev cut short) is counted the same, and its first place
  /// named the same, whichever thread met it; without --allow-incomplete-dwarf, the same error.
  /// The pages of `.debug_info` the walk has passed are released (`WalkedPages`), and with them
  /// those of the sections each unit has a part of (these two have line tables and range lists
  /// of more than a page), and that changes nothing: the graph, statistics and walk are those of
  /// an import that keeps them, on one thread and on two. A relocatable object keeps its pages
  /// (libdwfl relocates them).
  @Test func releasingWalkedPagesChangesNothing() throws {
    for (file, releases) in [("mixed-O0.elf", true), ("bindings-O0.elf", true), ("mixed_lib-O0.o", false)] {
      let path = corpusObject(file)
      for threads in [1, 2] {
        func run(_ release: Bool) throws -> (Import, [String: Int]) {
          var options = DWARFImportOptions()
          options.threads = threads
          options.rangesPerThread = 4
          options.releaseWalkedPages = release
          let log = ReleasedPages()
          options.releasedPages = log
          var stats = ImportStatistics()
          var trace: ContiguousArray<UInt64>? = []
          let graph = try DWARFImporter.importFile(path: path, options: options, statistics: &stats, trace: &trace)
          return (Import(trace: trace ?? [], stats: stats, graph: graph), log.sections)
        }
        let (kept, none) = try run(false)
        let (released, sections) = try run(true)
        #expect(none.isEmpty)
        for section in [".debug_info", ".debug_line", ".debug_ranges"] {
          #expect((sections[section, default: 0] > 0) == releases, "\(file), \(threads) threads: \(sections) released")
        }
        #expect(Self.difference(kept.graph, released.graph) == nil, "\(file): \(Self.difference(kept.graph, released.graph) ?? "")")
        #expect(kept.stats == released.stats && kept.trace == released.trace, "\(file), \(threads) threads")
      }
    }
  }

  /// The automatic split (`rangesPerThread` nil): 32 ranges per thread, but with dedup at import
  /// none smaller than `UnitList.minimumAutomaticRangeBytes` (the last may be); a split asked for
  /// is made as asked.
  @Test func automaticRangesAreNotTooSmall() {
    let minimum = UnitList.minimumAutomaticRangeBytes
    // 400 units of 40 KB: 16 MB, about 20 ranges of 768 KB.
    let units = UnitList(offsets: (0..<400).map { UInt64($0) * 40_000 })
    for threads in [1, 2, 4] {
      let automatic = units.ranges(threads: threads, rangesPerThread: nil)
      #expect(automatic.first?.lowerBound == 0 && automatic.last?.upperBound == 400)
      for (a, b) in zip(automatic, automatic.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
      for r in automatic.dropLast() { #expect(UInt64(r.count) * 40_000 >= minimum, "\(threads) threads: \(r) is \(r.count) units") }
      #expect(automatic.count >= 18 && automatic.count <= threads * 32, "\(threads) threads: \(automatic.count) ranges")
      // Asked for 32 per thread, it makes ranges below the minimum.
      #expect(units.ranges(threads: threads, rangesPerThread: 32).count > automatic.count)
    }
    // A large input (200 MB) gets the 32 ranges per thread it would get without the minimum, and
    // so does any without dedup at import.
    let large = UnitList(offsets: (0..<2000).map { UInt64($0) * 100_000 })
    #expect(large.ranges(threads: 2, rangesPerThread: nil) == large.ranges(threads: 2, rangesPerThread: 32))
    #expect(units.ranges(threads: 2, rangesPerThread: nil, merged: false) == units.ranges(threads: 2, rangesPerThread: 32))
  }

  @Test func unreadableDWARFIsReportedTheSame() throws {
    let input = try CorruptInputTests.cutting(".debug_abbrev", of: "mixed-O0.elf", to: 0.95)
    let one = try Self.importing(input, threads: 1, allowIncomplete: true)
    #expect(one.stats.unreadableDIEs > 0 && one.stats.units > 2, "\(one.stats)")
    for (threads, ranges) in [(2, 32), (4, 1), (8, 32)] {
      try Self.expectSameImport(input, threads: threads, rangesPerThread: ranges, allowIncomplete: true)
    }
    // Cut further, a unit header cannot be read at all: the one error, whatever the threads.
    let worse = try CorruptInputTests.cutting(".debug_abbrev", of: "mixed-O0.elf", to: 0.6)
    for path in [input, worse] {
      func error(_ threads: Int) -> String? {
        do {
          _ = try Self.importing(path, threads: threads)
          return nil
        } catch { return error.description }
      }
      #expect(error(1) != nil)
      #expect(error(1) == error(4), "\(path)")
    }
  }

  /// The import fuzzer's findings (`Corpus/fuzz/import`, replayed by `scripts/fuzz.sh`, whose
  /// import target compares one thread with three): the same graph or the same error. One of
  /// them made libdw name a broken unit header differently on a second attempt.
  @Test func fuzzFindingsImportTheSameOnAnyNumberOfThreads() throws {
    let dir = packageRoot + "/Corpus/fuzz/import"
    let inputs = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(inputs.count >= 2)
    for name in inputs {
      func outcome(_ threads: Int) -> String {
        do {
          let i = try Self.importing(dir + "/" + name, threads: threads)
          return "\(i.stats) \(i.graph.dump())"
        } catch {
          return "error: \(error.description)"
        }
      }
      #expect(outcome(1) == outcome(3), "\(name)")
    }
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"] != nil))
  func vmlinuxImportsAreTheSame() throws {
    let path = try #require(ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"])
    try Self.expectSameImport(path, threads: 2)
    try Self.expectSameImport(path, threads: 5, rangesPerThread: 3)
  }

  /// `--jobs N` and pahole's `-j`/`-jN` write the same bytes as one thread, and the kernel takes them.
  @Test func jobsWriteTheSameBTF() throws {
    let dir = try temporaryDirectory()
    let input = ImportTests.object("mixed-O0.elf")
    var outputs: [[UInt8]] = []
    for jobs in ["1", "2", "0"] {
      let out = "\(dir)/jobs\(jobs).btf"
      let run = try runCLI(["--jobs", jobs, input, "-o", out])
      #expect(run.status == 0, "--jobs \(jobs): \(run.stderr)")
      outputs.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
    }
    for flag in ["-j", "-j3"] {
      let out = "\(dir)/pahole\(flag).btf"
      let run = try runCLI(["--btf_encode_detached=\(out)", flag, "--btf_gen_floats", input])
      #expect(run.status == 0, "\(flag): \(run.stderr)")
      outputs.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
    }
    let pahole = "\(dir)/pahole.btf"
    #expect(try runCLI(["--btf_encode_detached=\(pahole)", "--btf_gen_floats", input]).status == 0)
    #expect(outputs[3] == [UInt8](try Data(contentsOf: URL(fileURLWithPath: pahole))))
    #expect(outputs[4] == outputs[3])
    #expect(!outputs[0].isEmpty && outputs[1] == outputs[0] && outputs[2] == outputs[0])
    let load = try runCLI(["verify", "--kernel", "\(dir)/jobs2.btf"])
    #expect(load.status == 0, "\(load.stdout)\(load.stderr)")

    let bad = try runCLI(["--jobs", "-2", input, "-o", "\(dir)/bad.btf"])
    #expect(bad.status != 0 && bad.stderr.contains("--jobs"), "\(bad.stderr)")
  }
}
