import Testing
import TypeGraph

// Decision.Reason: the sentence each case reads as (goldens hold the sentences; the corpus checks
// them all), and the pattern --stats counts root causes by.
@Suite struct ReasonTests {
  @Test func casesReadAsTheirSentences() {
    #expect("\(Decision.Reason.noBTFKind(tag: DWARFTag.variantPart))" == "DW_TAG_variant_part has no BTF kind")
    #expect("\(Decision.Reason.memberOpaque(.anonymous(byte: 16), bytes: 8, namedAs: "__opaque_16"))"
      == "member (anon)@16 has no BTF type; kept as 8 opaque bytes named '__opaque_16'")
    #expect("\(Decision.Reason.qualified(.all, alsoInvalid: true))"
      == "not a valid BTF identifier; qualified by its namespace path (qualify=all)")
    let e = Decision.Reason.LoweredEnum(
      discriminant: .init(name: "discriminant", byte: 0, type: .enumeration(bytes: 8)),
      variants: [.init(name: "A", value: .value(3)), .init(name: "B", value: .anyOther)],
      dropped: [.init(name: "x", byte: 4)])
    #expect("\(Decision.Reason.dataCarryingEnum(e))"
      == "data-carrying enum: discriminant 'discriminant' at byte 0, a 8-byte ENUM64; variants A = 3, B = any other value as members of an anonymous union; variant members not at offset 0 dropped: x@4")
  }

  /// Names in quotes and numbers are left out, wording kept, as the report always counted.
  @Test func thePatternLeavesOutWhatVariesPerNode() {
    #expect(Decision.Reason.memberPastEnd(.named("data"), typeBytes: 4).pattern
      == "member '…' ends past the end of the N-byte type; dropped")
    #expect(Decision.Reason.wideEnumMappedToInt(bytes: 16).pattern
      == "enumeration of N bytes mapped to a N-byte INT (BTF enums are N, N, N or N bytes)")
    #expect(Decision.Reason.memberPastEnd(.named("a"), typeBytes: 4).pattern
      == Decision.Reason.memberPastEnd(.named("b"), typeBytes: 8).pattern)
    #expect(Decision.Reason.noBTFKind(tag: DWARFTag.variantPart).pattern != Decision.Reason.noBTFKind(tag: DWARFTag.variant).pattern)
    // A library user's reason counts as it reads.
    #expect(Decision.Reason.custom("static linkage, 2 'x'").pattern == "static linkage, 2 'x'")
  }
}
