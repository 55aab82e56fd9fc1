import Encode
import Foundation
import Merge
import RustBTF
import Testing
import TypeGraph
import Verify

/// `merge-bindgen-copies` on the bindings miniature (Corpus/src/bindings.rs + bindings_main.c):
/// layout-identical copies merge into the C types, the bitfield copy stays qualified, and
/// Rust prototypes then point at the C types. Also for split BTF, where the C types are the
/// base's.
@Suite struct MergeBindgenTests {
  static func structs(_ btf: [UInt8]) throws -> [String: [TypeID]] {
    let g = try BTFDecoder.decode(btf)
    var out: [String: [TypeID]] = [:]
    for id in g.ids where g.kind(id) == .structure || g.kind(id) == .union { out[g.nameString(id), default: []].append(id) }
    return out
  }

  @Test(arguments: ["bindings-O0.elf", "bindings-O2.elf"])
  func layoutIdenticalCopiesMergeIntoTheCTypes(file: String) throws {
    let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: corpusObject(file))
    #expect(BTFValidator.validate(result.btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file): \(failure)") }
    let s = try Self.structs(result.btf)
    // One type of each C name; no qualified copy left of the merged ones.
    #expect(s["list_head"]?.count == 1 && s["inode_like"]?.count == 1 && s["flags_like"]?.count == 1, "\(s.keys.sorted())")
    #expect(s["bindings__bindings_raw__list_head"] == nil && s["bindings__bindings_raw__inode_like"] == nil)
    // bindgen's bitfield unit is another layout description: kept, qualified.
    #expect(s["bindings__bindings_raw__flags_like"]?.count == 1)
    // The Rust function's parameter is the C type now.
    let g = try BTFDecoder.decode(result.btf)
    let f = try #require(g.ids.first { g.kind($0) == .function && g.nameString($0) == "rust_inode_size" })
    let param = g.memberTypes[g.memberRange(g.ref(f)).lowerBound]
    #expect(g.kind(param) == .pointer && g.nameString(g.resolvingModifiers(g.ref(param))) == "inode_like")
    #expect(g.ref(param) == s["inode_like"]![0])
    // Each merge is a decision with the pass's reason.
    let merges = result.graph.decisions.entries.filter { $0.pass == MergeBindgenCopies.name }
    #expect(merges.count >= 2 && merges.allSatisfy { $0.reason == MergeBindgenCopies.Reason.sameLayout })
  }

  /// A module's copies merge into the base's C types (the kernel's case: `rust_minimal.ko` on
  /// vmlinux): the split BTF holds no copy of list_head or inode_like.
  @Test func moduleCopiesMergeIntoBaseCTypes() throws {
    let base = try Conversion().run(path: corpusObject("bindings-O2.elf")).btf
    let split = try Conversion(base: base).run(path: corpusObject("bindings-O2.o"))
    let whole = try SplitBTF.concatenate(base: base, split: split.btf)
    #expect(BTFValidator.validate(whole, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(whole) { Issue.record("base + split: \(failure)") }
    let all = try Self.structs(whole)
    #expect(all["list_head"]?.count == 1 && all["inode_like"]?.count == 1, "\(all.keys.sorted())")
    #expect(all["bindings__bindings_raw__list_head"] == nil && all["bindings__bindings_raw__inode_like"] == nil)
  }

  /// A copy whose member sits elsewhere, or is named otherwise, is not the C type.
  @Test func differentLayoutsAreKept() throws {
    var b = GraphBuilder()
    let u32 = b.int("unsigned int", bytes: 4)
    let c = b.structure("pair", bytes: 8, [("type", u32, 0), ("b", u32, 32)])
    let same = b.structure("pair", bytes: 8, [("type_", u32, 0), ("b", u32, 32)])
    let moved = b.structure("pair", bytes: 8, [("b", u32, 0), ("type_", u32, 32)])
    let renamed = b.structure("pair", bytes: 8, [("kind", u32, 0), ("b", u32, 32)])
    var g = b.graph
    let scope = g.strings.intern("bindings::bindings_raw")
    for id in [same, moved, renamed] {
      g.setScope(id, scope)
      g.setFlags(id, g.flags(id).union(.rust))
    }
    var pass = MergeBindgenCopies()
    var context = PassContext()
    #expect(try pass.run(on: &g, context: &context) == .changed)
    #expect(g.kind(same) == .removed && g.kind(moved) == .structure && g.kind(renamed) == .structure && g.kind(c) == .structure)
    #expect(g.decisions.mergedTargets == [c])
  }
}
