import Testing

@testable import Encode
@testable import TypeGraph

/// `Kind.btf(_:)` converts a BTF kind number by its case index, not by `init(rawValue:)`: it is
/// right only while the BTF kinds are declared first, in number order.
@Suite struct KindTests {
  @Test func everyBTFKindNumberConvertsToItsKind() {
    #expect(MemoryLayout<Kind>.size == 1)
    for n in 1..<Kind.btfKindCount {
      #expect(Kind.btf(n) == Kind(rawValue: n), "kind number \(n)")
      #expect(Kind.btf(n).rawValue == n, "kind number \(n)")
      #expect(BTFInfo(kind: Kind.btf(n), vlen: 0, kindFlag: false).kind == Kind(rawValue: n))
    }
    // Not BTF kinds: no kind from the info word.
    #expect(BTFInfo(0).kind == nil)
    #expect(BTFInfo(UInt32(Kind.btfKindCount) << 24).kind == nil)
  }
}
