import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

/// Distilled base BTF (`--btf_features=distilled_base`, `.BTF.base`) and the kind layout
/// section (`layout`), on the mock kernel of the corpus: `distill_vmlinux` (as built; `2`, a
/// later version whose types moved and grew where the module only points at them; `3`, which
/// also grew a struct the module embeds) and `distill_module`, a mock out-of-tree module.
///
/// The kernel judges what it can: every base + split pair is loaded (`BPF_BTF_LOAD` takes no
/// base, so base and split are loaded as one blob, `SplitBTF.concatenate`). What the kernel does
/// when it loads a module with `.BTF.base` (relocation onto its vmlinux) has no syscall, so
/// `SplitRelocation` does it, and the relocated split is loaded on the base it was relocated
/// onto.
@Suite struct DistilledBaseTests {
  static let pahole = packageRoot + "/Corpus/pahole/"
  /// Linux 6.12's ≥ 1.26 feature line, without the features rustbtf refuses for now.
  static let features = "encode_force,var,float,enum64,decl_tag,type_tag,consistent_func"

  static func btf(_ object: String, base: [UInt8]? = nil) throws -> [UInt8] {
    try Conversion(base: base).run(path: corpusObject(object)).btf
  }

  static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

  func expectKernelAccepts(_ bytes: [UInt8], _ what: String) {
    #expect(BTFValidator.validate(bytes).isEmpty, "\(what): \(BTFValidator.validate(bytes))")
    if let failure = KernelCheck.acceptanceFailure(bytes) { Issue.record("\(what): \(failure)") }
  }

  // MARK: Distilling

  /// libbpf's `btf__distill_base`, as pahole 1.31 runs it: on pahole's own split BTF of the
  /// module, rustbtf's distillation gives pahole's `.BTF.base` and `.BTF` byte for byte.
  @Test func distillsAsPahole131() throws {
    let base = try Self.read(Self.pahole + "vmlinux.p131.btf")
    let split = try Self.read(Self.pahole + "module.p131.split.btf")
    let d = try DistilledBase.distill(split: split, base: base)
    let theirBase = try Self.read(Self.pahole + "module.p131.BTF.base")
    let theirSplit = try Self.read(Self.pahole + "module.p131.BTF")
    #expect(d.base == theirBase)
    #expect(d.split == theirSplit)
    #expect(
      d.baseTypes == (try BTFDecoder.decode(theirBase)).count - 1 && d.movedTypes > 0, "\(d.baseTypes) distilled, \(d.movedTypes) moved")
  }

  /// What the distilled base holds: named INT, FLOAT, FWD, and STRUCT, UNION, ENUM with their
  /// sizes and nothing else; the rest the module needs moved into its split. The kernel takes
  /// the distilled base with the split on it (as it parses a module's `.BTF.base` and `.BTF`).
  @Test func distilledBaseHoldsNamedSizedTypesOnly() throws {
    let base = try Self.btf("distill_vmlinux-O2.o")
    let split = try Self.btf("distill_module-O2.o", base: base)
    let d = try PaholeOutput.distill(split: split, base: base, inputName: "distill_module-O2.o")
    let g = try BTFDecoder.decode(d.base)
    var names: [String] = []
    for id in g.ids {
      let kind = g.kind(id)
      #expect([.int, .float, .forward, .structure, .union, .enumeration].contains(kind), "\(kind.btfName) in the distilled base")
      #expect(!g.nameString(id).isEmpty && g.memberCount(id) == 0)
      names.append("\(kind.btfName) \(g.nameString(id))")
    }
    // The base types the module names, by their names; what they point at only when needed.
    for expected in [
      "STRUCT list_head", "STRUCT kobject", "STRUCT driver", "STRUCT device", "UNION key", "ENUM dev_state",
      "ENUM big_flags", "FWD opaque", "INT int",
    ] {
      #expect(names.contains(expected), "\(expected) not in \(names)")
    }
    // ENUM64 is written as an ENUM of its size (libbpf's btf__add_enum).
    #expect(g.ids.contains { g.nameString($0) == "big_flags" && g.size($0) == 8 && g.kind($0) == .enumeration })
    // Typedefs, pointers and anonymous types are in the split, not the base.
    #expect(!names.contains { $0.hasPrefix("TYPEDEF") || $0.hasPrefix("PTR") })
    expectKernelAccepts(try SplitBTF.concatenate(base: d.base, split: d.split), "distilled base + split")
  }

  // MARK: Relocating

  /// The module relocated onto the base it was built against, and onto a later vmlinux whose
  /// types moved: every module type refers to the same types (by name) as before, and the
  /// kernel takes the relocated split on each base. Without the distilled base, the module's
  /// split on the later vmlinux refers to the wrong types.
  @Test(arguments: ["O0", "O2"])
  func relocatesOntoItsBaseAndALaterOne(opt: String) throws {
    let base = try Self.btf("distill_vmlinux-\(opt).o")
    let later = try Self.btf("distill_vmlinux2-\(opt).o")
    let split = try Self.btf("distill_module-\(opt).o", base: base)
    let d = try DistilledBase.distill(split: split, base: base)
    let original = try BTFDecoder.decode(try SplitBTF.concatenate(base: base, split: split))
    let baseCount = try BTFDecoder.decode(base).count
    let ownCount = original.count - baseCount

    for (target, label) in [(base, "its base"), (later, "the later vmlinux")] {
      let relocated = try SplitRelocation.relocate(split: d.split, distilledBase: d.base, onto: target)
      let whole = try SplitBTF.concatenate(base: target, split: relocated)
      expectKernelAccepts(whole, "\(opt): relocated onto \(label)")
      let g = try BTFDecoder.decode(whole)
      let targetCount = try BTFDecoder.decode(target).count
      for k in 0..<ownCount {
        #expect(
          Self.render(g, TypeID(targetCount + k)) == Self.render(original, TypeID(baseCount + k)),
          "\(opt), \(label): module type \(k)")
      }
    }
    // The same split without relocation, on the later vmlinux: its ids assume the old base.
    let wrong = try BTFDecoder.decode(try SplitBTF.concatenate(base: later, split: split))
    let laterCount = try BTFDecoder.decode(later).count
    #expect(
      (0..<ownCount).contains { k in
        Self.render(wrong, TypeID(laterCount + k)) != Self.render(original, TypeID(baseCount + k))
      })
  }

  /// A vmlinux that grew a struct the module embeds (`struct kobject` in `struct my_priv`) is
  /// refused, as the kernel refuses it: the module's layout would be wrong.
  @Test func relocationRefusesAGrownEmbeddedStruct() throws {
    let base = try Self.btf("distill_vmlinux-O2.o")
    let grown = try Self.btf("distill_vmlinux3-O2.o")
    let d = try DistilledBase.distill(split: try Self.btf("distill_module-O2.o", base: base), base: base)
    let e = #expect(throws: EncodeError.self) { try SplitRelocation.relocate(split: d.split, distilledBase: d.base, onto: grown) }
    #expect(
      e?.description.contains("'kobject'") == true && e?.description.contains("not mapped to base BTF id") == true,
      "\(String(describing: e))")
    // The later vmlinux, whose only growth is behind pointers, is fine (see above); this one
    // differs from it by the embedded struct alone.
    _ = try SplitRelocation.relocate(split: d.split, distilledBase: d.base, onto: try Self.btf("distill_vmlinux2-O2.o"))
  }

  /// The type `id` as the module sees it: its kind, name and members, and what it refers to,
  /// down to named types, which are given by kind class and name (their sizes are the
  /// relocation's to check).
  static func render(_ g: TypeGraph, _ id: TypeID, depth: Int = 0) -> String {
    if id == .void { return "void" }
    let kind = g.kind(id)
    let name = g.nameString(id)
    if depth > 0 && !name.isEmpty {
      switch kind {
      case .structure, .union, .forward: return "composite \(name)"
      case .enumeration, .enum64: return "enum \(name)"
      case .int, .float: return "\(kind.btfName) \(name) \(g.size(id))"
      default: break
      }
    }
    if depth > 8 { return "…" }
    var s = "\(kind.btfName) '\(name)'"
    switch kind {
    case .structure, .union, .enumeration, .enum64, .int, .float, .dataSection: s += " size=\(g.size(id))"
    case .array: s += " n=\(g.aux(id))"
    case .forward, .function, .variable, .declTag: s += " aux=\(g.aux(id))"
    default: break
    }
    if g.ref(id) != .void || [.pointer, .typedef, .const, .volatile, .restrict, .typeTag, .functionProto].contains(kind) {
      s += " -> (\(render(g, g.ref(id), depth: depth + 1)))"
    }
    for m in g.memberRange(id) {
      s += " [\(g.strings.string(g.memberNames[m])) @\(g.memberValues[m]):\(g.memberBits[m]) "
      if kind.hasMembers && kind != .enumeration && kind != .enum64 { s += render(g, g.memberTypes[m], depth: depth + 1) }
      s += "]"
    }
    return s
  }

  // MARK: pahole's command line

  /// `rustbtf -J --btf_base BASE --btf_features=…,distilled_base MODULE`, as 6.12 builds an
  /// out-of-tree module: the module gets `.BTF` and `.BTF.base`, the distillation of its split
  /// BTF; detached output gets the plain split BTF, as with pahole; and without `--btf_base`
  /// the request fails with one line and leaves the file as it was.
  @Test func paholeCommandLineWritesBTFBase() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let baseBTF = try Self.btf("distill_vmlinux-O2.o")
    try Data(baseBTF).write(to: URL(fileURLWithPath: dir + "/vmlinux.btf"))
    let module = dir + "/module.o"
    try FileManager.default.copyItem(atPath: corpusObject("distill_module-O2.o"), toPath: module)
    let line = "--btf_features=\(Self.features),distilled_base"

    let detached = try runCLI(["--btf_base", dir + "/vmlinux.btf", line, "--btf_encode_detached", dir + "/split.btf", module])
    #expect(detached.status == 0, "\(detached.stderr)")
    let split = try Self.read(dir + "/split.btf")
    let expected = try Self.btf("distill_module-O2.o", base: baseBTF)
    #expect(split == expected)

    let run = try runCLI(["-J", "--btf_base", dir + "/vmlinux.btf", line, module])
    #expect(run.status == 0, "\(run.stderr)")
    let d = try DistilledBase.distill(split: split, base: baseBTF)
    let written = try readBTFSection(fromELF: module)
    let writtenBase = try readBTFSection(fromELF: module, sectionName: ".BTF.base")
    #expect(written == d.split)
    #expect(writtenBase == d.base)
    // The kernel relocates it onto the base it was built on.
    let relocated = try SplitRelocation.relocate(split: d.split, distilledBase: d.base, onto: baseBTF)
    expectKernelAccepts(try SplitBTF.concatenate(base: baseBTF, split: relocated), "-J output relocated")
    // Again, on the file that has both sections now: the same bytes.
    let again = try runCLI(["-J", "--btf_base", dir + "/vmlinux.btf", line, module])
    let rewritten = try readBTFSection(fromELF: module, sectionName: ".BTF.base")
    #expect(again.status == 0 && rewritten == d.base, "\(again.stderr)")

    let plain = dir + "/plain.o"
    try FileManager.default.copyItem(atPath: corpusObject("distill_module-O2.o"), toPath: plain)
    let before = try Self.read(plain)
    let noBase = try runCLI(["-J", line, plain])
    #expect(
      noBase.status != 0 && noBase.stderr.contains("--btf_base") && noBase.stderr.split(separator: "\n").count == 1,
      "\(noBase.status): \(noBase.stderr)")
    let after = try Self.read(plain)
    #expect(after == before)
  }

  // MARK: Kind layout

  /// The layout section as pahole master (libbpf 1.8) writes it: taking pahole's section out
  /// and rustbtf's in gives pahole's bytes.
  @Test func kindLayoutIsPaholeMasters() throws {
    let theirs = try Self.read(Self.pahole + "vmlinux.pmaster.layout.btf")
    let sections = try #require(try KindLayout.sections(of: theirs))
    #expect(Array(theirs[sections.layout]) == KindLayout.section)
    let ours = try KindLayout.adding(to: try KindLayout.removing(from: theirs))
    #expect(ours == theirs)
  }

  /// BTF with the layout section passes Linux 7.1's header checks; the running kernel (before
  /// 7.1) refuses it with the line the validator gives for pre-7.1 kernels, and takes the same
  /// BTF without it. So layout is for 7.1 kernels only, and only the validator and libbpf
  /// (scripts/check-libbpf.sh) can check it here.
  @Test func kindLayoutLoadsOnlyOn71() throws {
    let plain = try Self.btf("distill_vmlinux-O2.o")
    let withLayout = try KindLayout.adding(to: plain)
    #expect(BTFValidator.validate(withLayout, limits: .linux7_1).isEmpty, "\(BTFValidator.validate(withLayout, limits: .linux7_1))")
    let old = BTFValidator.validate(withLayout)
    #expect(old.first?.line == "Unsupported btf_header")
    switch KernelCheck.rejection(withLayout) {
    case .skipped: break
    case .failure(let why): Issue.record(Comment(rawValue: why))
    case .rejected(_, let line, _): #expect(line == old.first?.line)
    }
    expectKernelAccepts(plain, "the same BTF without the layout section")
    // A layout section that overlaps the strings is refused by the 7.1 checks (the sections
    // are checked before the layout section's own alignment and size).
    var bad = withLayout
    let layoutOff = ByteReader(bytes: bad).u32(24) - 4 // into the types
    for k in 0..<4 { bad[24 + k] = UInt8(truncatingIfNeeded: layoutOff >> (8 * UInt32(k))) }
    #expect(BTFValidator.validate(bad, limits: .linux7_1).first?.line == "Section overlap found")
  }

  /// `--btf_features=…,layout`: base BTF gets the section, split BTF (with `--btf_base`) does
  /// not, as with pahole master.
  @Test func layoutFeatureIsForBaseBTFOnly() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let line = "--btf_features=\(Self.features),layout"
    let base = try runCLI([line, "--btf_encode_detached", dir + "/base.btf", corpusObject("distill_vmlinux-O2.o")])
    #expect(base.status == 0, "\(base.stderr)")
    let baseBTF = try Self.read(dir + "/base.btf")
    let layout = try KindLayout.sections(of: baseBTF)
    #expect(layout != nil)
    let without = try KindLayout.removing(from: baseBTF)
    let plain = try Self.btf("distill_vmlinux-O2.o")
    #expect(without == plain)
    let split = try runCLI([
      "--btf_base", dir + "/base.btf", line, "--btf_encode_detached", dir + "/split.btf", corpusObject("distill_module-O2.o"),
    ])
    #expect(split.status == 0, "\(split.stderr)")
    let splitLayout = try KindLayout.sections(of: try Self.read(dir + "/split.btf"))
    #expect(splitLayout == nil)
  }
}
