import Encode
import Foundation
import Merge
import RustBTF
import Sanitize
import Testing
import TypeGraph

@testable import Verify

/// Split BTF (`--btf_base`): a module's BTF on top of a base's, as a kernel build writes it for
/// every `.ko`. The kernel checks a module's BTF in the base's type and string space, which is
/// exactly the standalone blob base + split (`SplitBTF.concatenate`); that is what these tests
/// validate offline and load into the running kernel (`BPF_BTF_LOAD` takes no base).
@Suite struct SplitBTFTests {
  /// (base: a linked program, module: one of the objects linked into it), so most of the
  /// module's types are in the base.
  static let pairs: [(base: String, module: String)] = [
    ("mixed-O2.elf", "mixed_lib-O2.o"), ("mixed-O0.elf", "mixed_main-O0.o"),
    ("c_dedup-O2.elf", "c_dedup_a-O2.o"), ("c_types-O0.elf", "c_funcs-O0.o"),
  ]

  static func convert(_ object: String, base: [UInt8]? = nil) throws -> Conversion.Result {
    try Conversion(instrumentation: [VerifyEachPass()], base: base).run(path: corpusObject(object))
  }

  @Test(arguments: pairs.map { [$0.base, $0.module] })
  func splitBTFIsValidInTheBaseAndRepeatsNothing(pair: [String]) throws {
    let base = try Self.convert(pair[0]).btf
    let standalone = try Self.convert(pair[1]).btf
    let split = try Self.convert(pair[1], base: base)
    let whole = try SplitBTF.concatenate(base: base, split: split.btf)
    #expect(BTFValidator.validate(whole, mode: .load).isEmpty, "\(pair): \(BTFValidator.validate(whole, mode: .load))")
    if let failure = KernelCheck.acceptanceFailure(whole) { Issue.record("\(pair): base + split: \(failure)") }

    // Ids and string offsets continue the base's.
    let b = try BTFSections(base)
    let s = try BTFSections(split.btf)
    let baseTypes = try BTFDecoder.decode(base).count // void included: the first split id
    let wholeGraph = try BTFDecoder.decode(whole)
    #expect(wholeGraph.count - baseTypes == split.summary.typesOut, "\(pair): split type count")
    #expect(
      s.strings.isEmpty || split.btf[s.strings.lowerBound] != 0 || b.strings.isEmpty,
      "\(pair): split strings must not repeat the base's leading NUL")

    // Nothing in the split is a copy of a base type: dedup over base + split merges nothing.
    var g = wholeGraph
    var context = PassContext()
    var dedup = Dedup()
    _ = try dedup.run(on: &g, context: &context)
    #expect(
      g.decisions.mergedSubjects.isEmpty,
      "\(pair): \(g.decisions.mergedSubjects.count) split types repeat base types")
    // And the split is smaller than the module's standalone BTF.
    #expect(split.btf.count < standalone.count, "\(pair): split \(split.btf.count) B, standalone \(standalone.count) B")
  }

  /// The conversion checks split BTF with the resolve pass over the split's own types
  /// (`BTFValidator.validate(split:baseTypeCount:)`): on valid output, and on output with a
  /// split type broken or a base type the split refers to broken, it gives the whole check's
  /// verdict and line; a broken base type no split type reaches is the base's business.
  @Test func splitValidationAgreesWithTheWholeCheck() throws {
    let base = try Self.convert("mixed-O2.elf").btf
    let split = try Self.convert("mixed_lib-O2.o", base: base).btf
    let whole = try SplitBTF.concatenate(base: base, split: split)
    let baseTypes = UInt32(try BTFDecoder.decode(base).count)
    #expect(BTFValidator.validate(split: whole, baseTypeCount: baseTypes).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(whole) { Issue.record("base + split: \(failure)") }
    // The kernel is the judge of the broken blobs too: it rejects them with the validator's line.
    func expectKernelRejects(_ bytes: [UInt8], _ problems: [BTFProblem]) {
      switch KernelCheck.rejection(bytes) {
      case .skipped: break
      case .failure(let why): Issue.record(Comment(rawValue: why))
      case .rejected(_, let reasonLine, _):
        #expect(problems.first?.line == reasonLine, "validator: \(problems.first?.line ?? "-")\nkernel:    \(reasonLine)")
      }
    }

    let checker = KernelChecker(bytes: whole, mode: .load)
    #expect(checker.run() == nil)
    // A struct's first member moved to the struct's last bit: within the struct, so the meta
    // checks pass, but not byte-aligned and running past the end, which only the resolve pass
    // (the part the split check shortens) finds.
    func brokenStruct(_ ids: some Sequence<UInt32>) -> [UInt8]? {
      guard let id = ids.first(where: { checker.kind($0) == .structure && checker.vlen($0) > 0 && checker.sizeType($0) > 1 })
      else { return nil }
      var bytes = whole
      let offset = checker.pos[Int(id)] + 12 + 8 // first member's offset word
      let bit = checker.sizeType(id) * 8 - 1
      for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: bit >> (8 * UInt32(k))) }
      #expect(KernelChecker(bytes: bytes, mode: .embedded).run() == nil, "meant to break only the resolve pass")
      return bytes
    }
    let splitIDs = baseTypes..<checker.nrTypes
    let broken = try #require(brokenStruct(splitIDs))
    let full = BTFValidator.validate(broken, mode: .load)
    #expect(!full.isEmpty)
    #expect(BTFValidator.validate(split: broken, baseTypeCount: baseTypes) == full)
    expectKernelRejects(broken, full)

    // A base struct a split type refers to (through a member), broken: found by the split
    // check too, with the whole check's line.
    let reached = Set(
      splitIDs.flatMap { id in
        checker.kind(id) == .structure || checker.kind(id) == .union ? (0..<checker.vlen(id)).map { checker.member(id, $0).type } : []
      }.filter { $0 > 0 && $0 < baseTypes })
    let brokenBase = try #require(brokenStruct(reached.sorted()))
    let fullBase = BTFValidator.validate(brokenBase, mode: .load)
    #expect(!fullBase.isEmpty)
    #expect(BTFValidator.validate(split: brokenBase, baseTypeCount: baseTypes) == fullBase)
    expectKernelRejects(brokenBase, fullBase)
  }

  @Test func splitOutputIsDeterministic() throws {
    let base = try Self.convert("mixed-O2.elf").btf
    let a = try Self.convert("mixed_lib-O2.o", base: base).btf
    let b = try Self.convert("mixed_lib-O2.o", base: base).btf
    #expect(a == b)
  }

  /// A base that shares nothing still gives valid split BTF (every type written, ids after the
  /// base's).
  @Test func unrelatedBaseStillGivesValidSplit() throws {
    let base = try Self.convert("c_funcs-O2.o").btf
    let split = try Self.convert("rust_enums-O0.o", base: base)
    let whole = try SplitBTF.concatenate(base: base, split: split.btf)
    #expect(BTFValidator.validate(whole, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(whole) { Issue.record("base + split: \(failure)") }
  }

  /// The split blob alone is not standalone BTF: its references point into the base, which the
  /// offline validator reports as the kernel would for a blob without its base.
  @Test func splitAloneIsNotStandalone() throws {
    let base = try Self.convert("mixed-O2.elf").btf
    let split = try Self.convert("mixed_lib-O2.o", base: base).btf
    #expect(!BTFValidator.validate(split, mode: .load).isEmpty)
  }

  /// A module names its copies of vmlinux types as vmlinux did, though it sees fewer names:
  /// the hashed form vmlinux had to use, and the qualified form where vmlinux found a name
  /// ambiguous.
  @Test func namesFollowTheBase() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let formatter = b.structure("Formatter", bytes: 4, [("x", int, 0)])
    let option = b.structure("Option<u8>", bytes: 4, [("y", int, 0)])
    let plain = b.structure("Plain", bytes: 4, [("z", int, 0)])
    var g = b.graph
    g.setScope(formatter, g.strings.intern("core::fmt"))
    g.setScope(plain, g.strings.intern("kernel"))
    for id in [formatter, option, plain] { g.setFlags(id, g.flags(id).union(.rust)) }
    let hashed = NamePolicy.compose(scope: nil, name: "Option<u8>", suffix: "_h" + NamePolicy.hash8("Option<u8>"), maxLength: 512)
    var alone = g
    var context = PassContext()
    var pass = SanitizeNames()
    _ = try pass.run(on: &alone, context: &context)
    #expect(alone.nameString(formatter) == "Formatter" && alone.nameString(option) == "Option_u8_")
    let section: [UInt8] = ["", "core__fmt__Formatter", hashed, "Option_u8_", "kernel__Plain_x"].flatMap { Array($0.utf8) + [UInt8(0)] }
    context.splitBaseStrings = StringSectionIndex(section)
    _ = try pass.run(on: &g, context: &context)
    #expect(g.nameString(formatter) == "core__fmt__Formatter")
    #expect(g.nameString(option) == hashed)
    #expect(g.nameString(plain) == "Plain", "a name the base does not hold qualified stays plain")
  }

  /// Only the base types a module type can equal are decoded (`LazySplitBase`,
  /// `Dedup.mergeIntoSplitBase`), and the BTF is byte for byte what decoding the whole base
  /// and running dedup over all of it writes, with the same summary. Also with a base that
  /// shares little (the unrelated pair) and one of mixed Rust and C.
  @Test(arguments: (pairs + [("c_funcs-O2.o", "rust_enums-O0.o"), ("mixed-O2.elf", "mixed-O0.elf")]).map { [$0.base, $0.module] })
  func onlyTheBaseTypesAModuleCanEqualAreDecodedAndTheBTFIsTheSame(pair: [String]) throws {
    let base = try Self.convert(pair[0]).btf
    let lazy = try Self.convert(pair[1], base: base)
    var reference = Conversion(instrumentation: [VerifyEachPass()], base: base)
    reference.decodeWholeBase = true
    let whole = try reference.run(path: corpusObject(pair[1]))
    #expect(lazy.btf == whole.btf, "\(pair): the split BTF differs from the whole base's")
    if let failure = KernelCheck.acceptanceFailure(try SplitBTF.concatenate(base: base, split: lazy.btf)) {
      Issue.record("\(pair): base + split: \(failure)")
    }
    #expect(lazy.summary.line == whole.summary.line, "\(pair)")
    let baseTypes = try BTFDecoder.decode(base).count - 1
    let decoded = lazy.graph.splitBase.map { s in s.nodes.filter { lazy.graph.kind(TypeID($0)) != .removed }.count } ?? -1
    // The same program at another optimisation level uses nearly every base type.
    if pair[1] != "mixed-O0.elf" {
      #expect(decoded >= 0 && decoded < baseTypes, "\(pair): \(decoded) of \(baseTypes) base types decoded")
    }
    #expect(whole.graph.splitBase?.nodes.count == baseTypes)
  }

  /// A base that holds a type twice (vmlinux BTF from another encoder may): the module's copy
  /// merges into the one of the lower id, as with the whole base decoded.
  @Test func aTypeTheBaseHoldsTwiceMergesIntoTheFirst() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    _ = b.structure("other", bytes: 4, [("o", int, 0)])
    let first = b.structure("pair", bytes: 8, [("a", int, 0), ("b", int, 32)])
    _ = b.structure("pair", bytes: 8, [("a", int, 0), ("b", int, 32)])
    let base = try BTFEncoder().encode(b.graph)
    var m = GraphBuilder()
    let mint = m.int("int", bytes: 4, signed: true)
    let pair = m.structure("pair", bytes: 8, [("a", mint, 0), ("b", mint, 32)])
    _ = m.pointer(to: pair)
    var outputs: [[UInt8]] = []
    for whole in [false, true] {
      var conversion = Conversion(base: base)
      conversion.decodeWholeBase = whole
      let result = try conversion.run(graph: m.graph, inputName: "module")
      outputs.append(result.btf)
      let blob = try SplitBTF.concatenate(base: base, split: result.btf)
      if let failure = KernelCheck.acceptanceFailure(blob) { Issue.record("decodeWholeBase \(whole): base + split: \(failure)") }
      let split = try BTFDecoder.decode(blob)
      let pointers = split.ids.filter { split.kind($0) == .pointer }
      #expect(pointers.count == 1 && split.ref(pointers[0]) == first, "whole base: \(whole)")
    }
    #expect(outputs[0] == outputs[1])
  }

  @Test func stringSectionIndexFindsEachStringAtItsFirstOffset() {
    let section = Array("\0abc\0de\0abc\0\0a longer name than eight bytes\0tail".utf8)
    let index = StringSectionIndex(section)
    #expect(Array("abc".utf8).withUnsafeBytes { index.offset(of: $0) } == 1)
    #expect(index.contains("de") && index.contains("a longer name than eight bytes"))
    #expect(!index.contains("ab") && !index.contains("abcd") && !index.contains("tail") && !index.contains(""))
    #expect(index.count == 3 && index.duplicates == 1)
    var table = StringTable()
    let de = table.intern("de")
    let none = table.intern("xyz")
    #expect(index.offset(of: de, in: table) == 5 && index.offset(of: none, in: table) == nil)
  }

  @Test func badBaseIsOneLineError() throws {
    #expect(throws: ConversionError.self) { try Self.convert("mixed_lib-O2.o", base: [1, 2, 3]) }
    // A reference out of range in a base type the module has no use for is still an error:
    // every base record is checked, not only those decoded.
    var base = try Self.convert("c_funcs-O2.o").btf
    var pos = 24
    var last: Int? = nil
    while pos < 24 + (Int(base[12]) | Int(base[13]) << 8 | Int(base[14]) << 16) { // type_len
      let info = UInt32(base[pos + 4]) | UInt32(base[pos + 5]) << 8 | UInt32(base[pos + 6]) << 16 | UInt32(base[pos + 7]) << 24
      let kind = Kind(rawValue: UInt8((info >> 24) & 0x1f))!
      if kind == .pointer { last = pos }
      pos += 12 + kind.wireTrailingBytes(vlen: Int(info & 0xffff))
    }
    let pointer = try #require(last)
    base[pointer + 8] = 0xff
    base[pointer + 9] = 0xff
    base[pointer + 10] = 0x0f
    #expect {
      try Self.convert("rust_enums-O0.o", base: base)
    } throws: { error in
      "\(error)".hasPrefix("--btf_base: bad BTF: type [") && "\(error)".contains("refers to type 1048575")
    }
  }
}
