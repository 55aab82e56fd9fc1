import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph

// Goldens are recorded by rustbtf itself, so they cannot catch a layout the importer or a pass
// gets wrong from the start. These tests compare the struct and union layouts of our final BTF
// (encoded, then decoded) with an independent DWARF reader: LLVM's `llvm-dwarfdump` (Debian
// package `llvm`; it shares no code with libdw, which our importer uses).

/// The independent reader: `$RUSTBTF_DWARFDUMP`, else `llvm-dwarfdump` or a versioned one.
let dwarfdumpPath: String? = {
  let fm = FileManager.default
  if let p = ProcessInfo.processInfo.environment["RUSTBTF_DWARFDUMP"], fm.isExecutableFile(atPath: p) { return p }
  let candidates = ["/usr/bin/llvm-dwarfdump"] + (14...25).reversed().map { "/usr/bin/llvm-dwarfdump-\($0)" }
  return candidates.first { fm.isExecutableFile(atPath: $0) }
}()

/// One DIE of `llvm-dwarfdump --debug-info` output.
struct DumpedDIE {
  var offset: UInt64
  var tag: String
  var parent: Int?
  var children: [Int] = []
  /// Attribute name -> the text between the outer parentheses (`"flags"`, `0x10`, `0x0000003c "int"`).
  var attributes: [String: String] = [:]

  func string(_ at: String) -> String? {
    guard let v = attributes[at], let open = v.firstIndex(of: "\""), let close = v.lastIndex(of: "\""), open < close else { return nil }
    return String(v[v.index(after: open)..<close])
  }
  func number(_ at: String) -> UInt64? {
    guard let v = attributes[at] else { return nil }
    let token = v.split(separator: " ").first.map(String.init) ?? v
    if token.hasPrefix("0x") { return UInt64(token.dropFirst(2), radix: 16) }
    if token == "true" { return 1 }
    if let n = UInt64(token) { return n }
    // DWARF 2 locations: `DW_OP_plus_uconst 0x8`.
    if token == "DW_OP_plus_uconst", let arg = v.split(separator: " ").dropFirst().first {
      return arg.hasPrefix("0x") ? UInt64(arg.dropFirst(2), radix: 16) : UInt64(arg)
    }
    return nil
  }
  var name: String? { string("DW_AT_name") }
  var isDeclaration: Bool { attributes["DW_AT_declaration"] != nil }
}

/// The DIE tree of one ELF file as `llvm-dwarfdump --debug-info` prints it.
struct DwarfdumpTree {
  var dies: [DumpedDIE] = []
  var byOffset: [UInt64: Int] = [:]

  init(file: String) throws {
    guard let tool = dwarfdumpPath else {
      throw ConversionError("llvm-dwarfdump not found: install the Debian package 'llvm' (or set RUSTBTF_DWARFDUMP)")
    }
    let r = try runTool(tool, ["--debug-info", file])
    guard r.status == 0 else { throw ConversionError("\(tool) --debug-info \(file) exited with \(r.status)") }
    try parse(r.stdout)
  }

  private mutating func parse(_ text: String) throws {
    var stack: [(depth: Int, index: Int)] = []
    var current: Int?
    for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
      let line = Substring(raw)
      if line.hasPrefix("0x"), let colon = line.firstIndex(of: ":") {
        let offText = line[line.index(line.startIndex, offsetBy: 2)..<colon]
        let rest = line[line.index(after: colon)...]
        let spaces = rest.prefix { $0 == " " }.count
        let tagText = rest.dropFirst(spaces)
        guard let off = UInt64(offText, radix: 16) else { continue }
        if tagText.hasPrefix("Compile Unit") || tagText.hasPrefix("Type Unit") {
          current = nil
          stack = []
          continue
        }
        if tagText.hasPrefix("NULL") {
          current = nil
          continue
        }
        guard tagText.hasPrefix("DW_TAG_") else {
          current = nil
          continue
        }
        let depth = (spaces - 1) / 2
        while let top = stack.last, top.depth >= depth { stack.removeLast() }
        let index = dies.count
        var die = DumpedDIE(offset: off, tag: String(tagText.split(separator: " ").first!), parent: stack.last?.index)
        die.attributes = [:]
        dies.append(die)
        if let p = stack.last?.index { dies[p].children.append(index) }
        byOffset[off] = index
        stack.append((depth, index))
        current = index
        continue
      }
      guard let cur = current else { continue }
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      guard trimmed.hasPrefix("DW_AT_"), let tab = trimmed.firstIndex(where: { $0 == "\t" || $0 == " " }) else { continue }
      let at = String(trimmed[..<tab])
      var value = trimmed[tab...].drop { $0 == "\t" || $0 == " " }
      if value.hasPrefix("("), value.hasSuffix(")") { value = value.dropFirst().dropLast() }
      dies[cur].attributes[at] = String(value)
    }
    if dies.isEmpty { throw ConversionError("llvm-dwarfdump printed no DIE") }
  }

  subscript(_ i: Int) -> DumpedDIE { dies[i] }
  func die(at offset: UInt64) -> Int? { byOffset[offset] }
  func type(of i: Int) -> Int? {
    guard let v = dies[i].attributes["DW_AT_type"], let off = DumpedDIE(offset: 0, tag: "", attributes: ["t": v]).number("t") else {
      return nil
    }
    return byOffset[off]
  }

  static let modifierTags: Set<String> = [
    "DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type",
    "DW_TAG_atomic_type", "DW_TAG_immutable_type",
  ]
  static let compositeTags: Set<String> = ["DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_class_type"]

  /// The DIE a type reference ends at once typedefs and qualifiers are skipped.
  func resolved(_ i: Int) -> Int {
    var t = i
    var steps = 0
    while Self.modifierTags.contains(dies[t].tag), let next = type(of: t), steps < 64 {
      t = next
      steps += 1
    }
    return t
  }

  /// The byte size of a value of DIE `i`'s type, from the DWARF alone; nil when it has none.
  func byteSize(_ i: Int, depth: Int = 0) -> UInt64? {
    if depth > 64 { return nil }
    let d = dies[i]
    if let s = d.number("DW_AT_byte_size") { return s }
    switch d.tag {
    case _ where Self.modifierTags.contains(d.tag):
      return type(of: i).flatMap { byteSize($0, depth: depth + 1) }
    case "DW_TAG_pointer_type", "DW_TAG_reference_type", "DW_TAG_rvalue_reference_type":
      return 8
    case "DW_TAG_array_type":
      guard let e = type(of: i), let elem = byteSize(e, depth: depth + 1) else { return nil }
      var n: UInt64 = 1
      for c in d.children where dies[c].tag == "DW_TAG_subrange_type" {
        if let count = dies[c].number("DW_AT_count") {
          n *= count
        } else if let ub = dies[c].number("DW_AT_upper_bound") {
          n *= ub + 1 - (dies[c].number("DW_AT_lower_bound") ?? 0)
        } else {
          n = 0
        }
      }
      return n * elem
    default:
      return nil
    }
  }

  /// `rust_layout::Tail<str>`: the names of the enclosing namespaces and types, then the DIE's.
  func qualifiedName(_ i: Int) -> String {
    var parts = [dies[i].name ?? "(anon)"]
    var p = dies[i].parent
    while let q = p, dies[q].tag != "DW_TAG_compile_unit" {
      parts.insert(dies[q].name ?? "(anon)", at: 0)
      p = dies[q].parent
    }
    return parts.joined(separator: "::")
  }
}

/// A member as both readers see it.
struct MemberLayout: Equatable, CustomStringConvertible {
  var name: String
  var bitOffset: UInt64
  var bitSize: UInt32
  var byteSize: UInt64?
  var description: String {
    "'\(name)' bits_offset=\(bitOffset)" + (bitSize != 0 ? " bitfield_size=\(bitSize)" : "") + " size=\(byteSize.map(String.init) ?? "?")"
  }
}

/// What one file's comparison found.
struct LayoutReport {
  var file: String
  var compared = 0
  var members = 0
  var declarations = 0
  var opaqueMembers: [String] = []
  var renamed: [String] = []
  var notInBTF: [String] = []
  var tails: [String] = []
  var mismatches: [String] = []
  var comparedNames: Set<String> = []

  var summary: String {
    var s =
      """
      \(file): \(compared) structs/unions, \(members) members and \(declarations) declarations compared with llvm-dwarfdump; \
      \(mismatches.count) mismatch(es)
      """
    s += "; \(opaqueMembers.count) member(s) made opaque (same offset and size)"
    s += "; \(renamed.count) name(s) sanitized; \(notInBTF.count) not in our BTF"
    s += "; \(tails.count) unsized tail(s) as zero-length arrays"
    for m in mismatches { s += "\n  MISMATCH \(m)" }
    for m in tails { s += "\n  tail     \(m)" }
    for m in opaqueMembers { s += "\n  opaque   \(m)" }
    for m in renamed.prefix(40) { s += "\n  renamed  \(m)" }
    for m in notInBTF.prefix(40) { s += "\n  absent   \(m)" }
    return s
  }
}

/// Compares every struct and union DIE of `file` that `select` accepts with our final BTF.
/// A DIE is found in the BTF through the DIE offset the importer recorded on the node that
/// encodes as it (dedup keeps one node per class, so a merged copy is then found by its name),
/// or, for an anonymous member type, through the member of its matched parent.
func compareLayouts(file: String, select: (DwarfdumpTree, Int) -> Bool) throws -> LayoutReport {
  let tree = try DwarfdumpTree(file: file)
  let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: file)
  let btf = try BTFDecoder.decode(result.btf)
  var report = LayoutReport(file: (file as NSString).lastPathComponent)

  // Decoded id k is the k-th node of the final graph's encoding sequence.
  let sequence = result.graph.encodingSequence()
  var btfByOffset: [UInt64: TypeID] = [:]
  var btfByName: [String: [TypeID]] = [:]
  for (k, node) in sequence.enumerated() {
    let id = TypeID(k + 1)
    guard id.index < btf.count, btf.kind(id) == result.graph.kind(node), btf.nameString(id) == result.graph.nameString(node) else {
      throw ConversionError("\(file): decoded id \(k + 1) is not node \(node.rawValue) of the final graph")
    }
    let kind = btf.kind(id)
    guard kind == .structure || kind == .union else { continue }
    let off = result.graph.origin(node).dieOffset
    if off != 0 { btfByOffset[off] = id }
    btfByName[btf.nameString(id), default: []].append(id)
  }

  func resolvedBTF(_ t: TypeID) -> TypeID {
    var t = t
    var steps = 0
    while [.typedef, .const, .volatile, .restrict, .typeTag].contains(btf.kind(t)), steps < 64 {
      t = btf.ref(t)
      steps += 1
    }
    return t
  }
  func dwarfMembers(_ i: Int) -> [(MemberLayout, Int?)] {
    let d = tree[i]
    let storageSize = { (m: DumpedDIE, t: Int?) -> UInt64 in m.number("DW_AT_byte_size") ?? t.flatMap { tree.byteSize($0) } ?? 0 }
    var out: [(MemberLayout, Int?)] = []
    for c in d.children where tree[c].tag == "DW_TAG_member" && !tree[c].isDeclaration && tree[c].attributes["DW_AT_external"] == nil {
      let m = tree[c]
      let t = tree.type(of: c)
      let bits = UInt32(m.number("DW_AT_bit_size") ?? 0)
      var offset: UInt64
      if let dbo = m.number("DW_AT_data_bit_offset") {
        offset = dbo
      } else {
        offset = (m.number("DW_AT_data_member_location") ?? 0) * 8
        if let bo = m.number("DW_AT_bit_offset") { // DWARF 4, counted from the storage unit's top bit
          offset += storageSize(m, t) * 8 - bo - UInt64(bits)
        }
      }
      out.append((MemberLayout(name: m.name ?? "", bitOffset: offset, bitSize: bits, byteSize: t.flatMap { tree.byteSize($0) }), t))
    }
    // rustc repeats a coroutine's captured variable in a suspend variant; lower-rust drops the
    // exact copy (PASSES.md), so the comparison does too.
    out = out.enumerated().filter { k, m in !out[..<k].contains { $0.0 == m.0 && $0.1 == m.1 } }.map(\.element)
    // BTF lists members by offset (sanitize-names sorts them, stable); DWARF in source order.
    return out.enumerated().sorted { ($0.element.0.bitOffset, $0.offset) < ($1.element.0.bitOffset, $1.offset) }.map(\.element)
  }
  func btfMembers(_ id: TypeID) -> [MemberLayout] {
    btf.members(of: id).map {
      MemberLayout(name: btf.strings.string($0.name), bitOffset: $0.value, bitSize: $0.bits, byteSize: btf.byteSize(of: $0.type))
    }
  }
  func isIdentifier(_ s: String) -> Bool {
    guard let f = s.unicodeScalars.first, f == "_" || (f.isASCII && f.properties.isAlphabetic) else { return false }
    return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
  }

  var visited = Set<Int>()
  func compare(_ i: Int, _ b: TypeID, how: String) {
    if !visited.insert(i).inserted { return }
    let d = tree[i]
    let label =
      "\(tree.qualifiedName(i)) (DIE 0x\(String(d.offset, radix: 16)), BTF [\(b.rawValue)] '\(btf.nameString(b))', found by \(how))"
    report.compared += 1
    report.comparedNames.insert(d.name ?? "")
    let wantKind: Kind = d.tag == "DW_TAG_union_type" ? .union : .structure
    if btf.kind(b) != wantKind { report.mismatches.append("\(label): kind \(btf.kind(b).btfName), DWARF \(d.tag)") }
    let dwarfName = d.name ?? ""
    let btfName = btf.nameString(b)
    if dwarfName != btfName {
      // An identifier keeps its name, or gains only a qualifying prefix or a disambiguating
      // suffix (sanitize-names keeps names injective: two `ExitCode`s in different modules).
      if isIdentifier(dwarfName) && !(btfName.hasSuffix("_" + dwarfName) || btfName.hasPrefix(dwarfName + "_")) {
        report.mismatches.append("\(label): name '\(btfName)', DWARF '\(dwarfName)'")
      } else {
        report.renamed.append("'\(dwarfName)' -> '\(btfName)'")
      }
    }
    if let s = d.number("DW_AT_byte_size"), UInt64(btf.size(b)) != s {
      report.mismatches.append("\(label): size \(btf.size(b)), DWARF \(s)")
    }
    var dm = dwarfMembers(i)
    let bm = btfMembers(b)
    // rustc describes an unsized tail (`Tail<[u8]>`'s `data`) as one element starting at the end
    // of the struct; the kernel rejects such a member ("Member exceeds struct_size"), and
    // lower-rust makes it a zero-length array of that element at the same place (PASSES.md).
    // Reported, and compared as a member of size 0 whose array element has the DWARF size.
    if let structSize = d.number("DW_AT_byte_size") {
      for k in dm.indices where dm[k].0.bitSize == 0 && dm[k].0.bitOffset == structSize * 8 && (dm[k].0.byteSize ?? 0) > 0 {
        let tail = dm[k].0
        if bm.contains(where: { $0.bitOffset == tail.bitOffset && $0.name == tail.name }),
          let t = btf.members(of: b).first(where: { btf.strings.string($0.name) == tail.name }).map({ resolvedBTF($0.type) }),
          btf.kind(t) == .array, btf.aux(t) == 0, btf.byteSize(of: btf.ref(t)) == tail.byteSize
        {
          report.tails.append("\(tree.qualifiedName(i)).\(tail.name): \(tail) in the DWARF, a zero-length array of it in BTF")
          dm[k].0.byteSize = 0
        }
      }
    }
    if dm.count != bm.count {
      report.mismatches.append(
        """
        \(label): \(bm.count) members [\(bm.map(\.description).joined(separator: ", "))], DWARF \(dm.count) \
        [\(dm.map(\.0.description).joined(separator: ", "))]
        """
      )
      return
    }
    let btfTypes = btf.members(of: b).map(\.type)
    for (k, (want, dwarfType)) in dm.enumerated() {
      report.members += 1
      let got = bm[k]
      var problems: [String] = []
      // A bindgen copy merged into its C type (merge-bindgen-copies) has C's member names:
      // bindgen writes `mod_` for C's `mod` (a Rust keyword) and `__bindgen_anon_N` for an
      // anonymous member.
      let bindgenName = want.name == got.name + "_" || (got.name.isEmpty && want.name.hasPrefix("__bindgen_anon_"))
      if got.name != want.name && bindgenName {
        report.renamed.append("bindgen member '\(want.name)' of \(dwarfName) -> C's '\(got.name)'")
      } else if got.name != want.name {
        if isIdentifier(want.name) || !isIdentifier(got.name) {
          problems.append("name '\(got.name)'")
        } else {
          report.renamed.append("member '\(want.name)' of \(dwarfName) -> '\(got.name)'")
        }
      }
      if got.bitOffset != want.bitOffset { problems.append("bits_offset=\(got.bitOffset)") }
      if got.bitSize != want.bitSize { problems.append("bitfield_size=\(got.bitSize)") }
      if got.byteSize != want.byteSize { problems.append("size=\(got.byteSize.map(String.init) ?? "none")") }
      if !problems.isEmpty {
        report.mismatches.append("\(label): member \(k) \(problems.joined(separator: " ")), DWARF \(want)")
        continue
      }
      // A member whose type BTF cannot carry keeps its place as opaque bytes.
      let bt = resolvedBTF(btfTypes[k])
      let dt = dwarfType.map { tree.resolved($0) }
      if btf.kind(bt) == .array, let dt, tree[dt].tag != "DW_TAG_array_type" {
        report.opaqueMembers.append(
          """
          \(tree.qualifiedName(i)).\(want.name): \(tree[dt].name ?? tree[dt].tag) -> \(btf.byteSize(of: bt) ?? 0) bytes at bit \
          \(want.bitOffset)
          """
        )
      }
      // Anonymous member types are compared through their parent.
      if let dt, DwarfdumpTree.compositeTags.contains(tree[dt].tag), tree[dt].name == nil,
        btf.kind(bt) == .structure || btf.kind(bt) == .union
      {
        compare(dt, bt, how: "member '\(want.name)' of its parent")
      }
    }
  }

  // Declarations (`struct opaque;`) are FWDs of the same name and kind in BTF, or the definition
  // when one of the same name exists (dedup resolves forward declarations).
  var forwards: [String: [Kind]] = [:]
  for id in btf.ids where btf.kind(id) == .forward {
    forwards[btf.nameString(id), default: []].append(btf.aux(id) == 1 ? .union : .structure)
  }
  for i in tree.dies.indices where DwarfdumpTree.compositeTags.contains(tree[i].tag) && tree[i].isDeclaration && select(tree, i) {
    guard let name = tree[i].name else { continue }
    let kind: Kind = tree[i].tag == "DW_TAG_union_type" ? .union : .structure
    report.declarations += 1
    if forwards[name]?.contains(kind) == true || btfByName[name]?.contains(where: { btf.kind($0) == kind }) == true { continue }
    report.mismatches.append(
      """
      \(tree.qualifiedName(i)) (DIE 0x\(String(tree[i].offset, radix: 16))): a declaration with no FWD or \(kind.btfName) '\(name)' in \
      our BTF
      """
    )
  }

  for i in tree.dies.indices where DwarfdumpTree.compositeTags.contains(tree[i].tag) && !tree[i].isDeclaration && select(tree, i) {
    if visited.contains(i) { continue }
    if let b = btfByOffset[tree[i].offset] {
      compare(i, b, how: "DIE offset")
    } else if let name = tree[i].name, let candidates = btfByName[name],
      let b = candidates.first(where: { UInt64(btf.size($0)) == (tree[i].number("DW_AT_byte_size") ?? 0) }) ?? candidates.first
    {
      compare(i, b, how: "name (its node was merged)")
    } else if tree[i].name != nil || !isMemberType(tree, i) {
      report.notInBTF.append("\(tree.qualifiedName(i)) (DIE 0x\(String(tree[i].offset, radix: 16)))")
    }
  }
  // Anonymous types reached only through a member are compared with their parent; those whose
  // parent was not selected are not counted as absent.
  return report
}

/// Whether some member DIE has DIE `i` as its type (an anonymous struct or union member).
private func isMemberType(_ tree: DwarfdumpTree, _ i: Int) -> Bool {
  tree.dies.indices.contains { tree[$0].tag == "DW_TAG_member" && tree.type(of: $0) == i }
}

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

  /// The same comparison on files of your own, such as a kernel's Rust modules:
  /// `RUSTBTF_LAYOUT_FILES=a.ko:b.ko swift test --filter layoutsOfGivenFilesMatchLLVMDwarfdump`
  /// (each converted on its own, every struct and union but data-carrying enums compared). Without
  /// the variable there is nothing to compare, and the test records that it compared nothing.
  @Test func layoutsOfGivenFilesMatchLLVMDwarfdump() throws {
    guard let list = ProcessInfo.processInfo.environment["RUSTBTF_LAYOUT_FILES"], !list.isEmpty else {
      withKnownIssue("RUSTBTF_LAYOUT_FILES is not set: no file of your own to compare") { throw CLIError("not set") }
      return
    }
    for file in list.split(separator: ":").map(String.init) {
      let report = try compareLayouts(file: file) { tree, i in
        !tree[i].children.contains(where: { tree[$0].tag == "DW_TAG_variant_part" })
      }
      print(report.summary)
      #expect(report.compared > 0, "\(file): no struct or union compared")
      #expect(report.mismatches.isEmpty, "\(report.summary)")
    }
  }

  /// Data-carrying enums (a variant part), checked against llvm-dwarfdump: each is a STRUCT of
  /// the size DWARF gives; seen through its anonymous members (as C and CO-RE see them) it has
  /// the discriminant, named, at the DWARF member's offset with its size, and one member per
  /// variant, named after it, at offset 0, whose struct has the variant's fields at their DWARF
  /// offsets and sizes.
  @Test(arguments: ["rust_enums-O0.o", "rust_enums-O2.elf", "rust_async-O0.o", "rust_layout-O0.o"])
  func rustEnumsKeepDiscriminantAndVariants(object: String) throws {
    let file = corpusObject(object)
    let tree = try DwarfdumpTree(file: file)
    let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: file)
    let btf = try BTFDecoder.decode(result.btf)
    var btfByOffset: [UInt64: TypeID] = [:]
    for (k, node) in result.graph.encodingSequence().enumerated() { btfByOffset[result.graph.origin(node).dieOffset] = TypeID(k + 1) }

    func offset(_ die: Int) -> UInt64 { (tree[die].number("DW_AT_data_member_location") ?? 0) * 8 }

    var enums = 0
    var variants = 0
    var discriminants = 0
    var problems: [String] = []
    for i in tree.dies.indices where tree[i].tag == "DW_TAG_structure_type" {
      guard let vp = tree[i].children.first(where: { tree[$0].tag == "DW_TAG_variant_part" }),
        let b = btfByOffset[tree[i].offset]
      else { continue }
      enums += 1
      let label = tree.qualifiedName(i)
      let size = tree[i].number("DW_AT_byte_size") ?? 0
      if btf.kind(b) != .structure || UInt64(btf.size(b)) != size {
        problems.append("\(label): BTF \(btf.kind(b).btfName) size \(btf.size(b)), DWARF size \(size)")
      }
      let members = flattenedMembers(btf, b)
      if let discr = tree[vp].number("DW_AT_discr"), let d = tree.die(at: discr) {
        let want = (offset(d), tree.type(of: d).flatMap { tree.byteSize($0) })
        let name = tree[d].name ?? "discriminant"
        if let got = members.first(where: { $0.name.hasSuffix(name) }), got.bitOffset == want.0, btf.byteSize(of: got.type) == want.1 {
          discriminants += 1
        } else {
          problems.append(
            """
            \(label): no discriminant '\(name)' at bit \(want.0) of \(want.1 ?? 0) bytes; BTF has \
            \(members.map { "\($0.name)@\($0.bitOffset)" })
            """
          )
        }
      }
      for v in tree[vp].children where tree[v].tag == "DW_TAG_variant" {
        for vm in tree[v].children where tree[vm].tag == "DW_TAG_member" {
          variants += 1
          // Coroutine variants are numbered in DWARF (`0`, `3`) and named after their struct
          // (`Suspend0`) in BTF (PASSES.md).
          var name = tree[vm].name ?? ""
          if name.allSatisfy(\.isNumber), let vs = tree.type(of: vm), let structName = tree[vs].name { name = structName }
          guard let got = members.first(where: { $0.name == name }), got.bitOffset == offset(vm) else {
            problems.append("\(label): no variant member '\(name)' at bit \(offset(vm))")
            continue
          }
          guard let vs = tree.type(of: vm) else { continue }
          let wantFields = tree[vs].children.filter { tree[$0].tag == "DW_TAG_member" }
            .map { (tree[$0].name ?? "", offset($0), tree.type(of: $0).flatMap { tree.byteSize($0) }) }
          let gotFields = btf.members(of: got.type).map { (btf.strings.string($0.name), $0.value, btf.byteSize(of: $0.type)) }
          // The repeated captured variable of coroutine variants is dropped (PASSES.md).
          let wantSet = Set(wantFields.map { "\($0.0)@\($0.1):\($0.2 ?? 0)" })
          let gotSet = Set(gotFields.map { "\($0.0)@\($0.1):\($0.2 ?? 0)" })
          if UInt64(btf.size(got.type)) != tree[vs].number("DW_AT_byte_size") ?? 0 || wantSet != gotSet {
            problems.append("\(label)::\(name): fields \(gotSet.sorted()) size \(btf.size(got.type)), DWARF \(wantSet.sorted())")
          }
        }
      }
    }
    print(
      """
      \(object): \(enums) data-carrying enums, \(discriminants) discriminants and \(variants) variants compared with llvm-dwarfdump; \
      \(problems.count) mismatch(es)
      """
    )
    #expect(enums > 0 && variants > 0)
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
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
