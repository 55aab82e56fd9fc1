import Encode
import Foundation
import RustBTF
import TypeGraph

/// What the comparison of data-carrying enums found.
package struct EnumReport {
  package var file: String
  package var enums = 0
  package var variants = 0
  package var discriminants = 0
  /// Enums whose DIE's node was merged into an equal one (dedup keeps one node per class): compared
  /// with the node kept.
  package var merged = 0
  package var problems: [String] = []

  package var summary: String {
    """
    \(file): \(enums) data-carrying enums, \(discriminants) discriminants and \(variants) variants compared with llvm-dwarfdump \
    (\(merged) merged copies); \(problems.count) mismatch(es)
    """
  }
}

/// Data-carrying enums (a variant part) of `file`, checked against llvm-dwarfdump: each is a STRUCT
/// of the size DWARF gives; seen through its anonymous members (as C and CO-RE see them) it has the
/// discriminant, named, at the DWARF member's offset with its size, and one member per variant,
/// named after it, at offset 0, whose struct has the variant's fields at their DWARF offsets and sizes.
package func compareRustEnums(file: String) throws -> EnumReport {
  let tree = try DwarfdumpTree(file: file)
  let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: file)
  return try compareRustEnums(file: file, tree: tree, result: result)
}

package func compareRustEnums(file: String, tree: DwarfdumpTree, result: Conversion.Result) throws -> EnumReport {
  let btf = try BTFDecoder.decode(result.btf)
  let (btfByOffset, mergedOffsets) = try btfIDsByDIEOffset(file: file, result: result, btf: btf)

  func offset(_ die: Int) -> UInt64 { (tree[die].number("DW_AT_data_member_location") ?? 0) * 8 }

  var report = EnumReport(file: (file as NSString).lastPathComponent)
  for i in tree.dies.indices where tree[i].tag == "DW_TAG_structure_type" {
    guard let vp = tree[i].children.first(where: { tree[$0].tag == "DW_TAG_variant_part" }) else { continue }
    guard let b = btfByOffset[tree[i].offset] else {
      report.problems.append("\(tree.qualifiedName(i)) (DIE 0x\(String(tree[i].offset, radix: 16))): not in our BTF")
      continue
    }
    if mergedOffsets.contains(tree[i].offset) { report.merged += 1 }
    report.enums += 1
    let label = tree.qualifiedName(i)
    let size = tree[i].number("DW_AT_byte_size") ?? 0
    if btf.kind(b) != .structure || UInt64(btf.size(b)) != size {
      report.problems.append("\(label): BTF \(btf.kind(b).btfName) size \(btf.size(b)), DWARF size \(size)")
    }
    let members = flattenedMembers(btf, b)
    if let discr = tree[vp].number("DW_AT_discr"), let d = tree.die(at: discr) {
      let want = (offset(d), tree.type(of: d).flatMap { tree.byteSize($0) })
      let name = tree[d].name ?? "discriminant"
      if let got = members.first(where: { $0.name.hasSuffix(name) }), got.bitOffset == want.0, btf.byteSize(of: got.type) == want.1 {
        report.discriminants += 1
      } else {
        report.problems.append(
          """
          \(label): no discriminant '\(name)' at bit \(want.0) of \(want.1 ?? 0) bytes; BTF has \
          \(members.map { "\($0.name)@\($0.bitOffset)" })
          """
        )
      }
    }
    for v in tree[vp].children where tree[v].tag == "DW_TAG_variant" {
      for vm in tree[v].children where tree[vm].tag == "DW_TAG_member" {
        report.variants += 1
        // Coroutine variants are numbered in DWARF (`0`, `3`) and named after their struct
        // (`Suspend0`) in BTF (PASSES.md).
        var name = tree[vm].name ?? ""
        if name.allSatisfy(\.isNumber), let vs = tree.type(of: vm), let structName = tree[vs].name { name = structName }
        guard let got = members.first(where: { $0.name == name }), got.bitOffset == offset(vm) else {
          report.problems.append("\(label): no variant member '\(name)' at bit \(offset(vm))")
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
          report.problems.append("\(label)::\(name): fields \(gotSet.sorted()) size \(btf.size(got.type)), DWARF \(wantSet.sorted())")
        }
      }
    }
  }
  return report
}

/// Members of `id` with anonymous struct/union members flattened, offsets summed: how C and
/// CO-RE see them (the tests' own reading, independent of the retention report's).
package func flattenedMembers(_ g: TypeGraph, _ id: TypeID, at base: UInt64 = 0) -> [(name: String, bitOffset: UInt64, type: TypeID)] {
  g.members(of: id).flatMap { m -> [(name: String, bitOffset: UInt64, type: TypeID)] in
    if m.name.isEmpty, g.kind(m.type) == .structure || g.kind(m.type) == .union { return flattenedMembers(g, m.type, at: base + m.value) }
    return [(g.strings.string(m.name), base + m.value, m.type)]
  }
}
