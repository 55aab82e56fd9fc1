import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

/// What rustbtf does with the inputs of split BTF: the base (`--btf_base`, `-B`) is checked as
/// the kernel checks vmlinux's BTF, a split blob's own header as the kernel checks a module's,
/// `dump -B` prints what bpftool prints, and the native command line takes a base.
@Suite struct SplitInputTests {
  // A module with types of its own on top of the base (a split of no types is "No data" to the
  // kernel).
  static let pair = (base: "c_types-O2.elf", module: "c_funcs-O2.o")

  static func base() throws -> [UInt8] { try SplitBTFTests.convert(pair.base).btf }

  /// Byte positions of the type records of a standalone blob, with their kinds.
  static func records(_ btf: [UInt8]) throws -> [(pos: Int, kind: Kind)] {
    let s = try BTFSections(btf)
    var out: [(Int, Kind)] = []
    var pos = s.types.lowerBound
    while pos < s.types.upperBound {
      let info = UInt32(btf[pos + 4]) | UInt32(btf[pos + 5]) << 8 | UInt32(btf[pos + 6]) << 16 | UInt32(btf[pos + 7]) << 24
      let kind = Kind(rawValue: UInt8((info >> 24) & 0x1f))!
      out.append((pos, kind))
      pos += 12 + kind.wireTrailingBytes(vlen: Int(info & 0xffff))
    }
    return out
  }

  /// A base FUNC with linkage 7 (issue 22 item 5): the kernel refuses the base, so the module's
  /// conversion does too, with the validator's line, instead of writing split BTF no kernel
  /// takes.
  @Test func aBaseTheKernelWouldRefuseIsRefusedWithItsLine() throws {
    var base = try Self.base()
    let function = try #require(try Self.records(base).first { $0.kind == .function })
    base[function.pos + 4] = 7 // vlen: the linkage
    let expected = try #require(BTFValidator.validate(base, mode: .embedded).first).line
    #expect(expected.hasSuffix("Invalid func linkage"), "\(expected)")
    #expect {
      try Conversion(base: base).run(path: corpusObject(Self.pair.module))
    } throws: { error in
      "\(error)" == "--btf_base: \(expected)"
    }
    // The command line names the file, writes nothing and says one line.
    let dir = try temporaryDirectory()
    try Data(base).write(to: URL(fileURLWithPath: dir + "/bad.btf"))
    for arguments in [
      ["--btf_encode_detached", dir + "/out.btf", "-j", "--btf_base", dir + "/bad.btf", corpusObject(Self.pair.module)],
      ["--btf_base", dir + "/bad.btf", corpusObject(Self.pair.module), "-o", dir + "/out.btf"],
    ] {
      let r = try runCLI(arguments)
      #expect(r.status == 1 && r.stderr == "rustbtf: --btf_base \(dir)/bad.btf: \(expected)\n", "\(arguments): \(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: dir + "/out.btf"))
    }
  }

  /// Bases with one to three corrupt bytes. A base is checked as the kernel checks vmlinux's
  /// BTF when it boots (`BaseBTF.problem`: header, strings, every record's meta checks, type-tag
  /// chains; the kernel runs no resolve pass on vmlinux's BTF, nor on a module's): every base
  /// that fails those checks is refused with the `--btf_base` line, and the split BTF written on
  /// any other passes what the kernel checks of a module's (its own types, and the base types
  /// they reach, resolved). When the running kernel loads the base alone, it loads base + split.
  @Test func aCorruptBaseIsNeverUsedSilently() throws {
    let base = try Self.base()
    let s = try BTFSections(base)
    let baseTypes = try SplitBTF.typeCount(of: base)
    var rng = SplitMix64(seed: 22)
    var refused = 0
    var used = 0
    var usedThoughLoadRefuses = 0
    for _ in 0..<150 {
      var bad = base
      for _ in 0..<Int(rng.next() % 3 + 1) {
        // Most bytes in the header and type section: that is where a corrupt byte changes meaning.
        let at = Int(rng.next() % UInt64(s.strings.lowerBound + 16))
        bad[min(at, bad.count - 1)] = UInt8(truncatingIfNeeded: rng.next())
      }
      if bad == base { continue }
      let bootProblem = BTFValidator.validate(bad, mode: .embedded).first
      do {
        let split = try Conversion(base: bad).run(path: corpusObject(Self.pair.module))
        used += 1
        #expect(bootProblem == nil, "a base the kernel would not boot with was used: \(bootProblem?.line ?? "")")
        let whole = try SplitBTF.concatenate(base: bad, split: split.btf)
        #expect(BTFValidator.validate(split: whole, baseTypeCount: baseTypes).isEmpty)
        if case .rejected = KernelCheck.rejection(bad) {
          usedThoughLoadRefuses += 1
        } else if let failure = KernelCheck.acceptanceFailure(whole) {
          Issue.record("base + split: \(failure)")
        }
      } catch {
        refused += 1
        #expect("\(error)".hasPrefix("--btf_base"), "\(error)")
      }
    }
    // Only a base type no module type reaches can fail the resolve pass unnoticed (a base the
    // kernel boots with all the same): 1 of the 10 used with this seed.
    #expect(refused > 0 && used > usedThoughLoadRefuses, "refused \(refused), used \(used), \(usedThoughLoadRefuses) failing BPF_BTF_LOAD")
  }

  /// A split blob whose own header the kernel refuses (issue 22 item 6): `flags=1`, or a gap
  /// between its type and string sections. `verify -B` says so in the kernel's words, and the
  /// running kernel, given the split's header as it is, says the same; `dump -B` refuses it.
  @Test func theSplitsOwnHeaderIsCheckedAsTheKernelChecksAModules() throws {
    let base = try Self.base()
    let split = try SplitBTFTests.convert(Self.pair.module, base: base).btf
    #expect(BTFValidator.validateSplitHeader(split) == nil)
    var flagged = split
    flagged[3] = 1
    let s = try BTFSections(split)
    // A gap of 4 bytes between the type and the string section.
    var gapped = Array(split[..<s.types.upperBound]) + [0, 0, 0, 0] + Array(split[s.types.upperBound...])
    let strOff = UInt32(s.strings.lowerBound - s.headerLength + 4)
    for k in 0..<4 { gapped[16 + k] = UInt8(truncatingIfNeeded: strOff >> (8 * k)) }
    let dir = try temporaryDirectory()
    try Data(base).write(to: URL(fileURLWithPath: dir + "/base.btf"))
    for (name, blob, reason) in [("flags", flagged, "Unsupported flags"), ("gap", gapped, "Unsupported section found")] {
      #expect(BTFValidator.validateSplitHeader(blob)?.message == reason, "\(name)")
      let whole = try SplitBTF.concatenate(base: base, split: blob)
      #expect(BTFValidator.validate(whole).first?.message == reason, "\(name)")
      if case .rejected(_, let line, _) = KernelCheck.rejection(whole) { #expect(line == reason, "\(name)") }
      let path = dir + "/\(name).btf"
      try Data(blob).write(to: URL(fileURLWithPath: path))
      let verify = try runCLI(["verify", "--kernel", "-B", dir + "/base.btf", path])
      #expect(
        verify.status == 2 && verify.stdout.contains("invalid (offline validator)") && verify.stdout.contains(reason),
        "\(name): \(verify.stdout)\(verify.stderr)")
      #expect(!verify.stdout.contains("accepted by the running kernel"), "\(name): \(verify.stdout)")
      let dump = try runCLI(["dump", "-B", dir + "/base.btf", path])
      #expect(
        dump.status == 1 && dump.stdout.isEmpty && dump.stderr.contains(reason) && dump.stderr.split(separator: "\n").count == 1,
        "\(name): \(dump.stderr)")
    }
    // The valid split still passes, and the kernel takes it.
    try Data(split).write(to: URL(fileURLWithPath: dir + "/split.btf"))
    let verify = try runCLI(["verify", "-B", dir + "/base.btf", dir + "/split.btf"])
    #expect(verify.status == 0, "\(verify.stdout)")
  }

  /// `dump -B base split` prints what `bpftool btf dump file split -B base` prints: the split's
  /// own types, with their ids (issue 22 item 18).
  @Test(arguments: [["mixed-O2.elf", "mixed_lib-O2.o"], ["split_fwd_base-O2.elf", "split_fwd_mod-O2.o"]])
  func dumpOfSplitBTFIsBpftools(pair: [String]) throws {
    let bpftool = try CTools.find("bpftool", package: "bpftool")
    let base = try SplitBTFTests.convert(pair[0]).btf
    let split = try SplitBTFTests.convert(pair[1], base: base).btf
    let dir = try temporaryDirectory()
    try Data(base).write(to: URL(fileURLWithPath: dir + "/base.btf"))
    try Data(split).write(to: URL(fileURLWithPath: dir + "/split.btf"))
    let ours = try runCLI(["dump", "-B", dir + "/base.btf", dir + "/split.btf"])
    let theirs = try runTool(bpftool, ["btf", "dump", "file", dir + "/split.btf", "-B", dir + "/base.btf"])
    #expect(ours.status == 0 && theirs.status == 0, "\(ours.stderr)\(theirs.stderr)")
    #expect(!ours.stdout.isEmpty && ours.stdout == theirs.stdout, "\(pair)\nrustbtf:\n\(ours.stdout)\nbpftool:\n\(theirs.stdout)")
  }

  /// `--btf_base` on the native command line (issue 22 item 19): a module's conversion with
  /// `--explain-pruned` and `--stats` writes the split BTF pahole's command line writes.
  @Test func theNativeCommandLineTakesABase() throws {
    let dir = try temporaryDirectory()
    try Data(try Self.base()).write(to: URL(fileURLWithPath: dir + "/base.btf"))
    let module = corpusObject(Self.pair.module)
    let native = try runCLI(["--btf_base", dir + "/base.btf", "--explain-pruned", module, "-o", dir + "/native.btf"])
    #expect(native.status == 0 && !native.stdout.isEmpty, "\(native.stderr)")
    let stats = try runCLI(["--btf_base", dir + "/base.btf", "--stats", module, "-o", dir + "/stats.btf"])
    #expect(stats.status == 0 && !stats.stdout.isEmpty, "\(stats.stderr)")
    let lib = try Conversion(base: try Self.base()).run(path: module).btf
    let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/native.btf")))
    #expect(written == lib, "the native command line's split BTF is the library's")
    if let failure = KernelCheck.acceptanceFailure(try SplitBTF.concatenate(base: try Self.base(), split: written)) {
      Issue.record("base + split: \(failure)")
    }
  }

  /// `--stats` on a module whose Rust types all merge into the base's (a base made from the same
  /// object) reports what a standalone conversion reports: a type kept as the base's is as
  /// complete as the module's copy was. The members lower-rust and sanitize-names named were
  /// recorded on the module's copy, not on the base's type it merged into.
  @Test(arguments: ["rust_enums-O0.elf", "rust_layout-O2.elf"])
  func statsOnAModuleSeeTheMembersOfTypesMergedIntoTheBase(_ object: String) throws {
    let dir = try temporaryDirectory()
    let input = corpusObject(object)
    let alone = try runCLI(["-q", "--stats", input, "-o", dir + "/base.btf"])
    #expect(alone.status == 0, "\(alone.stderr)")
    let split = try runCLI(["-q", "--btf_base", dir + "/base.btf", "--stats", input, "-o", dir + "/split.btf"])
    #expect(split.status == 0, "\(split.stderr)")
    // The type lines (the module's FUNCs are the base's too, so the split holds none of them).
    func counts(_ report: String) -> [Substring] {
      report.split(separator: "\n").filter { $0.hasPrefix("  complete") || $0.hasPrefix("  opaque") || $0.hasPrefix("data-carrying") }
    }
    #expect(
      !counts(alone.stdout).isEmpty && counts(split.stdout) == counts(alone.stdout), "standalone:\n\(alone.stdout)\nsplit:\n\(split.stdout)"
    )
    let base = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/base.btf")))
    let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/split.btf")))
    if let failure = KernelCheck.acceptanceFailure(try SplitBTF.concatenate(base: base, split: written)) {
      Issue.record("base + split: \(failure)")
    }
  }

  /// `BaseBTF.read(path:)` (issue 22 item 21): raw BTF, or an ELF file's .BTF; an ELF file
  /// without .BTF is one line, not a silent standalone conversion.
  @Test func baseBTFReadRefusesAnELFFileWithoutBTF() throws {
    let dir = try temporaryDirectory()
    let base = try Self.base()
    try Data(base).write(to: URL(fileURLWithPath: dir + "/base.btf"))
    #expect(try BaseBTF.read(path: dir + "/base.btf") == base)
    let elf = dir + "/with-btf.o"
    try FileManager.default.copyItem(atPath: corpusObject(Self.pair.module), toPath: elf)
    try writeBTFSection(base, intoELF: elf)
    #expect(try BaseBTF.read(path: elf) == base)
    let plain = corpusObject(Self.pair.base)
    #expect {
      try BaseBTF.read(path: plain)
    } throws: { error in
      "\(error)" == "--btf_base \(plain): no .BTF section (build vmlinux with BTF first)"
    }
  }
}
