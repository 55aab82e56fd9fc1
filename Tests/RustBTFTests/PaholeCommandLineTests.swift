import Foundation
import RustBTF
import Testing

/// pahole's command line as Linux builds call it (scripts/Makefile.btf, link-vmlinux.sh,
/// Makefile.modfinal), and pahole's spelling rules.
@Suite struct PaholeCommandLineTests {
  @Test func linux612VmlinuxCallForV124() throws {
    let args = ["-J", "--btf_gen_floats", "-j", "--lang_exclude=rust", ".tmp_vmlinux1"]
    #expect(PaholeCommandLine.applies(to: args))
    let inv = try PaholeCommandLine.parse(args)
    #expect(inv.encodeInPlace && inv.jobs == 0 && inv.languageExclude == "rust" && inv.file == ".tmp_vmlinux1")
    #expect(inv.base == nil && inv.detachedOutput == nil && inv.features.variables)
  }

  @Test func linux612ModuleCall() throws {
    let inv = try PaholeCommandLine.parse(
      ["-J", "--btf_gen_floats", "-j", "--lang_exclude=rust", "--btf_base", "vmlinux", "samples/rust/rust_minimal.ko"])
    #expect(inv.base == "vmlinux" && inv.file == "samples/rust/rust_minimal.ko" && inv.encodeInPlace)
    #expect(try PaholeCommandLine.parse(["-J", "--btf_base=vmlinux", "m.ko"]).base == "vmlinux")
  }

  @Test func jobsSpellings() throws {
    #expect(try PaholeCommandLine.parse(["-j4", "-J", "f"]).jobs == 4)
    #expect(try PaholeCommandLine.parse(["--jobs=2", "-J", "f"]).jobs == 2)
    #expect(try PaholeCommandLine.parse(["-Jj", "f"]).jobs == 0)
    // argp: an optional argument is never the next word, so `-j 4` is -j and a file `4`.
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-j", "4", "-J", "f"]) }
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-jx", "-J", "f"]) }
  }

  @Test func detachedSpellings() throws {
    #expect(try PaholeCommandLine.parse(["--btf_encode_detached", "o.btf", "f"]).detachedOutput == "o.btf")
    #expect(try PaholeCommandLine.parse(["--btf_encode_detached=o.btf", "f"]).detachedOutput == "o.btf")
  }

  @Test func olderSpellingsOfTheKernel() throws {
    let inv = try PaholeCommandLine.parse(["-J", "--skip_encoding_btf_vars", "--btf_gen_floats", "f"])
    #expect(!inv.features.variables)
    _ = try PaholeCommandLine.parse(["-J", "--skip_encoding_btf_inconsistent_proto", "f"])
    // v1.25's second flag is refused by name, with the reason.
    let e = #expect(throws: PaholeUsageError.self) {
      try PaholeCommandLine.parse(["-J", "--skip_encoding_btf_inconsistent_proto", "--btf_gen_optimized", "f"])
    }
    #expect(e?.description.contains("--btf_gen_optimized") == true)
  }

  @Test func btfFeatures() throws {
    let kernel126 = "encode_force,var,float,enum64,decl_tag,type_tag,consistent_func"
    #expect(try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel126)", "f"]).features.variables)
    #expect(try !PaholeCommandLine.parse(["-J", "--btf_features=encode_force,float,enum64,type_tag", "f"]).features.variables)
    _ = try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel126),reproducible_build", "f"])
    // Each feature rustbtf does not implement is refused by name.
    for refused in ["optimized_func", "decl_tag_kfuncs", "distilled_base", "attributes"] {
      let e = #expect(throws: PaholeUsageError.self) {
        try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel126),\(refused)", "f"])
      }
      #expect(e?.description.contains("'\(refused)'") == true, "\(refused): \(String(describing: e))")
    }
    // `default` and `+x` include pahole's default set, which has optimized_func.
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J", "--btf_features=default", "f"]) }
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J", "--btf_features=+reproducible_build", "f"]) }
    // Unknown names are refused, not ignored; so is leaving out a kind rustbtf always writes.
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel126),layout", "f"]) }
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J", "--btf_features=var,float,enum64", "f"]) }
  }

  @Test func unknownAndPrettyPrintingOptionsAreNamed() throws {
    for (args, name) in [(["-J", "--frobnicate", "f"], "--frobnicate"), (["-J", "-k", "f"], "-k"),
                         (["-C", "task_struct", "vmlinux"], "-C"), (["--sizes", "vmlinux"], "--sizes")] {
      let e = #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(args) }
      #expect(e?.description.contains("'\(name)'") == true, "\(args): \(String(describing: e))")
    }
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J"]) }  // no file
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["vmlinux", "--btf_base", "x"]) }  // no -J
  }

  @Test func rustbtfsOwnCommandLineIsNotPahole() {
    #expect(!PaholeCommandLine.applies(to: ["--passes", "all", "f.o", "-o", "x.btf"]))
    #expect(!PaholeCommandLine.applies(to: ["f.o", "--btf_encode_detached", "x.btf", "--lang_exclude=rust"]))
    #expect(PaholeCommandLine.applies(to: ["--version"]))
    #expect(!PaholeCommandLine.applies(to: ["f.o", "-q", "-o", "x.btf"]))
    #expect(!PaholeCommandLine.applies(to: ["verify", "-B", "vmlinux", "m.btf"], subcommands: ["verify"]))
    #expect(PaholeCommandLine.applies(to: ["-B", "3", "vmlinux"], subcommands: ["verify"]))
  }

  /// Kconfig's probe: `$(PAHOLE) --version | sed -E 's/v([0-9]+)\.([0-9]+)/\1\2/'` must give a
  /// number, on one line, with nothing on standard error.
  @Test func versionLineAsKconfigReadsIt() throws {
    let run = try runCLI(["--version"])
    #expect(run.status == 0 && run.stderr.isEmpty)
    #expect(run.stdout == PaholeCommandLine.version + "\n")
    #expect(run.stdout.wholeMatch(of: /v1\.[0-9]+\n/) != nil)
    #expect(try runCLI(["--numeric_version"]).stdout == "124\n")
  }

  @Test func usageErrorsExit64WithOneLine() throws {
    let run = try runCLI(["-J", "--frobnicate", "x.o"])
    #expect(run.status == 64)
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("'--frobnicate'"))
  }

  @Test func detachedOutputEqualsRustbtfsOwn() throws {
    let dir = try temporaryDirectory()
    let sample = corpusObject("rust_enums-O0.o")
    let a = try runCLI(["-j", "--btf_gen_floats", "--btf_encode_detached", dir + "/a.btf", sample])
    let b = try runCLI([sample, "-o", dir + "/b.btf"])
    #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/a.btf")) == Data(contentsOf: URL(fileURLWithPath: dir + "/b.btf")))
  }

  @Test func langExcludeRustAndTheEnvironmentOverride() throws {
    let dir = try temporaryDirectory()
    let sample = corpusObject("mixed-O2.elf")
    let c = try runCLI(["--lang_exclude=rust", "--btf_encode_detached", dir + "/c.btf", sample])
    #expect(c.status == 0, "\(c.stderr)")
    let cOnly = try runCLI(["dump", dir + "/c.btf"]).stdout
    #expect(!cOnly.contains("Verdict"), "--lang_exclude=rust kept Rust types")
    let keep = try runTool("/usr/bin/env", ["RUSTBTF_KEEP_RUST=1", try rustbtfBinary(), "--lang_exclude=rust", "-J",
                                            "--btf_encode_detached", dir + "/r.btf", sample])
    #expect(keep.status == 0, "\(keep.stderr)")
    #expect(keep.stderr.contains("RUSTBTF_KEEP_RUST=1"), "the override must say so: \(keep.stderr)")
    #expect(try runCLI(["dump", dir + "/r.btf"]).stdout.contains("STRUCT 'Verdict'"))
  }

  /// `-J` puts the BTF into the file's `.BTF` section (the same bytes `--btf_encode_detached`
  /// writes); a failing run (a bad base) leaves the file byte-for-byte as it was.
  @Test func encodeInPlaceAndFailureLeavesTheFileAlone() throws {
    let dir = try temporaryDirectory()
    let copy = dir + "/rust_enums-O0.o"
    try FileManager.default.copyItem(atPath: corpusObject("rust_enums-O0.o"), toPath: copy)
    let original = try Data(contentsOf: URL(fileURLWithPath: copy))
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/bad.btf"))
    let bad = try runCLI(["-J", "--btf_base", dir + "/bad.btf", copy])
    #expect(bad.status == 1 && bad.stderr.contains("--btf_base"), "\(bad.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == original, "a failed -J changed the file")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasPrefix(".rustbtf-") })

    let run = try runCLI(["-J", "--btf_gen_floats", "-j", copy])
    #expect(run.status == 0 && run.stdout.isEmpty, "\(run.stderr)")
    let detached = try runCLI(["--btf_encode_detached", dir + "/d.btf", corpusObject("rust_enums-O0.o")])
    #expect(detached.status == 0)
    let section = try #require(try readBTFSection(fromELF: copy))
    #expect(section == [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/d.btf"))))
    #expect(try runCLI(["verify", "--kernel", dir + "/d.btf"]).status == 0)
  }

  /// A module's split BTF through pahole's command line, with the base an ELF file's `.BTF`
  /// (a kernel build's `--btf_base vmlinux`); `verify -B` checks it in the base and the kernel
  /// loads base + split.
  @Test func splitBTFThroughTheCommandLine() throws {
    let dir = try temporaryDirectory()
    let vmlinux = dir + "/mixed-O2.elf", module = dir + "/mixed_lib-O2.o"
    try FileManager.default.copyItem(atPath: corpusObject("mixed-O2.elf"), toPath: vmlinux)
    try FileManager.default.copyItem(atPath: corpusObject("mixed_lib-O2.o"), toPath: module)
    #expect(try runCLI(["-J", vmlinux]).status == 0)
    let run = try runCLI(["-J", "-j", "--btf_base", vmlinux, module])
    #expect(run.status == 0, "\(run.stderr)")
    let split = try #require(try readBTFSection(fromELF: module))
    try Data(split).write(to: URL(fileURLWithPath: dir + "/m.btf"))
    let verify = try runCLI(["verify", "--kernel", "-B", vmlinux, dir + "/m.btf"])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    let dump = try runCLI(["dump", "-B", vmlinux, dir + "/m.btf"])
    #expect(dump.status == 0 && dump.stdout.contains("FUNC '_ZN9mixed_lib8classify"))
  }

  /// README's flag table is `rustbtf pahole-flags`, word for word.
  @Test func readmeHasTheFlagTable() throws {
    let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
    #expect(readme.contains(PaholeCommandLine.markdownTable()), "README's pahole flag table differs from `rustbtf pahole-flags`")
  }
}
