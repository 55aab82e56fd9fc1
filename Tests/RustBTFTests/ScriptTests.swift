import Foundation
import RustBTF
import Testing

/// The scripts' cheap parts, without the release build or the kernel build they drive.
@Suite struct ScriptTests {
  /// rustbtf(1) as `scripts/package.sh` makes it (`scripts/man-page.sh`), rendered by man: the
  /// pahole flag tables read as lists, with no raw Markdown row left.
  @Test func paholeFlagTablesRenderAsLists() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let page = dir + "/rustbtf.1"
    let made = try runTool(
      "/bin/sh",
      [
        "-c", "exec bash \"$0\" \"$1\" 2026-01-01 test > \"$2\"",
        packageRoot + "/scripts/man-page.sh", try rustbtfBinary(), page,
      ])
    try #require(made.status == 0, "man-page.sh: \(made.stderr)")
    let source = try String(contentsOfFile: page, encoding: .utf8)
    #expect(!source.split(separator: "\n").contains { $0.hasPrefix("|") }, "raw Markdown rows in the man page source")
    let rendered = try runTool("/bin/sh", ["-c", "MANWIDTH=100 man -l \"$0\"", page])
    try #require(rendered.status == 0, "man -l: \(rendered.stderr)")
    let lines = rendered.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(!lines.contains { $0.hasPrefix("|") }, "raw Markdown rows in the rendered man page")
    // Each option of the table is an entry: a line that starts with its spelling.
    let tags = Set(
      lines.flatMap { line in
        line.split(separator: " ").prefix(2).map {
          $0.split(separator: "=").first.map { String($0).replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "[", with: "") }
            ?? ""
        }
      })
    for option in PaholeCommandLine.options {
      guard let long = option.long else { continue }
      #expect(tags.contains("--\(long)"), "--\(long) has no entry")
    }
    #expect(lines.contains("-J, --btf_encode"))
    #expect(lines.contains { $0.hasPrefix("honoured: puts the BTF into FILE's .BTF section") })
  }

  /// `scripts/kernel-e2e.sh`'s last line is the verdict, the harness's `E2E:` line, though the
  /// harness's log ends with other lines; with no `E2E:` line at all, a FAIL line and a
  /// non-zero exit. A fake harness (HARNESS) stands in for the kernel build.
  @Test(arguments: [("PASS", true), ("FAIL", true), ("", false)])
  func kernelE2EEndsWithTheVerdict(result: String, printsVerdict: Bool) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let harness = dir + "/harness.sh"
    let verdict = "E2E: btf_sysfs=yes size=1 errors=0 build=ok boot=ok encoder=rustbtf result=\(result)"
    try Data(
      """
      #!/bin/sh
      echo "### build"
      echo "E2E-T: fentry_rust ok"
      \(printsVerdict ? "echo '\(verdict)'" : "")
      echo "### $(basename "$1") done"
      [ "\(result)" = PASS ]

      """.utf8
    ).write(to: URL(fileURLWithPath: harness))
    #expect(chmod(harness, 0o755) == 0)
    let run = try runTool(
      "/usr/bin/env",
      [
        "HARNESS=\(harness)", "BTF_ENCODER=\(try rustbtfBinary())", "SKIP_APT=1",
        "BTF_OUT=\(dir)/out", "KDIR=\(dir)/k", "bash", packageRoot + "/scripts/kernel-e2e.sh",
      ])
    let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
    if printsVerdict {
      #expect(last == verdict, "last line: \(last)")
    } else {
      #expect(last.hasPrefix("E2E: result=FAIL"), "last line: \(last)")
    }
    #expect((run.status == 0) == (result == "PASS"), "exit \(run.status)")
    #expect(run.stdout.contains("E2E-T: fentry_rust ok"))
  }

  /// `E2E_RUST_ALL=1` adds every line of `scripts/kernel-e2e/kconfig-rust-all` to the harness's
  /// `KCONFIG_EXTRA` (after the default `kconfig`), builds in /tmp/kbtf-all and tells the guest
  /// hook; without it the harness gets the default config and tree, with no Rust-all symbol.
  @Test(arguments: [true, false])
  func kernelE2ERustAllSelectsItsConfig(all: Bool) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let harness = dir + "/harness.sh"
    try Data(
      """
      #!/bin/sh
      echo "HARNESS-KDIR=$1"
      echo "HARNESS-ALL=$E2E_RUST_ALL"
      echo "HARNESS-KCONFIG=$KCONFIG_EXTRA"
      echo "E2E: result=PASS"

      """.utf8
    ).write(to: URL(fileURLWithPath: harness))
    #expect(chmod(harness, 0o755) == 0)
    let run = try runTool(
      "/usr/bin/env",
      [
        "HARNESS=\(harness)", "BTF_ENCODER=\(try rustbtfBinary())", "SKIP_APT=1",
        "BTF_OUT=\(dir)/out", "E2E_RUST_ALL=\(all ? 1 : 0)", "bash",
        packageRoot + "/scripts/kernel-e2e.sh",
      ])
    try #require(run.status == 0, "kernel-e2e.sh: \(run.stderr)")
    let log = try String(contentsOfFile: dir + "/out.log", encoding: .utf8).split(separator: "\n")
    let kconfig = log.first { $0.hasPrefix("HARNESS-KCONFIG=") }.map(String.init) ?? ""
    #expect(log.contains(all ? "HARNESS-KDIR=/tmp/kbtf-all" : "HARNESS-KDIR=/tmp/kbtf"))
    #expect(log.contains(all ? "HARNESS-ALL=1" : "HARNESS-ALL=0"))
    #expect(kconfig.contains("-e KALLSYMS -e KPROBES"), "default kconfig missing: \(kconfig)")
    let fragment = try String(contentsOfFile: packageRoot + "/scripts/kernel-e2e/kconfig-rust-all", encoding: .utf8)
    let lines = fragment.split(separator: "\n").filter { !$0.hasPrefix("#") }
    #expect(lines.contains { $0.contains("-m BLK_DEV_RUST_NULL") })
    for line in lines {
      #expect(kconfig.contains(line) == all, "\(line) in KCONFIG_EXTRA: \(kconfig.contains(line))")
    }
  }
}
