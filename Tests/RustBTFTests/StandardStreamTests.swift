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
    FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGPIPE,
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
    if let failure = KernelBTF.acceptanceFailure(written) { Issue.record("-o -: \(failure)") }

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
    let fromELF = try runCLI(["dump", elf]), fromRaw = try runCLI(["dump", dir + "/m.btf"])
    #expect(fromELF.status == 0 && fromELF.stdout.hasPrefix("[1] "), "\(fromELF.stderr)")
    #expect(fromELF.stdout == fromRaw.stdout)
    let verify = try runCLI(["verify", "--kernel", elf])
    #expect(verify.status == 0 && verify.stdout.contains("\(elf): accepted by the running kernel"), "\(verify.stdout)\(verify.stderr)")
  }
}
