import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

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
    #expect(!inv.features.variables && inv.features.isOn("float"))
    // v1.25's line: both flags set pahole 1.31's switches (optimized_func has no effect there).
    let v125 = try PaholeCommandLine.parse(["-J", "--skip_encoding_btf_inconsistent_proto", "--btf_gen_optimized", "f"])
    #expect(v125.features.isOn("consistent_func") && v125.features.isOn("optimized_func"))
    #expect(try PaholeCommandLine.parse(["-J", "--btf_attributes", "f"]).features.isOn("attributes"))
    #expect(try !PaholeCommandLine.parse(["-J", "--skip_encoding_btf_decl_tag", "f"]).features.declTags)
    // Without any --btf_features, pahole's built-in defaults: VARs, no kfunc tags.
    let plain = try PaholeCommandLine.parse(["-J", "f"])
    #expect(plain.features.variables && plain.features.declTags && !plain.features.kfuncTags && !plain.features.globalVariables)
  }

  /// pahole's `parse_btf_features`: the first list resets every feature, lists add up,
  /// `default` and a leading `+` add the default set, unknown names are ignored unless strict.
  @Test func btfFeaturesAsPaholeReadsThem() throws {
    let kernel612 = "encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs"
    let k = try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel612)", "f"]).features
    #expect(k.variables && k.kfuncTags && k.declTags && !k.attributes && !k.globalVariables && !k.distilledBase)
    // A second list adds to the first (Linux 6.19: `--btf_features=… --btf_features=attributes`).
    let two = try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel612)", "--btf_features=attributes", "f"]).features
    #expect(two.attributes && two.kfuncTags)
    // attributes come with kfunc tags only, as in pahole.
    #expect(try !PaholeCommandLine.parse(["-J", "--btf_features=float,enum64,type_tag,decl_tag,attributes", "f"]).features.attributes)
    #expect(
      try PaholeCommandLine.parse(["-J", "--btf_features=float,enum64,type_tag,decl_tag_kfuncs,attributes", "f"]).features.attributes)
    // decl_tag_kfuncs needs decl_tag, as in pahole.
    #expect(try !PaholeCommandLine.parse(["-J", "--btf_features=float,enum64,type_tag,decl_tag_kfuncs", "f"]).features.kfuncTags)
    // A list without var: no VARs; global_var gives every section's, with or without var (pahole).
    #expect(try !PaholeCommandLine.parse(["-J", "--btf_features=float,enum64,type_tag", "f"]).features.variables)
    #expect(try PaholeCommandLine.parse(["-J", "--btf_features=+global_var", "f"]).features.globalVariables)
    #expect(try PaholeCommandLine.parse(["-J", "--btf_features=float,enum64,type_tag,global_var", "f"]).features.globalVariables)
    // `default` and `+x`.
    let d = try PaholeCommandLine.parse(["-J", "--btf_features=default", "f"]).features
    #expect(d.kfuncTags && d.variables && !d.distilledBase)
    let plus = try PaholeCommandLine.parse(["-J", "--btf_features=+distilled_base,reproducible_build", "f"]).features
    #expect(plus.distilledBase && plus.kfuncTags && plus.isOn("reproducible_build"))
    #expect(try PaholeCommandLine.parse(["-J", "--btf_gen_all", "f"]).features.kfuncTags)
    // Unknown names (and 1.32's, which 1.31 does not know) are ignored, with a note for -V;
    // strict refuses them by name.
    let future = try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel612),true_signature,frobnicate", "f"])
    #expect(future.features == k)
    #expect(
      future.notes.count == 2 && future.notes.contains { $0.contains("'frobnicate'") }
        && future.notes.contains { $0.contains("'true_signature'") })
    // 1.32's layout, which Linux 7.1 passes to pahole 1.31 and later, is honoured.
    #expect(try PaholeCommandLine.parse(["-J", "--btf_features=\(kernel612)", "--btf_features=layout", "f"]).features.layout)
    for strictList in ["\(kernel612),frobnicate", "\(kernel612),true_signature"] {
      let e = #expect(throws: PaholeUsageError.self) {
        try PaholeCommandLine.parse(["-J", "--btf_features_strict=\(strictList)", "f"])
      }
      #expect(e?.description.contains(strictList.components(separatedBy: ",").last!) == true, "\(String(describing: e))")
    }
    #expect(try PaholeCommandLine.parse(["-J", "--btf_features_strict=\(kernel612)", "f"]).features == k)
    // Leaving out a kind rustbtf always writes is refused, after all the lists are read.
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J", "--btf_features=var,float,enum64", "f"]) }
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J", "--btf_features=attributes", "f"]) }
    _ = try PaholeCommandLine.parse(["-J", "--btf_features=var,float", "--btf_features=enum64,type_tag", "f"])
  }

  /// The features reach the pipeline as pass parameters.
  @Test func featuresChooseThePipeline() throws {
    let names = PassRegistryNames(standard: ["select-symbols", "tag-kfuncs", "dedup"])
    var f = PaholeFeatures()
    #expect(PaholeCommandLine.pipelineText(for: f, registry: names) == "select-symbols,tag-kfuncs<kfuncs=off>,dedup")
    f = try PaholeCommandLine.parse(["-J", "--btf_features=+global_var,attributes", "f"]).features
    #expect(f.attributes)
    #expect(PaholeCommandLine.pipelineText(for: f, registry: names) == "select-symbols<variables=global>,tag-kfuncs<attributes=on>,dedup")
    f = try PaholeCommandLine.parse(["-J", "--skip_encoding_btf_vars", "f"]).features
    #expect(PaholeCommandLine.pipelineText(for: f, registry: names).hasPrefix("select-symbols<variables=none>,"))
    // A registry without the pass gets no override; every text parses with the standard one.
    #expect(PaholeCommandLine.pipelineText(for: PaholeFeatures(), registry: PassRegistryNames(standard: ["dedup"])) == "all")
    for line in [["-J", "f"], ["-J", "--btf_features=+global_var,attributes", "f"], ["-J", "--skip_encoding_btf_vars", "f"]] {
      let text = PaholeCommandLine.pipelineText(for: try PaholeCommandLine.parse(line).features)
      _ = try PassPipeline(parsing: text, registry: StandardPasses.registry)
    }
  }

  @Test func supportedFeaturesIsPaholesOneLine() throws {
    let run = try runCLI(["--supported_btf_features"])
    #expect(run.status == 0)
    #expect(
      run.stdout
        == """
        encode_force,var,float,decl_tag,type_tag,enum64,optimized_func,consistent_func,decl_tag_kfuncs,reproducible_build,distilled_base\
        ,global_var,attributes,layout\n
        """
    )
  }

  @Test func unknownAndPrettyPrintingOptionsAreNamed() throws {
    for (args, name) in [
      (["-J", "--frobnicate", "f"], "--frobnicate"), (["-J", "-k", "f"], "-k"),
      (["-C", "task_struct", "vmlinux"], "-C"), (["--sizes", "vmlinux"], "--sizes"),
    ] {
      let e = #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(args) }
      #expect(e?.description.contains("'\(name)'") == true, "\(args): \(String(describing: e))")
    }
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["-J"]) } // no file
    #expect(throws: PaholeUsageError.self) { try PaholeCommandLine.parse(["vmlinux", "--btf_base", "x"]) } // no -J
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
    #expect(try runCLI(["--numeric_version"]).stdout == "131\n")
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
    let keep = try runTool(
      "/usr/bin/env",
      [
        "RUSTBTF_KEEP_RUST=1", try rustbtfBinary(), "--lang_exclude=rust", "-J",
        "--btf_encode_detached", dir + "/r.btf", sample,
      ])
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
    let vmlinux = dir + "/mixed-O2.elf"
    let module = dir + "/mixed_lib-O2.o"
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

  /// Every line of README's kernel table ("Which pahole version rustbtf stands in for"), as
  /// written, run on corpus objects standing in for the kernel's files (a mixed Rust/C
  /// executable as vmlinux, a mixed object as each module), with `RUSTBTF_KEEP_RUST=1` as README
  /// documents; what each line writes is loaded into the running kernel (split BTF on its base).
  @Test func eachKernelsCommandLine() throws {
    let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
    let table = readme.components(separatedBy: "<!-- kernel-lines")[1].components(separatedBy: "<!-- /kernel-lines -->")[0]
    let rows = table.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("`-J") }
    #expect(rows.count >= 19, "README's kernel table has \(rows.count) rows")
    for row in rows {
      let columns = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      let line = columns[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
      let dir = try temporaryDirectory()
      for (path, object) in [
        (".tmp_vmlinux.btf", "mixed-O2.elf"), (".tmp_vmlinux1", "mixed-O2.elf"), ("vmlinux", "mixed-O2.elf"),
        ("drivers/net/dummy.ko", "mixed_lib-O2.o"), ("ext/hello.ko", "mixed_lib-O2.o"), ("hello.ko", "mixed_lib-O2.o"),
      ] {
        try FileManager.default.createDirectory(
          atPath: dir + "/" + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: corpusObject(object), toPath: dir + "/" + path)
      }
      #expect(try runCLI(["-J", "vmlinux"], in: dir).status == 0)
      let args = line.replacingOccurrences(of: "-j<N>", with: "-j2").replacingOccurrences(of: "$M/", with: "ext/")
        .replacingOccurrences(of: "$KB/", with: dir + "/").split(separator: " ").map(String.init)
      let elf = args.last!
      let input = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + elf))
      let run = try runTool("/usr/bin/env", ["RUSTBTF_KEEP_RUST=1", try rustbtfBinary()] + args, in: dir)
      #expect(run.status == 0, "\(columns[0]) \(columns[1]): \(run.stderr)")
      #expect(
        run.stdout.isEmpty && run.stderr.split(separator: "\n").allSatisfy { $0.contains("keeping Rust compile units") },
        "\(columns[0]) \(columns[1]): \(run.stdout)\(run.stderr)")
      let out: String
      if let detached = args.first(where: { $0.hasPrefix("--btf_encode_detached=") }) {
        out = dir + "/" + String(detached.dropFirst("--btf_encode_detached=".count))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + elf)) == input, "a detached line changed \(elf)")
      } else {
        out = dir + "/out.btf"
        try Data(try #require(try readBTFSection(fromELF: dir + "/" + elf))).write(to: URL(fileURLWithPath: out))
      }
      var base = args.contains("--btf_base") ? ["-B", dir + "/vmlinux"] : []
      if args.contains(where: { $0.hasSuffix("distilled_base") }) && !args.contains(where: { $0.hasPrefix("--btf_encode_detached") }) {
        // Split BTF on the distilled base beside it, which the kernel relocates at load.
        let distilled = try #require(
          try readBTFSection(fromELF: dir + "/" + elf, sectionName: ".BTF.base"),
          "\(columns[0]) \(columns[1]): no .BTF.base")
        try Data(distilled).write(to: URL(fileURLWithPath: dir + "/distilled.btf"))
        base = ["-B", dir + "/distilled.btf"]
      }
      if args.contains(where: { $0.hasSuffix("layout") }) && base.isEmpty {
        // Linux 7.1's kind layout section: checked with 7.1's header rules; the host kernel
        // (before 7.1) loads the same BTF without it.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(try KindLayout.sections(of: bytes) != nil, "\(columns[0]) \(columns[1]): no kind layout section")
        #expect(BTFValidator.validate(bytes, limits: .linux7_1).isEmpty, "\(columns[0]) \(columns[1])")
        try Data(try KindLayout.removing(from: bytes)).write(to: URL(fileURLWithPath: out))
      }
      let verify = try runCLI(["verify", "--kernel"] + base + [out])
      #expect(verify.status == 0, "\(columns[0]) \(columns[1]): \(verify.stdout)\(verify.stderr)")
    }
  }

  /// `RUSTBTF_KEEP_RUST` takes 1/0, true/false, yes/no in any case (and empty as unset); any
  /// other value is refused by name (exit 64, as a bad option), and the notice shows the value.
  @Test func keepRustTakesYesOrNoAndRefusesAnythingElse() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sample = corpusObject("mixed-O2.elf")
    func run(_ value: String) throws -> CLIRun {
      try runTool(
        "/usr/bin/env",
        [
          "RUSTBTF_KEEP_RUST=\(value)", try rustbtfBinary(), "--lang_exclude=rust", "-J",
          "--btf_encode_detached", dir + "/out.btf", sample,
        ])
    }
    for value in ["1", "true", "YES", "Yes"] {
      let r = try run(value)
      #expect(r.status == 0 && r.stderr.contains("(RUSTBTF_KEEP_RUST=\(value))"), "\(value): \(r.stderr)")
      #expect(try runCLI(["dump", dir + "/out.btf"]).stdout.contains("STRUCT 'Verdict'"), "\(value) dropped Rust")
    }
    for value in ["0", "no", "FALSE", ""] {
      let r = try run(value)
      #expect(r.status == 0 && r.stderr.isEmpty, "\(value): \(r.stderr)")
      #expect(!(try runCLI(["dump", dir + "/out.btf"]).stdout.contains("Verdict")), "\(value) kept Rust")
    }
    for value in ["00", "2", "-1", " ", "y"] {
      let r = try run(value)
      #expect(r.status == 64 && r.stderr.split(separator: "\n").count == 1, "\(value): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains("RUSTBTF_KEEP_RUST='\(value)' is not a yes/no value"), "\(value): \(r.stderr)")
    }
  }

  /// `-J --help` (and `-?`, `--usage`, as argp spells them) prints pahole mode's options and
  /// exits 0, pointing at `rustbtf pahole-flags`; `rustbtf --help` stays rustbtf's own.
  @Test func helpInPaholeMode() throws {
    for args in [["-J", "--help"], ["-J", "-?"], ["-J", "--usage"], ["-j", "--help", "vmlinux"]] {
      let run = try runCLI(args)
      #expect(run.status == 0 && run.stderr.isEmpty, "\(args): \(run.status) \(run.stderr)")
      #expect(run.stdout.contains("--btf_encode") && run.stdout.contains("rustbtf pahole-flags"), "\(args): \(run.stdout)")
      #expect(!run.stdout.contains("--btf_gen_optimized"), "a refused option is listed as honoured")
    }
    #expect(try PaholeCommandLine.parse(["-J", "--help"]).printHelp)
    let own = try runCLI(["--help"])
    #expect(own.status == 0 && own.stdout.contains("convert"))
  }

  /// README's flag table is `rustbtf pahole-flags`, word for word.
  @Test func readmeHasTheFlagTable() throws {
    let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
    #expect(readme.contains(PaholeCommandLine.markdownTable()), "README's pahole flag table differs from `rustbtf pahole-flags`")
  }
}
