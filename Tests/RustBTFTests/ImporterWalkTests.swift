import Foundation
import Testing

@testable import TypeGraph

/// The importer's own steps (`Sources/CDwarf/fastwalk.h`: the sibling step, and a DIE's
/// attributes read through its unit's abbreviation table, `abbrevs.h`) against libdw's public
/// `dwarf_siblingof` and `dwarf_getattrs`: both walks must visit the same DIEs in the same order
/// and import the same graph (its whole dump), on every corpus object and, opt-in
/// (`RUSTBTF_VMLINUX=/path/to/vmlinux`), on a vmlinux.
@Suite struct ImporterWalkTests {
  struct Walk {
    var trace: ContiguousArray<UInt64>
    var stats: ImportStatistics
    var graph: TypeGraph
  }

  static func walk(_ path: String, _ siblingWalk: SiblingWalk) throws -> Walk {
    var options = DWARFImportOptions()
    options.siblingWalk = siblingWalk
    var stats = ImportStatistics()
    var trace: ContiguousArray<UInt64>? = []
    let graph = try DWARFImporter.importFile(path: path, options: options, statistics: &stats, trace: &trace)
    return Walk(trace: try #require(trace), stats: stats, graph: graph)
  }

  /// Compares the two walks DIE for DIE, and the graphs they built node for node.
  static func expectSameWalk(_ path: String) throws {
    let fast = try walk(path, .fast)
    let slow = try walk(path, .publicLibdw)
    #expect(!fast.trace.isEmpty, "\(path): no DIE visited")
    #expect(fast.trace.count == slow.trace.count, "\(path): \(fast.trace.count) DIEs vs \(slow.trace.count)")
    if let k = (0..<min(fast.trace.count, slow.trace.count)).first(where: { fast.trace[$0] != slow.trace[$0] }) {
      Issue.record(
        "\(path): DIE \(k) of the walk is 0x\(String(fast.trace[k], radix: 16)) (fast) vs 0x\(String(slow.trace[k], radix: 16)) (public)")
    }
    // The fast walk did take its own steps (else this test compares libdw with itself), and
    // the public walk none.
    #expect(fast.stats.siblingFastSteps > 0, "\(path): the fast walk took no step of its own")
    #expect(slow.stats.siblingFastSteps == 0 && slow.stats.siblingFallbacks == 0, "\(path)")
    #expect(fast.stats.attributeTableReads > 0, "\(path): no DIE's attributes were read through the abbreviation table")
    #expect(slow.stats.attributeTableReads == 0, "\(path)")
    #expect(
      fast.stats.attributeTableReads + fast.stats.attributeLibdwReads == slow.stats.attributeLibdwReads,
      "\(path): the walks read different DIEs' attributes")
    #expect(fast.stats.withoutOwnStepCounts == slow.stats.withoutOwnStepCounts, "\(path)")
    #expect(fast.graph.count == slow.graph.count, "\(path)")
    let (fastDump, slowDump) = (fast.graph.dump(), slow.graph.dump())
    if fastDump != slowDump {
      let (a, b) = (fastDump.split(separator: "\n"), slowDump.split(separator: "\n"))
      let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
      Issue.record(
        "\(path): the graphs differ at dump line \(k): \(k < a.count ? a[k] : "end") (fast) vs \(k < b.count ? b[k] : "end") (public)")
    }
  }

  @Test func corpusWalksAgree() throws {
    let objects = try ImportTests.corpusObjects()
    #expect(objects.count > 20)
    for name in objects { try Self.expectSameWalk(ImportTests.object(name)) }
  }

  /// The fast walk steps past most DIEs without dwarf_siblingof on LLVM's DWARF (no
  /// DW_AT_sibling), which is what it is for.
  @Test func fastWalkTakesItsOwnSteps() throws {
    let fast = try Self.walk(ImportTests.object("rust_enums-O0.o"), .fast)
    #expect(fast.stats.siblingFallbacks * 10 < fast.trace.count, "\(fast.stats.siblingFallbacks) of \(fast.trace.count)")
  }

  /// GCC's DWARF 5 gives constants in the abbreviation (DW_FORM_implicit_const: byte sizes,
  /// encodings, counts), which the table hands to libdw's readers as dwarf_getattrs would: every
  /// DIE's attributes but each unit's own DIE (read before its table is) are read through the
  /// table.
  @Test func gccImplicitConstantsAreReadThroughTheTable() throws {
    let path = ImportTests.object("c_funcs-O2.o")
    try Self.expectSameWalk(path)
    let fast = try Self.walk(path, .fast)
    #expect(fast.stats.attributeTableReads > 0)
    #expect(fast.stats.attributeLibdwReads == fast.stats.units, "\(fast.stats)")
  }

  /// The import fuzzer's findings (`Corpus/fuzz/import`; its import target compares the two walks
  /// on every input): the same graph, or the same error. In one of them a DW_AT_sibling points past
  /// the end of its DIE's children, where libdw goes and the DIE's end does not lead.
  @Test func fuzzFindingsWalkTheSame() throws {
    let dir = packageRoot + "/Corpus/fuzz/import"
    let inputs = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(inputs.contains("own-steps-sibling-attribute-past-the-children"))
    for name in inputs {
      func outcome(_ siblingWalk: SiblingWalk) -> String {
        do {
          let w = try Self.walk(dir + "/" + name, siblingWalk)
          return "\(w.stats.withoutOwnStepCounts) \(w.graph.dump())"
        } catch {
          return "error: \(error)"
        }
      }
      #expect(outcome(.fast) == outcome(.publicLibdw), "\(name)")
    }
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"] != nil))
  func vmlinuxWalksAgree() throws {
    try Self.expectSameWalk(try #require(ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"]))
  }
}
