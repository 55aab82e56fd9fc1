import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

/// A base that only declares a struct its module defines (issue 22 item 8: Debian's vmlinux has
/// `FWD ib_mad`, mlx4_core.ko defines `struct ib_mad`, and the chain … -> `ib_device_ops` ->
/// `ib_mad` made the split repeat about 2,000 vmlinux types). Corpus/src/split_fwd*.c: the base
/// declares `struct foo` and defines `struct bar { struct foo *f; int x; }` and `struct ops`,
/// which reaches bar; the module's two units share bar and ops, one of them defines foo.
@Suite struct SplitForwardTests {
  static let pairs = [["split_fwd_base-O0.elf", "split_fwd_mod-O0.o"], ["split_fwd_base-O2.elf", "split_fwd_mod-O2.o"]]

  @Test(arguments: pairs)
  func aBaseDeclarationEqualsTheModulesDefinitionAndNoBaseTypeIsRepeated(pair: [String]) throws {
    let base = try SplitBTFTests.convert(pair[0]).btf
    let split = try SplitBTFTests.convert(pair[1], base: base)
    let whole = try SplitBTF.concatenate(base: base, split: split.btf)
    #expect(BTFValidator.validate(whole, mode: .load).isEmpty, "\(pair): \(BTFValidator.validate(whole, mode: .load))")
    if let failure = KernelCheck.acceptanceFailure(whole) { Issue.record("\(pair): base + split: \(failure)") }

    let g = try BTFDecoder.decode(whole)
    let first = try BTFDecoder.decode(base).count // void included: the first split id
    let baseIDs = (1..<first).map { TypeID($0) }
    let splitIDs = (first..<g.count).map { TypeID($0) }
    #expect(baseIDs.contains { g.kind($0) == .forward && g.nameString($0) == "foo" }, "\(pair): the base declares foo")
    #expect(!baseIDs.contains { g.kind($0) == .structure && g.nameString($0) == "foo" }, "\(pair): the base defines foo")
    // The module's definition is written, once.
    #expect(splitIDs.filter { g.kind($0) == .structure && g.nameString($0) == "foo" }.count == 1, "\(pair)\n\(g.dump())")
    // No named type of the base is written again (bar and ops were, with everything that reached
    // them), and no pointer to a base type the base already points to.
    let named = Set(baseIDs.filter { !g.name($0).isEmpty && g.kind($0) != .function }.map { "\(g.kind($0)) \(g.nameString($0))" })
    let repeated = splitIDs.filter { named.contains("\(g.kind($0)) \(g.nameString($0))") }.map { "\(g.kind($0)) \(g.nameString($0))" }
    #expect(repeated.isEmpty, "\(pair): base types repeated in the split: \(repeated)")
    let basePointees = Set(baseIDs.filter { g.kind($0) == .pointer }.map { g.ref($0) })
    let repeatedPointers = splitIDs.filter { g.kind($0) == .pointer && basePointees.contains(g.ref($0)) }
    #expect(repeatedPointers.isEmpty, "\(pair): pointers to base types repeated: \(repeatedPointers)")

    // Decoding only what the module can equal gives the BTF decoding the whole base gives.
    var reference = Conversion(base: base)
    reference.decodeWholeBase = true
    let eager = try reference.run(path: corpusObject(pair[1]))
    #expect(eager.btf == split.btf, "\(pair): the split BTF differs from the whole base's")
  }

  /// Opt-in, on a real module: `RUSTBTF_SPLIT_MODULE=X.ko RUSTBTF_SPLIT_BASE=vmlinux.btf` (e.g.
  /// Debian's mlx4_core.ko on rustbtf's BTF of Debian's vmlinux). The split BTF is the whole
  /// base's, the kernel takes base + split, and no named base type is written again.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["RUSTBTF_SPLIT_MODULE"] != nil))
  func aRealModuleRepeatsNoBaseType() throws {
    let env = ProcessInfo.processInfo.environment
    let module = try #require(env["RUSTBTF_SPLIT_MODULE"])
    let basePath = try #require(env["RUSTBTF_SPLIT_BASE"])
    let base = try BaseBTF.read(path: basePath)
    var options = DWARFImportOptions()
    options.excludeLanguages = DWARFImportOptions.languages(named: "rust") ?? []
    let lazy = try Conversion(importOptions: options, base: base).run(path: module)
    var reference = Conversion(importOptions: options, base: base)
    reference.decodeWholeBase = true
    let whole = try reference.run(path: module)
    #expect(lazy.btf == whole.btf, "the split BTF differs from the whole base's")
    let blob = try SplitBTF.concatenate(base: base, split: lazy.btf)
    if let failure = KernelCheck.acceptanceFailure(blob) { Issue.record("base + split: \(failure)") }
    let g = try BTFDecoder.decode(blob)
    let first = Int(try SplitBTF.typeCount(of: base))
    let kinds: Set<Kind> = [.structure, .union, .enumeration, .enum64, .typedef]
    let named = Set(
      (1..<first).map { TypeID($0) }.filter { kinds.contains(g.kind($0)) && !g.name($0).isEmpty }
        .map { "\(g.kind($0)) \(g.nameString($0))" })
    let repeated = (first..<g.count).map { TypeID($0) }.filter { named.contains("\(g.kind($0)) \(g.nameString($0))") }
    #expect(repeated.isEmpty, "\(repeated.count) named base types written again, e.g. \(repeated.prefix(5).map { g.nameString($0) })")
  }
}
