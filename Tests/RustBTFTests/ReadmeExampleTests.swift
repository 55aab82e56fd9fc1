import Encode
import Foundation
import Reports
import RustBTF
import Testing
import TypeGraph
import Verify

@Suite struct ReadmeExampleTests {
  @Test func readmeHoldsTheExampleVerbatim() throws {
    func between(_ text: String) -> String {
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      guard let b = lines.firstIndex(where: { $0.contains("BEGIN README EXAMPLE") }),
        let e = lines.firstIndex(where: { $0.contains("END README EXAMPLE") })
      else { return "" }
      return lines[(b + 1)..<e].joined(separator: "\n")
    }
    let example = between(try String(contentsOfFile: packageRoot + "/Tests/RustBTFTests/ReadmeExample.swift", encoding: .utf8))
    let readme = between(try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8))
    #expect(!example.isEmpty && readme == example)
  }

  @Test func theExampleRunsAndItsPassTakesEffect() throws {
    let file = packageRoot + "/Corpus/objects/mixed-O0.elf"
    func functions(_ btf: [UInt8]) throws -> [(name: String, global: Bool)] {
      let g = try BTFDecoder.decode(btf)
      return g.ids.filter { g.kind($0) == .function }.map { (g.nameString($0), g.aux($0) == 1) }
    }
    let standard = try functions(try Conversion().run(path: file).btf)
    let result = try convertWithOwnPass(file)
    let btf = result.btf
    let own = try functions(btf)
    // Each removal is recorded, explained and counted in the summary line.
    let recorded = (0..<result.graph.decisions.count).map { result.graph.decisions[$0] }
      .filter { $0.pass == DropStaticFunctions.name && $0.action == .pruned && $0.reason == .custom("static linkage") }
    #expect(recorded.count == standard.filter { !$0.global }.count && !recorded.isEmpty)
    let explained = Explanation(graph: result.graph, importedScopes: result.importedScopes).entries()
    #expect(explained.filter { $0.pass == DropStaticFunctions.name && $0.action == "pruned" }.count == recorded.count)
    let s = result.summary
    #expect(s.typesIn + s.added - s.demoted - s.pruned - s.merged - s.unexplained == s.typesOut && s.unexplained == 0, "\(s.line)")
    // The input has static and global functions; the example's pass removes exactly the static ones.
    #expect(standard.contains { !$0.global } && standard.contains { $0.global })
    #expect(own.map(\.name) == standard.filter(\.global).map(\.name))
    #expect(BTFValidator.validate(btf).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }
  }
}
