import Encode
import Foundation
import RustBTF
import Sanitize
import TypeGraph

/// A member as both readers see it.
package struct MemberLayout: Equatable, CustomStringConvertible {
  package var name: String
  package var bitOffset: UInt64
  package var bitSize: UInt32
  package var byteSize: UInt64?
  package var description: String {
    "'\(name)' bits_offset=\(bitOffset)" + (bitSize != 0 ? " bitfield_size=\(bitSize)" : "") + " size=\(byteSize.map(String.init) ?? "?")"
  }
}

/// What one file's comparison found.
package struct LayoutReport {
  package var file: String
  package var compared = 0
  package var members = 0
  package var declarations = 0
  package var opaqueMembers: [String] = []
  package var renamed: [String] = []
  package var notInBTF: [String] = []
  package var tails: [String] = []
  package var mismatches: [String] = []
  package var comparedNames: Set<String> = []

  package var summary: String { summary(limit: 40) }

  /// The summary line, then every mismatch and at most `limit` entries of each other list.
  package func summary(limit: Int) -> String {
    var s =
      """
      \(file): \(compared) structs/unions, \(members) members and \(declarations) declarations compared with llvm-dwarfdump; \
      \(mismatches.count) mismatch(es)
      """
    s += "; \(opaqueMembers.count) member(s) made opaque (same offset and size)"
    s += "; \(renamed.count) name(s) sanitized; \(notInBTF.count) not in our BTF"
    s += "; \(tails.count) unsized tail(s) as zero-length arrays"
    for m in mismatches { s += "\n  MISMATCH \(m)" }
    for m in tails.prefix(limit) { s += "\n  tail     \(m)" }
    for m in opaqueMembers.prefix(limit) { s += "\n  opaque   \(m)" }
    for m in renamed.prefix(limit) { s += "\n  renamed  \(m)" }
    for m in notInBTF.prefix(limit) { s += "\n  absent   \(m)" }
    return s
  }
}

/// The BTF id each DIE ended up as: the node the importer made of the DIE (its recorded DIE
/// offset), or the representative of the copy dedup at import merged it into, followed through
/// the merges (dedup keeps one node per class; merge-bindgen-copies
/// merges a bindgen copy into its C type) to the node that was encoded.
/// `merged` holds the offsets whose node was merged into another.
package func btfIDsByDIEOffset(file: String, result: Conversion.Result, btf: TypeGraph) throws -> (
  byOffset: [UInt64: TypeID], merged: Set<UInt64>
) {
  // Decoded id k is the k-th node of the final graph's encoding sequence.
  let graph = result.graph
  var btfOfNode: [Int32: TypeID] = [:]
  for (k, node) in graph.encodingSequence().enumerated() {
    let id = TypeID(k + 1)
    guard id.index < btf.count, btf.kind(id) == graph.kind(node), btf.nameString(id) == graph.nameString(node) else {
      throw ConversionError("\(file): decoded id \(k + 1) is not node \(node.rawValue) of the final graph")
    }
    btfOfNode[node.rawValue] = id
  }
  let merges = MergeMap(graph.decisions, count: graph.count)
  var byOffset: [UInt64: TypeID] = [:]
  var merged = Set<UInt64>()
  for node in graph.ids {
    let off = graph.origin(node).dieOffset
    guard off != 0 else { continue }
    let kept = merges.kept(node)
    guard let id = btfOfNode[kept.rawValue] else { continue }
    byOffset[off] = id
    if kept != node { merged.insert(off) }
  }
  // The copies dedup at import merged before they were nodes: each stands for its range's
  // representative, and goes where that went.
  let copies = graph.decisions.copiesMergedAtImport
  for k in 0..<copies.representativeCount {
    let (representative, rows) = copies.group(k)
    guard let id = btfOfNode[merges.kept(representative).rawValue] else { continue }
    for c in rows where copies.dieOffset(c) != 0 {
      byOffset[copies.dieOffset(c)] = id
      merged.insert(copies.dieOffset(c))
    }
  }
  return (byOffset, merged)
}

/// Compares every struct and union DIE of `file` that `select` accepts with our final BTF.
/// A DIE is found in the BTF through the DIE offset the importer recorded on its node, followed
/// through the merges (dedup keeps one node per class; merge-bindgen-copies merges a bindgen copy
/// into its C type) to the node that encodes; or, for an anonymous member type, through the
/// member of its matched parent; or, for a DIE no node was made of, by name.
package func compareLayouts(file: String, select: (DwarfdumpTree, Int) -> Bool) throws -> LayoutReport {
  let tree = try DwarfdumpTree(file: file)
  let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: file)
  return try compareLayouts(file: file, tree: tree, result: result, select: select)
}

/// The same on a tree and a conversion the caller already has.
package func compareLayouts(
  file: String, tree: DwarfdumpTree, result: Conversion.Result, select: (DwarfdumpTree, Int) -> Bool
) throws -> LayoutReport {
  let btf = try BTFDecoder.decode(result.btf)
  var report = LayoutReport(file: (file as NSString).lastPathComponent)

  let btfByOffset = try btfIDsByDIEOffset(file: file, result: result, btf: btf).byOffset
  var btfByName: [String: [TypeID]] = [:]
  for id in btf.ids where btf.kind(id) == .structure || btf.kind(id) == .union { btfByName[btf.nameString(id), default: []].append(id) }

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
  func isBounded(_ s: String) -> Bool {
    s.utf8.count == SanitizeNames().maxLength && s.utf8.suffix(9).first == UInt8(ascii: "_")
      && s.suffix(8).allSatisfy(\.isHexDigit)
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
      // suffix (sanitize-names keeps names injective: two `ExitCode`s in different modules), or
      // is the start of a name too long for BTF, cut and ended with a hash (`bounded`).
      if isIdentifier(dwarfName) && !(btfName.hasSuffix("_" + dwarfName) || btfName.hasPrefix(dwarfName + "_") || isBounded(btfName)) {
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
      } else if got.name == want.name + "_" && CKeywords.contains(want.name) {
        // A Rust field named after a C keyword (`signed`) gains a `_` (sanitize-names).
        report.renamed.append("member '\(want.name)' of \(dwarfName) -> '\(got.name)' (a C keyword)")
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
    } else if tree[i].name != nil || !tree.memberTypes.contains(i) {
      report.notInBTF.append("\(tree.qualifiedName(i)) (DIE 0x\(String(tree[i].offset, radix: 16)))")
    }
  }
  // Anonymous types reached only through a member are compared with their parent; those whose
  // parent was not selected are not counted as absent.
  return report
}
