import Encode
import Foundation
import Testing
import TypeGraph

func rustbtfBinary() throws -> String {
  // The test process is <build>/debug/<package>PackageTests.xctest; products are beside it.
  let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
  let path = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("rustbtf").path
  guard FileManager.default.isExecutableFile(atPath: path) else {
    throw CLIError("rustbtf binary not found at \(path); run `swift build` first")
  }
  return path
}

struct CLIError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

/// Runs the built `rustbtf` binary (it sits next to the test bundle) and captures its output.
func runCLI(_ arguments: [String], in directory: String? = nil) throws -> CLIRun {
  try runTool(try rustbtfBinary(), arguments, in: directory)
}

/// A fresh directory for one test's files, under this test process's own directory, which is
/// removed when the process exits (each run used to leave its directories in /tmp).
func temporaryDirectory() throws -> String {
  let dir = testProcessDirectory + "/" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}

/// `$TMPDIR/rustbtf-tests-PID`, removed at exit (`atexit`: swift-testing's runner exits normally).
let testProcessDirectory: String = {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent("rustbtf-tests-\(getpid())").path
  atexit { try? FileManager.default.removeItem(atPath: testProcessDirectory) }
  return root
}()

@Suite struct CLITests {
  let sample = packageRoot + "/Corpus/objects/rust_enums-O0.o"

  @Test func twoRunsWriteIdenticalBytes() throws {
    let dir = try temporaryDirectory()
    let a = try runCLI([sample, "-o", dir + "/a.btf"])
    let b = try runCLI(["--passes", "all", sample, "--btf_encode_detached", dir + "/b.btf"])
    #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
    let x = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.btf"))
    let y = try Data(contentsOf: URL(fileURLWithPath: dir + "/b.btf"))
    #expect(!x.isEmpty && x == y)
    // The summary line goes to standard error, nothing to standard output.
    #expect(a.stdout.isEmpty && a.stderr.contains("types in"))
  }

  @Test func defaultOutputIsBaseNameDotBTFInCurrentDirectory() throws {
    let dir = try temporaryDirectory()
    let r = try runCLI([sample], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir + "/rust_enums-O0.o.btf"))
  }

  @Test func dumpAndVerifySubcommands() throws {
    let dir = try temporaryDirectory()
    #expect(try runCLI([sample, "-o", dir + "/x.btf"]).status == 0)
    let dump = try runCLI(["dump", dir + "/x.btf"])
    #expect(dump.status == 0 && dump.stdout.hasPrefix("[1] "))
    let verify = try runCLI(["verify", dir + "/x.btf"])
    #expect(verify.status == 0 && verify.stdout.contains("valid"))
  }

  /// An ELF file without `.BTF` has no BTF to show: `dump` and `verify` both say so with exit 1
  /// (not "invalid", exit 2); one with `.BTF` is read directly (`StandardStreamTests`).
  @Test func dumpAndVerifyRefuseWhatIsNotBTF() throws {
    for sub in ["dump", "verify"] {
      let r = try runCLI([sub, sample])
      #expect(
        r.status == 1 && r.stderr == "rustbtf: \(sample): an ELF file with no .BTF section (convert it: rustbtf \(sample) -o OUT.btf)\n",
        "\(sub): \(r.status) \(r.stderr)")
    }
  }

  /// Progress shows on a terminal only (here a pseudo-terminal from util-linux's `script`), is
  /// erased before the summary line, and `-q` silences it; a pipe or a file gets none.
  @Test func progressShowsOnATerminalOnly() throws {
    let dir = try temporaryDirectory()
    let binary = try rustbtfBinary()
    func onTerminal(_ args: String) throws -> String {
      let r = try runTool("/usr/bin/script", ["-qec", "\(binary) \(args)", "/dev/null"])
      #expect(r.status == 0, "\(r.stdout)")
      return r.stdout
    }
    let shown = try onTerminal("\(sample) -o \(dir)/a.btf")
    #expect(
      shown.contains("\r\u{1b}[Krustbtf: reading DWARF: 0/1 units…") && shown.contains("rustbtf: reading DWARF: 1/1 units…")
        && shown.contains("rustbtf: pass 8/8: dedup…"), "\(shown.debugDescription)")
    #expect(shown.contains("\r\u{1b}[Krustbtf: \(sample) -> \(dir)/a.btf: "), "the progress line is not erased before the summary")
    let quiet = try onTerminal("-q \(sample) -o \(dir)/b.btf")
    #expect(!quiet.contains("pass 1/"), "\(quiet.debugDescription)")
    let piped = try runCLI([sample, "-o", dir + "/c.btf"])
    #expect(!piped.stderr.contains("\r") && !piped.stderr.contains("pass 1/"))
  }

  /// `--print-pipeline` accepts exactly what a conversion accepts.
  @Test func printPipelineRefusesWhatAConversionRefuses() throws {
    let lacking = ["--passes", "demote-unrepresentable,sanitize-names"]
    let printed = try runCLI(lacking + ["--print-pipeline"])
    let converted = try runCLI(lacking + [sample, "-o", try temporaryDirectory() + "/x.btf"])
    #expect(
      printed.status == 64 && converted.status == 64 && printed.stderr.contains("lacks 'prune-dependents'"),
      "\(printed.stderr) / \(converted.stderr)")
    #expect(printed.stderr.split(separator: "\n").first == converted.stderr.split(separator: "\n").first)
  }

  @Test func tagOriginalNamesAddsDeclTagsTheKernelAccepts() throws {
    let dir = try temporaryDirectory()
    #expect(try runCLI([sample, "-o", dir + "/plain.btf"]).status == 0)
    let r = try runCLI(["--tag-original-names", sample, "-o", dir + "/tagged.btf"])
    #expect(r.status == 0, "\(r.stderr)")
    let plain = try BTFDecoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/plain.btf"))))
    let tagged = try BTFDecoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/tagged.btf"))))
    let tags = tagged.ids.filter { tagged.kind($0) == .declTag }.map { tagged.nameString($0) }
    #expect(plain.ids.allSatisfy { plain.kind($0) != .declTag })
    #expect(tags.contains { $0.contains("<") }, "original Rust names such as Option<u32> travel as tags")
    // A Rust FUNC named by its ELF symbol keeps its Rust path as a tag (the method
    // `Tagged::weight`, defined through DW_AT_specification).
    let weight = try #require(
      tagged.ids.first { tagged.kind($0) == .function && tagged.nameString($0).hasPrefix("_ZN10rust_enums6Tagged6weight") })
    #expect(
      tagged.ids.contains {
        tagged.kind($0) == .declTag && tagged.ref($0) == weight && tagged.nameString($0) == "rust_enums::Tagged::weight"
      })
    // A variant struct (DWARF: `B` inside `rust_enums::Tagged`) is tagged with its Rust path.
    #expect(tags.contains("rust_enums::Tagged::B"), "\(tags.filter { $0.contains("Tagged") })")
    #expect(try runCLI(["verify", "--kernel", dir + "/tagged.btf"]).status == 0)
    #expect(
      try runCLI(["--tag-original-names", "--print-pipeline"]).stdout
        == """
        lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names<tag-original-names>,prune-dependents,tag-kf\
        uncs,dedup\n
        """
    )
  }

  @Test func langExcludeSkipsRustUnitsLikePahole() throws {
    let dir = try temporaryDirectory()
    let mixed = packageRoot + "/Corpus/objects/mixed-O0.elf"
    #expect(try runCLI([mixed, "-o", dir + "/all.btf"]).status == 0)
    #expect(try runCLI(["--lang_exclude=rust", mixed, "-o", dir + "/c.btf"]).status == 0)
    let all = try BTFDecoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/all.btf"))))
    let c = try BTFDecoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/c.btf"))))
    let cFunctions = Set(c.ids.filter { c.kind($0) == .function }.map { c.nameString($0) })
    #expect(cFunctions.contains("main") && c.liveCount < all.liveCount)
    #expect(try runCLI(["--lang_exclude=cobol", mixed]).status == 64)
  }

  /// Bad input: one line on standard error, a non-zero exit, and no output file.
  @Test(arguments: ["empty", "not-elf", "truncated", "no-dwarf", "missing"])
  func badInputGivesOneLineErrorAndNoOutput(kind: String) throws {
    let dir = try temporaryDirectory()
    let input = dir + "/input"
    var contents: Data? = nil
    switch kind {
    case "empty": contents = Data()
    case "not-elf": contents = Data("hello, this is not an ELF file\n".utf8)
    case "truncated":
      let whole = try Data(contentsOf: URL(fileURLWithPath: sample))
      contents = whole.prefix(whole.count / 2)
    case "no-dwarf":
      // Our own corpus object with every .debug_* section removed (objcopy-free: built by
      // build.sh as well would need binutils; here we blank the section names instead).
      var whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
      blankDebugSectionNames(&whole)
      contents = Data(whole)
    default: break
    }
    if let contents { try #require(FileManager.default.createFile(atPath: input, contents: contents), "\(kind): cannot write \(input)") }
    let r = try runCLI([input, "-o", dir + "/out.btf"])
    #expect(r.status == 1, "\(kind): status \(r.status)")
    let lines = r.stderr.split(separator: "\n")
    #expect(lines.count == 1, "\(kind): \(r.stderr)")
    #expect(lines.first?.hasPrefix("rustbtf: ") == true)
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.btf"))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".rustbtf-") }
    #expect(leftovers.isEmpty)
  }
}

/// Renames every `.debug_*` section of an ELF to `.xdebug…` in its string table, so the file
/// keeps its layout but has no DWARF.
func blankDebugSectionNames(_ bytes: inout [UInt8]) {
  let needle = Array(".debug_".utf8)
  var i = 0
  while i + needle.count <= bytes.count {
    if Array(bytes[i..<i + needle.count]) == needle { bytes[i + 1] = UInt8(ascii: "x") }
    i += 1
  }
}
