import Encode
import Foundation
import LayoutCheck
import RustBTF
import Testing
import TypeGraph

// The layout comparison itself is Tools/LayoutCheck (also `rustbtf-layout-check`, which
// scripts/kernel-e2e.sh runs on a kernel's Rust modules and vmlinux).

@Suite struct LayoutTests {
  /// Every C struct and union (named or anonymous, bit fields included) of the C objects has,
  /// in our BTF, the same name, kind, size and members (name, bit offset, bit-field size, size
  /// of the member's type) as llvm-dwarfdump reads from the DWARF. DWARF 4's `DW_AT_bit_offset`
  /// is checked through the `-dwarf4` object.
  @Test(arguments: ["c_types-O0.o", "c_funcs-O0.o", "c_types-O0-dwarf4.o", "c_types-O2.o", "c_dedup-O0.elf", "mixed_main-O0.o"])
  func cLayoutsMatchLLVMDwarfdump(object: String) throws {
    let report = try compareLayouts(file: corpusObject(object)) { _, _ in true }
    print(report.summary)
    #expect(report.compared > 0, "\(object): no struct or union compared")
    #expect(report.mismatches.isEmpty, "\(report.summary)")
    #expect(report.notInBTF.isEmpty, "\(object): structs or unions missing from our BTF: \(report.notInBTF)")
    #expect(report.renamed.isEmpty, "\(object): C names must be kept as they are: \(report.renamed)")
  }

  /// A struct copy that dedup at import merged before it was a node is found through the node it
  /// was merged into (the all-components kernel's Rust units once gave 1,328 "not in our BTF").
  @Test func copiesMergedAtImportAreFoundThroughTheirRepresentative() throws {
    // Two C units with the same structs, read as one range, so their copies merge at import.
    let file = corpusObject("c_dedup-O0.elf")
    let tree = try DwarfdumpTree(file: file)
    var conversion = Conversion()
    conversion.importOptions.threads = 1
    conversion.importOptions.rangesPerThread = 1
    let result = try conversion.run(path: file)
    #expect(!result.graph.decisions.copiesMergedAtImport.isEmpty, "no copy merged at import: the test shows nothing")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(failure)") }
    // Every struct DIE by its offset, not by the name fallback (which found the C `task_struct`
    // for bindgen's copy in the kernel).
    let btf = try BTFDecoder.decode(result.btf)
    let byOffset = try btfIDsByDIEOffset(file: file, result: result, btf: btf).byOffset
    let structs = tree.dies.indices.filter { tree[$0].tag == "DW_TAG_structure_type" && !tree[$0].isDeclaration }
    #expect(!structs.isEmpty)
    for i in structs { #expect(byOffset[tree[i].offset] != nil, "DIE 0x\(String(tree[i].offset, radix: 16)) has no BTF id") }
    let report = try compareLayouts(file: file, tree: tree, result: result) { _, _ in true }
    #expect(report.compared > 0 && report.mismatches.isEmpty, "\(report.summary)")
    #expect(report.notInBTF.isEmpty, "structs or unions missing from our BTF: \(report.notInBTF)")
  }

  /// Rust structs and unions, variant structs included (data-carrying enums themselves are
  /// checked by `rustEnumsKeepDiscriminantAndVariants`), keep their size and every member's
  /// offset, bit size and type size; a member BTF cannot type is opaque bytes at the same place.
  /// Names that were sanitized are compared by position; identifiers (`__0`, `len`) must be
  /// unchanged, or only gain a qualifying prefix (`Some` -> `Option_u32___Some`).
  @Test(arguments: [
    "rust_layout-O0.o", "rust_layout-O2.o", "rust_enums-O0.o", "rust_traits-O0.o", "rust_generics-O0.o", "rust_async-O0.o",
    "rust_nostd-O0.o", "mixed_lib-O0.o",
  ])
  func rustLayoutsMatchLLVMDwarfdump(object: String) throws {
    let selection: Set<String> =
      object != "rust_layout-O0.o"
      ? []
      : [
        "Reordered", "CLayout", "Packed", "Packed2", "Bits", "RustUnion", "Zst", "WithZst",
        "Numbers", "Matrix", "Views", "Tail<[u8]>", "Tail<str>", "Tail<[u16]>", "&str", "&[u8]",
        "&mut [i32]", "*const [u8]", "(u8, u32)", "(i64, char, bool)", "(u8, u8)", "(u16, u16)",
        "String", "Vec<u8, alloc::alloc::Global>",
      ]
    var variantTypes = 0
    let report = try compareLayouts(file: corpusObject(object)) { tree, i in
      // No variant part in the type itself (its variant structs, `State<u8>::Running`, are in).
      let d = tree[i]
      if d.children.contains(where: { tree[$0].tag == "DW_TAG_variant_part" }) {
        variantTypes += 1
        return false
      }
      return true
    }
    print(report.summary)
    let missing = selection.subtracting(report.comparedNames)
    #expect(missing.isEmpty, "\(object): selected types not found in our BTF: \(missing.sorted())")
    #expect(report.mismatches.isEmpty, "\(report.summary)")
    #expect(report.compared > 0, "\(object): no struct or union compared")
    if object == "rust_layout-O0.o" || object == "rust_enums-O0.o" {
      #expect(variantTypes > 0, "the selection should have met (and skipped) data-carrying enums")
    }
  }

  /// The same comparisons on files of your own, such as a kernel's Rust modules:
  /// `RUSTBTF_LAYOUT_FILES=a.ko:b.ko swift test --filter layoutsOfGivenFilesMatchLLVMDwarfdump`.
  /// Each file is converted on its own; every struct and union but data-carrying enums is compared
  /// by layout, and every data-carrying enum by discriminant and variants. A file named
  /// `vmlinux@rust` is read for its Rust units only (a whole vmlinux is more than llvm-dwarfdump's
  /// text can hold in a test; its C types are pahole's, compared by `scripts/bench.sh`). Without the
  /// variable there is nothing to compare, and the test records that it compared nothing.
  @Test func layoutsOfGivenFilesMatchLLVMDwarfdump() throws {
    guard let list = ProcessInfo.processInfo.environment["RUSTBTF_LAYOUT_FILES"], !list.isEmpty else {
      withKnownIssue("RUSTBTF_LAYOUT_FILES is not set: no file of your own to compare") { throw CLIError("not set") }
      return
    }
    for entry in list.split(separator: ":").map(String.init) {
      let rustOnly = entry.hasSuffix("@rust")
      let file = rustOnly ? String(entry.dropLast("@rust".count)) : entry
      let check = try FileLayoutCheck(file: file, units: rustOnly ? .rust : .all)
      print(check.layouts.summary)
      print(check.enums.summary)
      #expect(check.layouts.compared > 0, "\(file): no struct or union compared")
      #expect(check.layouts.mismatches.isEmpty, "\(check.layouts.summary)")
      #expect(check.enums.problems.isEmpty, "\(check.enums.problems.joined(separator: "\n"))")
    }
  }

  /// Data-carrying enums keep their discriminant and variants (`compareRustEnums`).
  @Test(arguments: ["rust_enums-O0.o", "rust_enums-O2.elf", "rust_async-O0.o", "rust_layout-O0.o"])
  func rustEnumsKeepDiscriminantAndVariants(object: String) throws {
    let report = try compareRustEnums(file: corpusObject(object))
    print(report.summary)
    #expect(report.enums > 0 && report.variants > 0)
    #expect(report.problems.isEmpty, "\(report.problems.joined(separator: "\n"))")
  }

  /// The comparison finds a wrong layout: the BTF of `c_types-O0.o` re-encoded with one member of
  /// `struct flags` moved by a byte is reported, and so is a member of a Rust struct moved.
  @Test func aMovedMemberIsAMismatch() throws {
    let noVariantPart = { (tree: DwarfdumpTree, i: Int) in !tree[i].children.contains { tree[$0].tag == "DW_TAG_variant_part" } }
    for (object, structName) in [("c_types-O0.o", "flags"), ("rust_layout-O0.o", nil)] {
      let file = corpusObject(object)
      let tree = try DwarfdumpTree(file: file)
      var result = try Conversion().run(path: file)
      let clean = try compareLayouts(file: file, tree: tree, result: result, select: noVariantPart)
      #expect(clean.mismatches.isEmpty && clean.compared > 0)
      // The first member past offset 0 of the named struct, or of the first struct with members.
      let victim = try #require(
        result.graph.encodingSequence().first {
          result.graph.kind($0) == .structure && result.graph.memberCount($0) > 1
            && (structName == nil || result.graph.nameString($0) == structName)
        })
      let i = result.graph.memberRange(victim).last!
      result.graph.setMemberValue(at: i, result.graph.member(at: i).value + 8)
      result.btf = try BTFEncoder().encode(result.graph)
      let report = try compareLayouts(file: file, tree: tree, result: result, select: noVariantPart)
      let name = result.graph.nameString(victim)
      #expect(report.mismatches.contains { $0.contains("'\(name)'") && $0.contains("bits_offset=") }, "\(object): \(report.summary)")
    }
  }

  /// The reader of llvm-dwarfdump's text itself, on a known C struct.
  @Test func dwarfdumpReaderReadsBitFields() throws {
    let tree = try DwarfdumpTree(file: corpusObject("c_types-O0.o"))
    let flags = try #require(tree.dies.indices.first { tree[$0].tag == "DW_TAG_structure_type" && tree[$0].name == "flags" })
    #expect(tree[flags].number("DW_AT_byte_size") == 16)
    let members = tree[flags].children.filter { tree[$0].tag == "DW_TAG_member" }
    #expect(members.map { tree[$0].name ?? "" }.prefix(3) == ["a", "b", "s"])
    #expect(tree[members[1]].number("DW_AT_data_bit_offset") == 3 && tree[members[1]].number("DW_AT_bit_size") == 7)
  }
}
