import Foundation
import Testing

/// Running out of memory is reported as such (Sources/COutOfMemory): one line, exit 1, no output
/// file, no temporary file, the input untouched — never a Swift trap (exit 134) or a library's
/// misleading "invalid ELF file".
///
/// Each test raises the address-space limit (`ulimit -v`) step by step from below what the
/// dynamic loader needs until a run succeeds, so allocations fail at every point a step lands on
/// (reading the input, importing, the passes, encoding). Runs the loader cannot start (exit
/// 127) say nothing about rustbtf and are passed over.
@Suite(.serialized) struct OutOfMemoryTests {
  struct Sweep {
    var outOfMemory = 0
    var succeededAtMiB: Double? = nil
  }

  /// Runs `arguments(limit)` under rising limits (KiB) and checks each outcome with `check`.
  func sweep(
    _ label: String, prepare: () throws -> Void, arguments: [String],
    check: (CLIRun, Int) throws -> Void
  ) throws -> Sweep {
    let binary = try rustbtfBinary()
    var result = Sweep()
    var limit = 8 << 10
    while limit <= 4 << 20 {
      try prepare()
      let run = try runTool("/bin/sh", ["-c", "ulimit -v \(limit) && exec \"$0\" \"$@\"", binary] + arguments)
      if run.status == 127 && run.stderr.contains("error while loading shared libraries") {
        limit += 256
        continue
      }
      try check(run, limit)
      if run.status == 0 {
        result.succeededAtMiB = Double(limit) / 1024
        return result
      }
      #expect(run.status == 1, "\(label) at \(limit) KiB: exit \(run.status): \(run.stderr)")
      // At the lowest limits the Swift runtime, not rustbtf, first says that it could not set up
      // its crash handler ("swift runtime: crash handler installation failed").
      let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("swift runtime: ") }
      #expect(
        lines.count == 1 && lines[0].hasPrefix("rustbtf: out of memory: could not allocate ")
          && lines[0].hasSuffix("; nothing written"),
        "\(label) at \(limit) KiB: \(run.stderr)")
      result.outOfMemory += 1
      limit += 256
    }
    Issue.record("\(label): no run succeeded below 4 GiB")
    return result
  }

  @Test func conversionOutOfMemoryIsOneLineAndLeavesNothing() throws {
    let dir = try temporaryDirectory()
    let input = corpusObject("mixed-O0.elf")
    let output = dir + "/out.btf"
    let reference = try runCLI([input, "-q", "-o", dir + "/reference.btf"])
    #expect(reference.status == 0, "\(reference.stderr)")
    let expected = try Data(contentsOf: URL(fileURLWithPath: dir + "/reference.btf"))
    let result = try sweep(
      "-o", prepare: { try? FileManager.default.removeItem(atPath: output) },
      arguments: [input, "-q", "-o", output]
    ) { run, limit in
      let names = try FileManager.default.contentsOfDirectory(atPath: dir)
      #expect(!names.contains { $0.hasPrefix(".rustbtf-") }, "temporary file left at \(limit) KiB: \(names)")
      if run.status == 0 {
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == expected, "different BTF at \(limit) KiB")
      } else {
        #expect(!FileManager.default.fileExists(atPath: output), "output written at \(limit) KiB: \(run.stderr)")
      }
    }
    #expect(result.outOfMemory > 0, "no limit made the conversion run out of memory")
  }

  /// pahole's `-J` rewrites the ELF through a temporary copy: out of memory leaves the input as
  /// it was.
  @Test func inPlaceEncodingOutOfMemoryLeavesTheInputAlone() throws {
    let dir = try temporaryDirectory()
    let pristine = corpusObject("mixed-O0.elf")
    let input = dir + "/vmlinux"
    let original = try Data(contentsOf: URL(fileURLWithPath: pristine))
    let result = try sweep(
      "-J",
      prepare: {
        try? FileManager.default.removeItem(atPath: input)
        try FileManager.default.copyItem(atPath: pristine, toPath: input)
      }, arguments: ["-J", "--btf_gen_floats", input]
    ) { run, limit in
      let names = try FileManager.default.contentsOfDirectory(atPath: dir)
      #expect(names == ["vmlinux"], "files left at \(limit) KiB: \(names)")
      if run.status != 0 {
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original, "input changed at \(limit) KiB")
      }
    }
    #expect(result.outOfMemory > 0, "no limit made -J run out of memory")
  }
}
