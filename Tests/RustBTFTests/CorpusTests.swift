import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

/// The package root, found from this file's path (tests need no working-directory convention).
let packageRoot: String = {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<3 { url.deleteLastPathComponent() }
  return url.path
}()

/// Every ELF of the corpus; fails (rather than passing vacuously) when there are none.
func corpusFiles() throws -> [String] {
  let dir = packageRoot + "/Corpus/objects"
  let files = try FileManager.default.contentsOfDirectory(atPath: dir)
    .filter { $0.hasSuffix(".o") || $0.hasSuffix(".elf") }
    .sorted()
    .map { dir + "/" + $0 }
  if files.isEmpty { throw ConversionError("no corpus objects in \(dir)") }
  return files
}

@Suite struct CorpusTests {
  @Test(arguments: try corpusFiles())
  func allPassesGiveBTFTheKernelAccepts(file: String) throws {
    let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: file)
    let problems = BTFValidator.validate(result.btf, mode: .load)
    #expect(problems.isEmpty, "\(file): offline validator: \(problems)")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file): \(failure)") }

    // encode -> decode gives the same dump; encoding again gives the same bytes.
    let decoded = try BTFDecoder.decode(result.btf)
    #expect(decoded.dump() == result.graph.dump(), "\(file): dump changed through encode/decode")
    #expect(try BTFEncoder().encode(decoded) == result.btf, "\(file): re-encoding changed the bytes")
    #expect(result.summary.typesOut > 0)
    // The summary adds up, and every type that is not written has a recorded decision.
    let s = result.summary
    #expect(s.typesIn + s.added - s.demoted - s.pruned - s.merged - s.unexplained == s.typesOut, "\(file): \(s.line)")
    #expect(s.unexplained == 0, "\(file): \(s.line)")
    #expect(decoded.count - 1 == s.typesOut, "\(file): \(decoded.count - 1) types written, the summary says \(s.typesOut)")
  }
}
