import Foundation
import Testing

@testable import Encode
@testable import TypeGraph
@testable import Verify

/// The wire layer: hand-built graphs of every kind -> BTF -> back, judged by our validator, the
/// running kernel and bpftool.
@Suite struct EncodeTests {
  // MARK: Graphs

  /// Every BTF kind, plus a void node (referenced: encodes as 0) and a tombstone (skipped).
  static func everyKind() -> TypeGraph {
    var g = TypeGraph()
    func n(_ s: String) -> NameID { g.strings.intern(s) }
    let int = g.add(.int, name: n("int"), size: 4, aux: 1 << 24 | 32) // [1]
    let u8 = g.add(.int, name: n("u8"), size: 1, aux: 8) // [2]
    let demoted = g.add(.void, size: 24) // (void)
    let foo = g.add(.structure, name: n("Foo"), size: 16) // [3]
    let fooPtr = g.add(.pointer, ref: foo) // [4]
    g.setMembers(
      foo,
      [
        Member(name: n("a"), type: int, value: 0), Member(name: n("b"), type: u8, value: 32, bits: 3),
        Member(name: n("c"), type: fooPtr, value: 64),
      ])
    let u = g.add(.union, name: n("U"), size: 4) // [5]
    g.setMembers(u, [Member(name: n("x"), type: int), Member(name: n("y"), type: u8)])
    let e = g.add(.enumeration, name: n("E"), size: 4, flags: .signed) // [6]
    g.setMembers(e, [Member(name: n("A"), value: UInt64(bitPattern: -1)), Member(name: n("B"), value: 2)])
    let e64 = g.add(.enum64, name: n("E64"), size: 8) // [7]
    g.setMembers(e64, [Member(name: n("BIG"), value: 1 << 40), Member(name: n("SMALL"), value: 7)])
    let fwd = g.add(.forward, name: n("Fw"), aux: 1) // [8]
    let td = g.add(.typedef, name: n("T"), ref: int) // [9]
    let vol = g.add(.volatile, ref: int) // [10]
    let cst = g.add(.const, ref: vol) // [11]
    let fwdPtr = g.add(.pointer, ref: fwd) // [12]
    _ = g.add(.restrict, ref: fwdPtr) // [13]
    let arr = g.add(.array, ref: int, aux: 4) // [14]
    _ = g.arrayIndexType() // [15] __ARRAY_SIZE_TYPE__
    let proto = g.add(.functionProto, ref: int) // [16]
    g.setMembers(proto, [Member(name: n("a"), type: int), Member(name: n("b"), type: fooPtr)])
    _ = g.add(.function, name: n("f"), ref: proto, aux: 1) // [17]
    let variadic = g.add(.functionProto) // [18]
    g.setMembers(variadic, [Member(name: n("x"), type: cst), Member()])
    let gfn = g.add(.function, name: n("g"), ref: variadic, aux: 0) // [19]
    let v = g.add(.variable, name: n("v"), ref: int, aux: 1) // [20]
    let ds = g.add(.dataSection, name: n(".data"), size: 8) // [21]
    let sv = g.add(.variable, name: n("s"), ref: u8, aux: 0) // [22]
    g.setMembers(ds, [Member(type: v, value: 0, bits: 4), Member(type: sv, value: 4, bits: 1)])
    _ = g.add(.float, name: n("double"), size: 8) // [23]
    _ = g.add(.declTag, name: n("tag"), ref: foo, aux: 0) // [24]
    _ = g.add(.declTag, name: n("fn_tag"), ref: gfn, aux: UInt32(bitPattern: -1)) // [25]
    let user = g.add(.typeTag, name: n("user"), ref: int) // [26]
    let userPtr = g.add(.pointer, ref: user) // [27]
    let gone = g.add(.int, name: n("gone"), size: 4, aux: 32) // (removed)
    g.prune(gone, pass: "test", reason: .custom("removed to leave a hole in the ids"))
    let bar = g.add(.structure, name: n("Bar"), size: 40) // [28]
    g.setMembers(
      bar,
      [
        Member(name: n("arr"), type: arr, value: 0), Member(name: n("p"), type: userPtr, value: 128),
        Member(name: n("t"), type: td, value: 192), Member(name: n("raw"), type: g.add(.pointer, ref: demoted), value: 256),
      ]) // [29] PTR -> void
    _ = g.add(.structure, name: n("Empty"), size: 0) // [30]
    return g
  }

  static func encode(_ g: TypeGraph, target: TargetFeatures = .linux6_1) throws -> [UInt8] {
    try BTFEncoder(target: target).encode(g)
  }

  // MARK: Round trip

  @Test func roundTripEveryKind() throws {
    let g = Self.everyKind()
    let bytes = try Self.encode(g)
    let back = try BTFDecoder.decode(bytes)
    #expect(back.dump() == g.dump())
    #expect(try Self.encode(back) == bytes)
    #expect(back.encodingSequence().count == 30)
  }

  /// The encoder derives the order it writes in: every type after the types it holds by value
  /// (the kernel resolves depth-first with a depth limit of 32), whatever the node ids.
  @Test func writesByValueDependenciesFirst() throws {
    var g = TypeGraph()
    let outer = g.add(.structure, name: g.strings.intern("Outer"), size: 16)
    let inner = g.add(.structure, name: g.strings.intern("Inner"), size: 4)
    let int = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 1 << 24 | 32)
    g.setMembers(
      outer,
      [Member(name: g.strings.intern("i"), type: inner), Member(name: g.strings.intern("p"), type: g.add(.pointer, ref: outer), value: 64)])
    g.setMembers(inner, [Member(name: g.strings.intern("x"), type: int)])
    let bytes = try Self.encode(g)
    let back = try BTFDecoder.decode(bytes)
    #expect(back.dump() == g.dump())
    #expect(["int", "Inner", "", "Outer"] == back.ids.map { back.nameString($0) })
    for id in back.ids where back.referencesByValue(id) {
      back.forEachReference(of: id) { #expect($0.index < id.index, "\(back.describe(id)) before \($0)") }
    }
    #expect(BTFValidator.validate(bytes) == [])
  }

  @Test func headerAndStrings() throws {
    let bytes = try Self.encode(Self.everyKind())
    func u32(_ at: Int) -> UInt32 {
      UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
    #expect(Array(bytes[0..<4]) == [0x9f, 0xeb, 1, 0])
    #expect(u32(4) == 24 && u32(8) == 0)
    let typeLen = u32(12)
    #expect(u32(16) == typeLen)
    #expect(24 + Int(typeLen) + Int(u32(20)) == bytes.count)
    let strings = bytes[(24 + Int(typeLen))...]
    #expect(strings.first == 0 && strings.last == 0)
    // Deduplicated: "int" is used by a type name only once but "tag"/"x" etc. appear once each.
    let names = strings.split(separator: 0, omittingEmptySubsequences: false).dropFirst().dropLast()
    #expect(Set(names.map { Array($0) }).count == names.count)
    // Deterministic.
    #expect(try Self.encode(Self.everyKind()) == bytes)
  }

  @Test func bitfieldStructUsesKindFlag() throws {
    var g = TypeGraph()
    let int = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 32)
    let s = g.add(.structure, name: g.strings.intern("S"), size: 4)
    g.setMembers(s, [Member(name: g.strings.intern("a"), type: int, value: 5, bits: 3)])
    let plain = g.add(.structure, name: g.strings.intern("P"), size: 4)
    g.setMembers(plain, [Member(name: g.strings.intern("b"), type: int, value: 0)])
    let bytes = try Self.encode(g)
    func u32(_ at: Int) -> UInt32 {
      UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
    // [1] INT: 16 bytes; [2] STRUCT S at 24+16.
    #expect(u32(24 + 16 + 4) == 1 << 31 | 4 << 24 | 1)
    #expect(u32(24 + 16 + 12 + 8) == 3 << 24 | 5)
    // [3] STRUCT P without kind_flag.
    #expect(u32(24 + 16 + 24 + 4) == 4 << 24 | 1)
  }

  // MARK: Judges

  @Test func everyKindIsValid() throws {
    let bytes = try Self.encode(Self.everyKind())
    #expect(BTFValidator.validate(bytes) == [])
    #expect(BTFValidator.validate(bytes, mode: .embedded) == [])
  }

  @Test func everyKindLoadsIntoTheKernel() throws {
    let bytes = try Self.encode(Self.everyKind())
    let failure = KernelCheck.acceptanceFailure(bytes)
    #expect(failure == nil, "\(failure ?? "")")
  }

  @Test func kernelReportsItsReason() throws {
    guard !KernelBTF.skipRequested else { return KernelCheck.skipped() }
    var g = TypeGraph()
    let int = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 32)
    let s = g.add(.structure, name: g.strings.intern("Foo<u8>"), size: 4)
    g.setMembers(s, [Member(name: g.strings.intern("a"), type: int)])
    let bytes = try Self.encode(g)
    switch KernelBTF.load(bytes) {
    case .rejected(let errno, let log):
      #expect(errno == 22)
      #expect(KernelBTF.lastLine(of: log) == "[2] STRUCT Foo<u8> size=4 vlen=1 Invalid name")
    case let other:
      Issue.record("expected a rejection, got \(other)")
    }
    #expect(BTFValidator.validate(bytes).first?.line == "[2] STRUCT Foo<u8> size=4 vlen=1 Invalid name")
  }

  // MARK: bpftool

  static let bpftool = "/usr/sbin/bpftool"

  static func bpftoolDump(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("rustbtf-encode-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).btf").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try runTool(bpftool, ["btf", "dump", "file", path, "format", "raw"])
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout
  }

  /// bpftool's dump of BTF another producer wrote, with its ids renumbered by `order` (the id
  /// the encoder gives each node of the decoded graph) and its types in that order: what `dump()`
  /// of the decoded graph shows, since the encoder writes by-value dependencies first.
  static func renumbered(_ dump: String, _ order: ContiguousArray<Int32>) -> String {
    var types: [(id: Int32, text: String)] = []
    for line in dump.split(separator: "\n") {
      let text = String(line).replacing(/(\[|type_id=)(\d+)/) { m in "\(m.output.1)\(order[Int(m.output.2)!])" }
      if line.hasPrefix("[") {
        types.append((order[Int(line.dropFirst().prefix { $0.isNumber })!], text + "\n"))
      } else {
        types[types.count - 1].text += text + "\n"
      }
    }
    return types.sorted { $0.id < $1.id }.map(\.text).joined()
  }

  /// Our dump is bpftool's raw format, byte for byte (graph without ENUM64 / DATASEC).
  @Test func dumpMatchesBpftool() throws {
    #expect(FileManager.default.isExecutableFile(atPath: Self.bpftool), "bpftool is required at \(Self.bpftool)")
    var g = Self.everyKind()
    // ENUM64 and DATASEC entries: see dumpMatchesBpftoolForEnum64AndDatasec.
    for i in 1..<g.count where g.kinds[i] == .enum64 || g.kinds[i] == .dataSection {
      g.setKind(TypeID(i), .removed)
    }
    let bytes = try Self.encode(g)
    #expect(try Self.bpftoolDump(bytes) == g.dump())
  }

  /// bpftool prints ENUM64 values with an LL/ULL suffix and names the VAR of each DATASEC
  /// entry ("type_id=20 offset=0 size=4 (VAR 'v')"); so does TypeGraph.dump().
  @Test func dumpMatchesBpftoolForEnum64AndDatasec() throws {
    #expect(FileManager.default.isExecutableFile(atPath: Self.bpftool), "bpftool is required at \(Self.bpftool)")
    let g = Self.everyKind()
    let bytes = try Self.encode(g)
    #expect(try Self.bpftoolDump(bytes) == g.dump())
  }

  // MARK: Decoding other producers' BTF

  /// pahole 1.24 `--btf_encode_detached` of a C object with structs, unions, bitfields,
  /// enums, ENUM64, FWD, modifiers, arrays, function pointers and functions.
  static let pahole = [UInt8](
    Data(
      base64Encoded:
        """
        n+sBABgAAAAAAAAArAMAAKwDAAAJAQAAAQAAAAAAAAEBAAAACAAAAA8AAAAAAAABAgAAABAAAAAiAAAAAAAAAQQAAAAgAAAALwAAAAAAAAEIAAAAQAAAAEEAAAAAAAABAQ\
        AAAAgAAAFNAAAAAAAAAQIAAAAQAAABVwAAAAAAAAEEAAAAIAAAAQAAAAAAAAAKBwAAAAAAAAAAAAAJCAAAAFsAAAAAAAABCAAAAEAAAAFkAAAAAAAAAQEAAAAIAAABaQAA\
        AAIAAAQQAAAAbgAAAA0AAAAAAAAAcwAAAA0AAABAAAAAAAAAAAAAAAIMAAAAeAAAAAMAAAUEAAAAegAAAAcAAAAAAAAAfAAAAA8AAAAAAAAAfgAAABAAAAAAAAAAAAAAAA\
        AAAAMAAAAACwAAAAcAAAADAAAAgAAAAAAAAAEEAAAAIAAAAIYAAAACAACGBAAAAIgAAAD/////igAAAAUAAACMAAAAAgAAEwgAAACQAAAAAAAAAAEAAACSAAAAAQAAAAAA\
        AACUAAAAAAAACAkAAACYAAAABwAAhCAAAAB6AAAAAwAAAAAAAAN8AAAAAwAAAAMAAAWdAAAABwAAACAAAACfAAAAEQAAAEAAAASGAAAAFQAAAIAAAAB+AAAAFgAAAMAAAA\
        ChAAAAFwAAAAABAACjAAAAAAAAAQgAAABAAAABsQAAAAAAAAEIAAAAQAAAAAAAAAAAAAADAAAAAAsAAAAHAAAAAAAAALgAAAAJAAAEgAAAALwAAAAaAAAAAAAAAL4AAAAM\
        AAAAQAAAAMAAAAAOAAAAwAAAAMMAAAAbAAAA4AAAAMcAAAAdAAAAAAIAAMkAAAAfAAAAQAIAAMwAAAAgAAAAgAIAANAAAAAhAAAAAAMAANMAAAAiAAAAgAMAANYAAAAAAA\
        AHAAAAAAAAAAAAAAACGQAAAAAAAAAAAAADAAAAAAcAAAAHAAAACAAAAAAAAAAAAAACEwAAAAAAAAAAAAALHAAAAAAAAAACAAANAAAAAAAAAAAHAAAAAAAAAAAAAAAAAAAA\
        AAAAAh4AAADZAAAAAAAAARAAAACAAAAB4gAAAAAAAAEQAAAAgAAAAO4AAAAAAAABAQAAAAgAAAQAAAAAAAAAAhQAAAAAAAAAAAAAAhgAAAAAAAAAAAAADQcAAAD0AAAAAA\
        AADCUAAAAAAAAAAgAADQcAAAD4AAAAEgAAAHwAAAAjAAAA+gAAAAAAAAwnAAAAAAAAAAIAAA0HAAAAAAEAACQAAAACAQAABwAAAAQBAAAAAAAMKQAAAAB1bnNpZ25lZCBj\
        aGFyAHNob3J0IHVuc2lnbmVkIGludAB1bnNpZ25lZCBpbnQAbG9uZyB1bnNpZ25lZCBpbnQAc2lnbmVkIGNoYXIAc2hvcnQgaW50AGludABsb25nIGludABjaGFyAGxpc3\
        QAbmV4dABwcmV2AHUAYQBiAGYAZmxvYXQAZQBBAEIAZTY0AFgAWQBjdmkAYml0cwBjAGQAZwBsb25nIGxvbmcgaW50AGRvdWJsZQBoYXMAcABsAHV1AGFycgByAGZwAGJp\
        ZwBsZABibwBmdwBfX2ludDEyOABsb25nIGRvdWJsZQBfQm9vbAB1c2UAdgBzZnVuYwBoAHgAZnVuYwA=
        """
    )!)

  @Test func decodesPahole() throws {
    var notes: [String] = []
    let g = try BTFDecoder.decode(Self.pahole, notes: &notes)
    #expect(notes.isEmpty)
    #expect(g.encodingSequence().count == 42)
    #expect(g.nameString(g.arrayIndexTypeID) == "int")
    if FileManager.default.isExecutableFile(atPath: Self.bpftool) {
      #expect(try Self.renumbered(Self.bpftoolDump(Self.pahole), g.encodingOrder()) == g.dump())
    }
    let again = try Self.encode(g)
    let back = try BTFDecoder.decode(again)
    #expect(back.dump() == g.dump())
    #expect(try Self.encode(back) == again)
    #expect(BTFValidator.validate(again) == [])
    #expect(BTFValidator.validate(Self.pahole) == [])
    let failure = KernelCheck.acceptanceFailure(again)
    #expect(failure == nil, "\(failure ?? "")")
  }

  @Test func decoderNotesASecondIndexType() throws {
    var g = Self.everyKind()
    let u32 = g.add(.int, name: g.strings.intern("u32"), size: 4, aux: 32)
    let second = g.add(.array, ref: u32, aux: 2)
    var bytes = try Self.encode(g)
    // Point the second array's index_type at the u32 INT by hand.
    let order = g.encodingOrder()
    var pos = 24
    for id in g.encodingSequence() {
      if id == second { break }
      pos += Self.recordSize(bytes, at: pos)
    }
    let v = UInt32(order[u32.index])
    for k in 0..<4 { bytes[pos + 16 + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
    var notes: [String] = []
    let back = try BTFDecoder.decode(bytes, notes: &notes)
    #expect(notes.count == 1)
    #expect(back.nameString(back.arrayIndexTypeID) == "__ARRAY_SIZE_TYPE__")
    #expect(BTFValidator.validate(bytes) == [])
  }

  static func recordSize(_ b: [UInt8], at p: Int) -> Int {
    let info = UInt32(b[p + 4]) | UInt32(b[p + 5]) << 8 | UInt32(b[p + 6]) << 16 | UInt32(b[p + 7]) << 24
    let vlen = Int(info & 0xffff)
    switch (info >> 24) & 0x1f {
    case 1, 14, 17: return 16
    case 3: return 24
    case 4, 5, 15, 19: return 12 + 12 * vlen
    case 6, 13: return 12 + 8 * vlen
    default: return 12
    }
  }

  @Test func decoderSurvivesTruncationAndNoise() throws {
    let good = try Self.encode(Self.everyKind())
    for n in 0..<good.count {
      do {
        _ = try BTFDecoder.decode(Array(good[0..<n]))
      } catch {
        #expect(!error.description.contains("\n"))
      }
    }
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<3000 {
      var b = good
      for _ in 0..<3 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
      do {
        let g = try BTFDecoder.decode(b)
        _ = g.dump()
      } catch {
        #expect(!error.description.contains("\n"))
      }
    }
  }

  @Test func decoderErrors() {
    #expect(throws: EncodeError.self) { try BTFDecoder.decode([]) }
    #expect(throws: EncodeError.self) { try BTFDecoder.decode([0xeb, 0x9f] + [UInt8](repeating: 0, count: 30)) }
  }

  // MARK: Refusals

  static func expectEncodeError(_ g: TypeGraph, target: TargetFeatures = .linux6_1, _ fragment: String) {
    do {
      _ = try BTFEncoder(target: target).encode(g)
      Issue.record("expected an EncodeError containing '\(fragment)'")
    } catch {
      #expect(error.description.contains(fragment), "\(error.description)")
      #expect(!error.description.contains("\n"))
    }
  }

  @Test func refusesUnrepresentable() {
    var g = TypeGraph()
    _ = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 32)
    _ = g.add(
      .unrepresentable, name: g.strings.intern("x"), dwarfTag: 0x33,
      origin: Origin(dieOffset: 0x4f21a, unit: .none))
    Self.expectEncodeError(g, "cannot encode UNREPRESENTABLE 'x' #2 [die 0x4f21a] (DW_TAG_variant_part): run demote-unrepresentable first")
  }

  @Test func refusesReferenceToRemoved() {
    var g = TypeGraph()
    let int = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 32)
    _ = g.add(.pointer, ref: int)
    g.setKind(int, .removed)
    Self.expectEncodeError(g, "removed node #1")
  }

  @Test func refusesKindsTheTargetLacks() {
    var g = TypeGraph()
    let e = g.add(.enum64, name: g.strings.intern("E"), size: 8)
    g.setMembers(e, [Member(name: g.strings.intern("A"), value: 1 << 40)])
    Self.expectEncodeError(g, target: [.float, .declTag, .typeTag], "ENUM64")
    var f = TypeGraph()
    _ = f.add(.float, name: f.strings.intern("double"), size: 8)
    Self.expectEncodeError(f, target: [], "FLOAT")
    var t = TypeGraph()
    let int = t.add(.int, name: t.strings.intern("int"), size: 4, aux: 32)
    _ = t.add(.typeTag, name: t.strings.intern("user"), ref: int)
    Self.expectEncodeError(t, target: [.float], "TYPE_TAG")
    var d = TypeGraph()
    let i2 = d.add(.int, name: d.strings.intern("int"), size: 4, aux: 32)
    _ = d.add(.declTag, name: d.strings.intern("x"), ref: i2, aux: UInt32(bitPattern: -1))
    Self.expectEncodeError(d, target: [.float], "DECL_TAG")
  }

  @Test func refusesLongNames() throws {
    var g = TypeGraph()
    _ = g.add(.structure, name: g.strings.intern(String(repeating: "a", count: 129)), size: 0)
    Self.expectEncodeError(g, target: [.float], "129 bytes long")
    _ = try BTFEncoder(target: .linux6_1).encode(g)
    var h = TypeGraph()
    _ = h.add(.structure, name: h.strings.intern(String(repeating: "a", count: 513)), size: 0)
    Self.expectEncodeError(h, "513 bytes long")
  }

  @Test func refusesTooManyMembers() {
    var g = TypeGraph()
    let int = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 32)
    let s = g.add(.structure, name: g.strings.intern("S"), size: 4)
    g.setMembers(s, Array(repeating: Member(type: int), count: 0x10000))
    Self.expectEncodeError(g, "65536 members")
  }

  @Test func refusesUnfittingValues() {
    var g = TypeGraph()
    let e = g.add(.enumeration, name: g.strings.intern("E"), size: 4)
    g.setMembers(e, [Member(name: g.strings.intern("A"), value: 1 << 40)])
    Self.expectEncodeError(g, "does not fit ENUM's 32 bits")
    var h = TypeGraph()
    let int = h.add(.int, name: h.strings.intern("int"), size: 4, aux: 32)
    let s = h.add(.structure, name: h.strings.intern("S"), size: 4)
    h.setMembers(s, [Member(type: int, value: 1 << 25, bits: 1)])
    Self.expectEncodeError(h, "24-bit offset")
  }

  /// The encoder does not repair: a kernel-invalid but representable graph is written as is.
  @Test func doesNotFixInvalidNames() throws {
    var g = TypeGraph()
    _ = g.add(.structure, name: g.strings.intern("Foo<u8>"), size: 0)
    let bytes = try Self.encode(g)
    #expect(BTFValidator.validate(bytes).first?.message == "Invalid name")
  }
}
