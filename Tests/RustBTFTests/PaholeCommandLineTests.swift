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
    for refused in ["optimized_func", "decl_tag_kfuncs", "distilled_base", "global_var", "attributes"] {
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

  /// README's flag table is `rustbtf pahole-flags`, word for word.
  @Test func readmeHasTheFlagTable() throws {
    let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
    #expect(readme.contains(PaholeCommandLine.markdownTable()), "README's pahole flag table differs from `rustbtf pahole-flags`")
  }
}
