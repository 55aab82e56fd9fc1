import Foundation
import Testing

@testable import TypeGraph

/// The importer's sibling step (`Sources/CDwarf/fastwalk.h`) against libdw's public
/// `dwarf_siblingof`: both walks must visit the same DIEs in the same order and import the same
/// graph, on every corpus object and, opt-in (`RUSTBTF_VMLINUX=/path/to/vmlinux`), on a vmlinux.
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
    #expect(slow.stats.siblingFastSteps == 0, "\(path)")
    var fastStats = fast.stats
    fastStats.siblingFallbacks = 0
    fastStats.siblingFastSteps = 0
    #expect(fastStats == slow.stats, "\(path)")
    #expect(fast.graph.count == slow.graph.count, "\(path)")
    for id in fast.graph.ids {
      guard fast.graph.kind(id) == slow.graph.kind(id), fast.graph.nameString(id) == slow.graph.nameString(id),
        fast.graph.ref(id) == slow.graph.ref(id), fast.graph.members(of: id).count == slow.graph.members(of: id).count
      else {
        Issue.record("\(path): node \(id) differs between the walks")
        return
      }
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

  @Test(.enabled(if: ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"] != nil))
  func vmlinuxWalksAgree() throws {
    try Self.expectSameWalk(try #require(ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"]))
  }
}
