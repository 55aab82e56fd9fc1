import Foundation
import RustBTF
import Testing
import Verify

/// Standard output as a stream users redirect and pipe: every write error is an error, `-o -`
/// is standard output, and `dump`/`verify` read what `-J` wrote.
@Suite struct StandardStreamTests {
  let sample = corpusObject("rust_enums-O0.o")

  /// `rustbtf ARGS > /dev/full`.
  func runIntoFullDevice(_ arguments: [String]) throws -> CLIRun {
    try runTool("/bin/sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", try rustbtfBinary()] + arguments)
  }

  /// Each command that prints to standard output fails with one line when the write fails
  /// (`/dev/full`), whatever path prints: reports, dumps, `verify`, help, version, tables.
  @Test func writeErrorsOnStandardOutputExit1WithOneLine() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let btf = dir + "/x.btf"
    #expect(try runCLI([sample, "-q", "-o", btf]).status == 0)
    let commands: [[String]] = [
      ["dump", btf], ["verify", btf], [sample, "-q", "--explain-pruned", "-o", dir + "/e.btf"],
      [sample, "-q", "--stats", "--format", "json", "-o", dir + "/s.btf"], ["pahole-flags"], ["--version"],
      ["--rustbtf-version"], ["--list-passes"], ["--print-pipeline"], ["-J", "--help"], ["--help"], [sample, "-q", "-o", "-"],
    ]
    for args in commands {
      let run = try runIntoFullDevice(args)
      #expect(run.status == 1, "\(args): exit \(run.status)")
      #expect(run.stderr == "rustbtf: standard output: write error: No space left on device\n", "\(args): \(run.stderr)")
    }
  }

  /// A reader that went away (EPIPE, with SIGPIPE ignored, as some parents leave it) ends
  /// rustbtf silently by SIGPIPE, as the default action would have: no message, not exit 0.
  @Test func aClosedPipeEndsSilentlyBySIGPIPE() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    close(fds[0])
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "trap '' PIPE; exec \"$0\" pahole-flags", try rustbtfBinary()]
    p.standardOutput = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
    let errPath = temporaryPath(".err")
    try #require(FileManager.default.createFile(atPath: errPath, contents: nil), "cannot create \(errPath)")
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try p.run()
    p.waitUntilExit()
    #expect(
      p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGPIPE,
      "ended by \(p.terminationReason == .exit ? "exit" : "signal") \(p.terminationStatus)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: errPath)).isEmpty)
  }

  /// `-o -` writes the BTF to standard output (the bytes `-o FILE` writes, which the kernel
  /// loads) and no file named `-`; reports that print there too are refused with it.
  /// `--btf_encode_detached -` writes a file named `-`, as pahole 1.31 does.
  @Test func dashIsStandardOutput() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let toFile = try runCLI([sample, "-q", "-o", dir + "/f.btf"])
    #expect(toFile.status == 0, "\(toFile.stderr)")
    let file = try readFile(dir + "/f.btf")
    let outPath = dir + "/stdout.btf"
    let toStdout = try runTool("/bin/sh", ["-c", "exec \"$0\" \"$1\" -o - > \"$2\"", try rustbtfBinary(), sample, outPath], in: dir)
    #expect(toStdout.status == 0, "\(toStdout.stderr)")
    #expect(toStdout.stderr.contains("-> standard output:"), "\(toStdout.stderr)")
    let written = try readFile(outPath)
    #expect(written == file)
    #expect(!FileManager.default.fileExists(atPath: dir + "/-"))
    if let failure = KernelCheck.acceptanceFailure(written) { Issue.record("-o -: \(failure)") }

    for report in [["--stats"], ["--explain-pruned"], ["--explain", "Signed"]] {
      let run = try runCLI([sample, "-o", "-"] + report, in: dir)
      #expect(run.status == 64 && run.stderr.contains("-o - writes the BTF to standard output"), "\(report): \(run.stderr)")
      #expect(run.stdout.isEmpty)
    }

    let pahole = try runCLI(["-J", "--btf_encode_detached", "-", sample], in: dir)
    #expect(pahole.status == 0 && pahole.stdout.isEmpty, "\(pahole.stderr)")
    #expect(try readFile(dir + "/-") == file)
  }

  /// `dump` and `verify` read the `.BTF` section `-J` wrote (which `objcopy -O binary` cannot
  /// extract: it is not allocated) and see what `--btf_encode_detached` writes.
  @Test func dumpAndVerifyReadAnELFFilesBTF() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let elf = dir + "/m.o"
    try FileManager.default.copyItem(atPath: corpusObject("c_funcs-O2.o"), toPath: elf)
    #expect(try runCLI(["-J", "--btf_encode_detached", dir + "/m.btf", elf]).status == 0)
    #expect(try runCLI(["-J", elf]).status == 0)
    let fromELF = try runCLI(["dump", elf])
    let fromRaw = try runCLI(["dump", dir + "/m.btf"])
    #expect(fromELF.status == 0 && fromELF.stdout.hasPrefix("[1] "), "\(fromELF.stderr)")
    #expect(fromELF.stdout == fromRaw.stdout)
    let verify = try runCLI(["verify", "--kernel", elf])
    #expect(verify.status == 0 && verify.stdout.contains("\(elf): accepted by the running kernel"), "\(verify.stdout)\(verify.stderr)")
  }
}

/// File names that are not UTF-8 (`caf\xe9.o`, Latin-1) name their files: as input, as `-o`
/// output, for `-J`, `dump` and `verify`; messages show the byte as `\xe9`.
@Suite struct NonUTF8FileNameTests {
  /// Runs `script` with sh in `dir`, with $0 the rustbtf binary and $1 a sample object.
  func shell(_ script: String, in dir: String) throws -> CLIRun {
    try runTool("/bin/sh", ["-c", script, try rustbtfBinary(), corpusObject("c_funcs-O2.o")], in: dir)
  }

  @Test func namesKeepTheirBytes() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let setup = try shell(
      """
      cp "$1" "$(printf 'caf\\351.o')" && "$0" -q "$1" -o ref.btf
      """, in: dir)
    try #require(setup.status == 0, "\(setup.stderr)")

    let convert = try shell(
      """
      "$0" "$(printf 'caf\\351.o')" -o "$(printf 'out\\351.btf')" && cmp ref.btf "$(printf 'out\\351.btf')"
      """, in: dir)
    #expect(convert.status == 0, "\(convert.stderr)")
    #expect(convert.stderr.contains("caf\\xe9.o -> out\\xe9.btf:"), "\(convert.stderr)")
    let defaultOutput = try shell(
      """
      "$0" -q "$(printf 'caf\\351.o')" && cmp ref.btf "$(printf 'caf\\351.o.btf')"
      """, in: dir)
    #expect(defaultOutput.status == 0, "\(defaultOutput.stderr)")

    let readBack = try shell(
      """
      "$0" verify --kernel "$(printf 'out\\351.btf')" && "$0" dump "$(printf 'out\\351.btf')" > dump.txt && \
      "$0" dump ref.btf > ref.txt && cmp dump.txt ref.txt
      """, in: dir)
    #expect(readBack.status == 0, "\(readBack.stdout)\(readBack.stderr)")
    #expect(readBack.stdout.contains("out\\xe9.btf: accepted by the running kernel"), "\(readBack.stdout)")

    let inPlace = try shell(
      """
      "$0" -J "$(printf 'caf\\351.o')" && "$0" dump "$(printf 'caf\\351.o')" > j.txt && cmp j.txt ref.txt
      """, in: dir)
    #expect(inPlace.status == 0, "\(inPlace.stderr)")

    let missing = try shell(
      """
      "$0" "$(printf 'nope\\351.o')" -o x.btf
      """, in: dir)
    #expect(missing.status == 1 && missing.stderr == "rustbtf: nope\\xe9.o: cannot open: No such file or directory\n", "\(missing.stderr)")
  }

  /// Bytes that are not UTF-8 round-trip through `FileName`, and so do names that are, including
  /// ones holding the private-use scalars the escapes use.
  @Test func fileNameRoundTrips() {
    let cases: [[UInt8]] = [
      Array("plain.o".utf8), [0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6f], [0xff, 0xfe, 0x80], [0xe2, 0x82],
      Array("caf\u{e9}.o".utf8), Array("\u{10FF80}\u{10FFFF}".utf8), [0xed, 0xa0, 0x80], [0xc0, 0xaf],
    ]
    for bytes in cases {
      #expect(FileName.bytes(of: FileName.string(bytes)) == bytes, "\(bytes)")
    }
    #expect(FileName.display(FileName.string([0x63, 0x61, 0x66, 0xe9])) == "caf\\xe9")
    #expect(FileName.string(Array("caf\u{e9}".utf8)) == "caf\u{e9}")
  }
}
