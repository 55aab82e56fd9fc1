import Foundation
import Testing

@testable import TypeGraph

/// The DWARF importer on the committed corpus (`Corpus/objects`, built by `Corpus/build.sh`) and
/// on bad inputs, which must throw a one-line `ImportError` and never crash.
@Suite struct ImportTests {
  static let corpus: String = {
    // Tests/RustBTFTests/ImportTests.swift -> <package>/Corpus/objects
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/Corpus/objects"
  }()

  static func object(_ name: String) -> String { corpus + "/" + name }

  static func load(_ name: String) throws -> (TypeGraph, ImportStatistics) {
    var stats = ImportStatistics()
    let g = try DWARFImporter.importFile(path: object(name), statistics: &stats)
    return (g, stats)
  }

  /// Every corpus object, found at run time; fails when the corpus is missing.
  static func corpusObjects() throws -> [String] {
    let names = try FileManager.default.contentsOfDirectory(atPath: corpus)
      .filter { $0.hasSuffix(".o") || $0.hasSuffix(".elf") }
      .sorted()
    return names
  }

  // MARK: Helpers over the graph

  static func nodes(_ g: TypeGraph, named name: String, kind: Kind) -> [TypeID] {
    g.ids.filter { g.kind($0) == kind && g.nameString($0) == name }
  }

  static func node(_ g: TypeGraph, named name: String, kind: Kind) throws -> TypeID {
    try #require(nodes(g, named: name, kind: kind).first, "no \(kind.btfName) '\(name)'")
  }

  static func members(_ g: TypeGraph, _ id: TypeID) -> [(String, TypeID, UInt64, UInt32)] {
    g.members(of: id).map { (g.strings.string($0.name), $0.type, $0.value, $0.bits) }
  }

  // MARK: Bad inputs

  static func expectImportError(_ path: String, contains fragment: String) {
    do {
      _ = try DWARFImporter.importFile(path: path)
      Issue.record("importing \(path) did not throw")
    } catch {
      let text = error.description
      #expect(!text.contains("\n"), "error is not one line: \(text)")
      #expect(text.hasPrefix(path + ": "), "error does not name the file: \(text)")
      #expect(text.contains(fragment), "'\(text)' does not contain '\(fragment)'")
    }
  }

  static func temporaryFile(_ name: String, _ bytes: Data) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "rustbtf-import-tests-\(getpid())", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try bytes.write(to: url)
    return url.path
  }

  @Test func missingFile() {
    Self.expectImportError("/nonexistent/rustbtf/x.o", contains: "cannot open: No such file or directory")
  }

  @Test func directory() {
    Self.expectImportError("/tmp", contains: "cannot open")
  }

  @Test func emptyFile() throws {
    let path = try Self.temporaryFile("empty.o", Data())
    Self.expectImportError(path, contains: "not an ELF file")
  }

  @Test func notELF() throws {
    let path = try Self.temporaryFile("text.o", Data("hello, this is not an object file\n".utf8))
    Self.expectImportError(path, contains: "not an ELF file")
  }

  @Test func arArchive() throws {
    let path = try Self.temporaryFile("lib.a", Data("!<arch>\n".utf8) + Data(repeating: 0x20, count: 60))
    Self.expectImportError(path, contains: "not an ELF file")
  }

  @Test func elfHeaderOnly() throws {
    let whole = try Data(contentsOf: URL(fileURLWithPath: Self.object("c_types-O0.o")))
    let path = try Self.temporaryFile("header.o", whole.prefix(20))
    Self.expectImportError(path, contains: "truncated ELF file")
  }

  @Test(arguments: ["/bin/ls", "c_types-O0.elf", "rust_enums-O0.o"])
  func truncatedHalf(_ source: String) throws {
    let real = source.hasPrefix("/") ? source : Self.object(source)
    let whole = try Data(contentsOf: URL(fileURLWithPath: real))
    let path = try Self.temporaryFile("half-" + (real as NSString).lastPathComponent, whole.prefix(whole.count / 2))
    Self.expectImportError(path, contains: "truncated ELF file")
  }

  @Test func lastByteMissing() throws {
    // A relocatable object keeps its section headers at the end: one byte short is enough.
    let whole = try Data(contentsOf: URL(fileURLWithPath: Self.object("c_types-O0.o")))
    let path = try Self.temporaryFile("chopped.o", whole.prefix(whole.count - 1))
    Self.expectImportError(path, contains: "truncated ELF file")
  }

  @Test func sectionDataPastEnd() throws {
    // Section headers intact (moved in front of the cut), .debug_info data cut off.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.object("c_types-O0.elf")))
    let range = try #require(Self.sectionRange(bytes, ".debug_info"))
    let shoff = Int(bytes[0x28]) | Int(bytes[0x29]) << 8 | Int(bytes[0x2a]) << 16 | Int(bytes[0x2b]) << 24
    let headers = bytes[shoff...]
    bytes = bytes.prefix(range.lowerBound + 4)
    let newOffset = bytes.count
    bytes.append(contentsOf: headers)
    for k in 0..<8 { bytes[0x28 + k] = UInt8(truncatingIfNeeded: newOffset >> (8 * k)) }
    let path = try Self.temporaryFile("cut-data.elf", bytes)
    Self.expectImportError(path, contains: "truncated ELF file (section")
  }

  @Test func zstdCompressedDebugInfo() throws {
    // Mark .debug_info SHF_COMPRESSED with an ELFCOMPRESS_ZSTD header (elfutils < 0.189 cannot
    // decompress it; newer ones would fail on the fake payload): one clear line either way.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.object("c_types-O0.elf")))
    let range = try #require(Self.sectionRange(bytes, ".debug_info"))
    let header = try #require(Self.sectionHeader(bytes, ".debug_info"))
    bytes[header + 9] |= 0x08 // SHF_COMPRESSED = 0x800
    bytes[range.lowerBound] = 2 // ch_type = ELFCOMPRESS_ZSTD
    for k in 1..<4 { bytes[range.lowerBound + k] = 0 }
    let path = try Self.temporaryFile("zstd.elf", bytes)
    do {
      _ = try DWARFImporter.importFile(path: path)
      Issue.record("a zstd-marked .debug_info imported")
    } catch {
      #expect(!error.description.contains("\n"))
      #expect(error.description.hasPrefix(path + ": "))
    }
  }

  @Test func elfWithoutDWARF() {
    Self.expectImportError("/bin/true", contains: "no DWARF debug information")
  }

  @Test func corruptDebugInfoDoesNotCrash() throws {
    // Overwrite the bytes of .debug_info with garbage: must throw or import, never crash.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.object("c_types-O0.elf")))
    guard let range = Self.sectionRange(bytes, ".debug_info") else {
      Issue.record("no .debug_info in c_types-O0.elf")
      return
    }
    var state: UInt32 = 12345
    for i in range.lowerBound + 11..<range.upperBound { // keep the first unit header
      state = state &* 1_103_515_245 &+ 12345
      bytes[i] = UInt8(truncatingIfNeeded: state >> 16)
    }
    let path = try Self.temporaryFile("garbage.elf", bytes)
    do {
      _ = try DWARFImporter.importFile(path: path)
    } catch {
      #expect(!error.description.contains("\n"))
    }
  }

  /// The file offset of a section's header in a 64-bit little-endian ELF file (test helper).
  static func sectionHeader(_ d: Data, _ name: String) -> Int? {
    guard let r = sectionRange(d, name) else { return nil }
    func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
    func u64(_ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(d[o + $1]) << (8 * $1) } }
    let shoff = u64(0x28)
    let shentsize = u16(0x3a)
    let shnum = u16(0x3c)
    return (0..<shnum).map { shoff + $0 * shentsize }.first { u64($0 + 0x18) == r.lowerBound }
  }

  /// The file range of a section of a 64-bit little-endian ELF file (test helper).
  static func sectionRange(_ d: Data, _ name: String) -> Range<Int>? {
    func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
    func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
    func u64(_ o: Int) -> Int { u32(o) | u32(o + 4) << 32 }
    let shoff = u64(0x28)
    let shentsize = u16(0x3a)
    let shnum = u16(0x3c)
    let shstrndx = u16(0x3e)
    let strOff = u64(shoff + shstrndx * shentsize + 0x18)
    for i in 0..<shnum {
      let h = shoff + i * shentsize
      var n = strOff + u32(h)
      var s = ""
      while d[n] != 0 {
        s.append(Character(UnicodeScalar(d[n])))
        n += 1
      }
      if s == name { return u64(h + 0x18)..<u64(h + 0x18) + u64(h + 0x20) }
    }
    return nil
  }

  // MARK: Whole corpus

  @Test func corpusIsPresent() throws {
    #expect(try Self.corpusObjects().count >= 20)
  }

  @Test(arguments: try ImportTests.corpusObjects())
  func importsCleanly(_ name: String) throws {
    let (g, stats) = try Self.load(name)
    #expect(g.verify().isEmpty, "\(g.verify())")
    #expect(stats.units >= 1)
    #expect(stats.referencesToNonTypes == 0)
    #expect(stats.unreadableDIEs == 0)
    #expect(stats.unsupportedMemberLocations == 0)
    #expect(g.count > 10)
    #expect(!g.compileUnits.isEmpty)
    // Every node has an origin in a unit, except synthesized ones.
    for id in g.ids where !g.flags(id).contains(.synthesized) {
      #expect(g.origin(id).dieOffset != 0 && g.origin(id).unit != .none, "\(g.describe(id))")
    }
    // Nodes come in DIE order.
    var last: UInt64 = 0
    for id in g.ids where !g.flags(id).contains(.synthesized) {
      #expect(g.origin(id).dieOffset >= last, "\(g.describe(id)) out of DIE order")
      last = g.origin(id).dieOffset
    }
  }

  // MARK: C

  @Test(arguments: ["c_types-O0.o", "c_types-O0-dwarf4.o", "c_types-O2.elf", "c_types-O0-dwarf4.elf"])
  func cBitFields(_ name: String) throws {
    let (g, _) = try Self.load(name)
    let flags = try Self.node(g, named: "flags", kind: .structure)
    #expect(g.size(flags) == 16)
    let m = Self.members(g, flags)
    #expect(m.map(\.0) == ["a", "b", "s", "on", "col", "wide", "tail", "after"])
    #expect(m.map(\.2) == [0, 3, 10, 15, 16, 20, 60, 64])
    #expect(m.map(\.3) == [3, 7, 5, 1, 4, 40, 2, 0])
    // Relocations applied (.o): member types are real, distinct nodes.
    #expect(g.nameString(m[0].1) == "unsigned int")
    #expect(g.nameString(m[3].1) == "_Bool")
    #expect(g.kind(m[4].1) == .enumeration)
    #expect(g.nameString(m[5].1) == "long long unsigned int")
  }

  @Test func cBaseTypes() throws {
    let (g, _) = try Self.load("c_types-O0.o")
    func int(_ n: String) throws -> (UInt32, UInt32) {
      let id = try Self.node(g, named: n, kind: .int)
      return (g.size(id), g.aux(id))
    }
    #expect(try int("int") == (4, 1 << 24 | 32))
    #expect(try int("unsigned int") == (4, 32))
    #expect(try int("_Bool") == (1, 4 << 24 | 8))
    #expect(try int("signed char") == (1, 1 << 24 | 8))
    #expect(try int("unsigned char") == (1, 8))
    #expect(try int("__int128") == (16, 1 << 24 | 128))
    let ld = try Self.node(g, named: "long double", kind: .float)
    #expect(g.size(ld) == 16)
  }

  @Test func cEnums() throws {
    let (g, _) = try Self.load("c_types-O0.o")
    let neg = try Self.node(g, named: "neg_vals", kind: .enumeration)
    #expect(g.flags(neg).contains(.signed))
    #expect(Self.members(g, neg).map { Int64(bitPattern: $0.2) } == [-100000, -1, 0, 7])
    let wide = try Self.node(g, named: "wide_vals", kind: .enum64)
    #expect(g.size(wide) == 8)
    #expect(!g.flags(wide).contains(.signed))
    #expect(Self.members(g, wide).map(\.2) == [1, 1 << 32, 1 << 63])
    let s64 = try Self.node(g, named: "signed64", kind: .enum64)
    #expect(g.flags(s64).contains(.signed))
    #expect(Self.members(g, s64).map { Int64(bitPattern: $0.2) } == [Int64.min, Int64.max])
    let color = try Self.node(g, named: "color", kind: .enumeration)
    #expect(!g.flags(color).contains(.signed))
  }

  @Test func cForwardsQualifiersArrays() throws {
    let (g, _) = try Self.load("c_types-O0.o")
    let fwdStruct = try Self.node(g, named: "opaque_handle", kind: .forward)
    #expect(g.aux(fwdStruct) == 0)
    #expect(g.flags(fwdStruct).contains(.declaration))
    let fwdUnion = try Self.node(g, named: "never_defined", kind: .forward)
    #expect(g.aux(fwdUnion) == 1)
    // typedef chain cpos_t -> const pos_t -> pos_t -> point_t -> struct point
    var t = try Self.node(g, named: "cpos_t", kind: .typedef)
    var chain: [String] = []
    while !t.isVoid && g.kind(t) != .structure {
      t = g.ref(t)
      chain.append(g.kind(t).btfName + ":" + g.nameString(t))
    }
    #expect(chain == ["CONST:", "TYPEDEF:pos_t", "TYPEDEF:point_t", "STRUCT:point"])
    // Flexible array: count 0; arrays use the shared index type.
    let blob = try Self.node(g, named: "blob", kind: .structure)
    let data = try #require(g.members(of: blob).last)
    #expect(g.kind(data.type) == .array && g.aux(data.type) == 0)
    #expect(!g.arrayIndexTypeID.isVoid)
    // Multi-dimensional C arrays are flattened as pahole does: `int grid[3][4]` is one ARRAY of
    // 12 ints, `char cube[2][3][4]` one of 24; no C array has an array element.
    #expect(!g.ids.contains { g.kind($0) == .array && g.kind(g.ref($0)) == .array })
    let matrixHolder = try #require(
      g.ids.first { g.kind($0) == .structure && g.members(of: $0).contains { g.strings.string($0.name) == "grid" } })
    let counts = Dictionary(uniqueKeysWithValues: g.members(of: matrixHolder).map { (g.strings.string($0.name), $0.type) })
    #expect(counts["grid"].map { g.aux($0) } == 12)
    #expect(counts["cube"].map { g.aux($0) } == 24)
    #expect(counts["pts"].map { g.aux($0) } == 4)
  }

  @Test func cVariablesAndFunctions() throws {
    let (g, _) = try Self.load("c_funcs-O0.o")
    let fns = g.ids.filter { g.kind($0) == .function }
    #expect(!fns.isEmpty)
    for f in fns {
      #expect(g.kind(g.ref(f)) == .functionProto)
      #expect(g.aux(f) == (g.flags(f).contains(.external) ? 1 : 0))
    }
    // A varargs function: its proto's last parameter is void.
    let varargs = fns.filter { f in
      let ms = g.members(of: g.ref(f))
      return ms.last.map { $0.type.isVoid && $0.name.isEmpty } ?? false
    }
    #expect(!varargs.isEmpty)
    // Parameters keep their names.
    #expect(fns.contains { f in g.members(of: g.ref(f)).contains { !$0.name.isEmpty } })
    #expect(g.ids.contains { g.kind($0) == .variable })
    #expect(g.compileUnits.allSatisfy { !$0.isRust && $0.language != 0 })
    #expect(g.ids.allSatisfy { !g.flags($0).contains(.rust) })
  }

  // MARK: Rust

  @Test(arguments: ["rust_enums-O0.o", "rust_enums-O2.elf"])
  func rustDataCarryingEnums(_ name: String) throws {
    let (g, _) = try Self.load(name)
    #expect(g.compileUnits.contains { $0.isRust })
    let tagged = try Self.node(g, named: "Tagged", kind: .structure)
    #expect(g.flags(tagged).contains(.rust))
    #expect(g.strings.string(g.scopes[tagged.index]) == "rust_enums")
    let entries = g.members(of: tagged)
    #expect(entries.count == 1)
    let vp = entries[0].type
    #expect(g.kind(vp) == .unrepresentable && g.dwarfTag(of: vp) == DWARFTag.variantPart)
    #expect(entries[0].name.isEmpty && entries[0].value == 0 && entries[0].bits == 0)
    let parts = g.members(of: vp)
    #expect(parts.count == 4)
    #expect(parts[0].bits == VariantFlags.discriminant.rawValue)
    #expect(g.nameString(parts[0].type) == "u8")
    #expect(parts[1...].map(\.value) == [3, 7, 9])
    #expect(parts[1...].allSatisfy { $0.bits == VariantFlags.hasDiscriminantValue.rawValue })
    for p in parts[1...] {
      #expect(g.dwarfTag(of: p.type) == DWARFTag.variant)
    }
    // Variant B(u32): one member "B" whose type is the struct B, nested in Tagged's scope.
    let b = g.members(of: parts[2].type)
    #expect(b.count == 1)
    #expect(g.strings.string(b[0].name) == "B")
    #expect(g.kind(b[0].type) == .structure && g.nameString(b[0].type) == "B")
    #expect(g.strings.string(g.scopes[b[0].type.index]) == "rust_enums::Tagged")
  }

  @Test func rustWideDiscriminants() throws {
    let (g, _) = try Self.load("rust_enums-O0.o")
    let huge = try Self.node(g, named: "Huge", kind: .structure)
    let parts = g.members(of: try #require(g.members(of: huge).first).type)
    #expect(parts.count == 4)
    #expect(g.nameString(parts[0].type) == "u128")
    let byName = Dictionary(
      uniqueKeysWithValues: parts[1...].map { p in
        (g.strings.string(g.members(of: p.type).first?.name ?? .empty), (p.value, VariantFlags(rawValue: p.bits)))
      })
    #expect(byName["Small"]?.0 == 1)
    #expect(byName["Small"]?.1 == [.hasDiscriminantValue])
    #expect(byName["Big"]?.0 == 1)
    #expect(byName["Big"]?.1 == [.hasDiscriminantValue, .wideDiscriminantValue])
    #expect(byName["Carry"]?.0 == 0)
    #expect(byName["Carry"]?.1 == [.hasDiscriminantValue, .wideDiscriminantValue])
  }

  @Test func rustCLikeEnums() throws {
    let (g, _) = try Self.load("rust_enums-O0.o")
    let wide = try Self.node(g, named: "Wide", kind: .enum64)
    #expect(Self.members(g, wide).map(\.2) == [0, 1 << 32, 1 << 63, UInt64.max])
    let signed = try Self.node(g, named: "Signed", kind: .enumeration)
    #expect(g.flags(signed).contains(.signed))
    #expect(Self.members(g, signed).map { Int64(bitPattern: $0.2) } == [-2_000_000_000, -1, 0, 42])
    let tiny = try Self.node(g, named: "TinySigned", kind: .enumeration)
    #expect(g.size(tiny) == 1)
    #expect(Self.members(g, tiny).map { Int64(bitPattern: $0.2) } == [-128, 127])
  }

  @Test func rustFunctionsAndScopes() throws {
    let (g, _) = try Self.load("rust_enums-O0.o")
    // Methods: declared inside the type, defined at top level with DW_AT_specification; the
    // definition gets the declaration's name, linkage name and scope.
    let methods = g.ids.filter {
      g.kind($0) == .function && g.strings.string(g.scopes[$0.index]).hasPrefix("rust_enums::Shape")
    }
    #expect(!methods.isEmpty)
    for m in methods {
      #expect(!g.name(m).isEmpty)
      #expect(!g.linkageNames[m.index].isEmpty)
    }
    // extern "C" #[no_mangle] functions are named and external.
    let opt = try Self.node(g, named: "enums_opt", kind: .function)
    #expect(g.flags(opt).contains(.external) && g.aux(opt) == 1)
    #expect(g.members(of: g.ref(opt)).count == 1)
    #expect(g.flags(g.ref(opt)).contains(.prototyped))
    // Pointers keep their Rust names for a later pass.
    #expect(g.ids.contains { g.kind($0) == .pointer && g.nameString($0).hasPrefix("&") })
    // Template parameters are recorded with resolved types.
    #expect(!g.templateParameters.isEmpty)
    #expect(g.templateParameters.allSatisfy { !$0.owner.isVoid })
    #expect(g.templateParameters.contains { !$0.type.isVoid })
  }

  @Test func rustLayout() throws {
    let (g, _) = try Self.load("rust_layout-O0.o")
    // () and ! are size-0 ints.
    let unit = try Self.node(g, named: "()", kind: .int)
    #expect(g.size(unit) == 0 && g.aux(unit) == 0)
    let ch = try Self.node(g, named: "char", kind: .int)
    #expect(g.size(ch) == 4)
    #expect(try g.size(Self.node(g, named: "f64", kind: .float)) == 8)
    // Arrays: [[u16; 3]; 2] is ARRAY 2 of ARRAY 3 of u16.
    let nested = g.ids.filter {
      g.kind($0) == .array && g.aux($0) == 2 && g.kind(g.ref($0)) == .array && g.aux(g.ref($0)) == 3
    }
    #expect(nested.contains { g.nameString(g.ref(g.ref($0))) == "u16" })
  }

  @Test func mixedLanguages() throws {
    let (g, _) = try Self.load("mixed-O2.elf")
    #expect(g.compileUnits.contains { $0.isRust })
    #expect(g.compileUnits.contains { !$0.isRust })
    for id in g.ids where !g.flags(id).contains(.synthesized) {
      let unit = g.compileUnits[Int(g.origin(id).unit.rawValue)]
      #expect(g.flags(id).contains(.rust) == unit.isRust)
    }
  }

  /// A real Rust-enabled vmlinux (2.3 M DIEs): opt-in, `RUSTBTF_VMLINUX=/path/to/vmlinux`.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"] != nil))
  func largeRustVmlinux() throws {
    let path = try #require(ProcessInfo.processInfo.environment["RUSTBTF_VMLINUX"])
    var stats = ImportStatistics()
    let g = try DWARFImporter.importFile(path: path, statistics: &stats)
    #expect(stats.units > 100)
    #expect(stats.referencesToNonTypes == 0)
    #expect(g.verify().isEmpty)
    #expect(g.ids.contains { g.kind($0) == .unrepresentable && g.nameString($0) == "DW_ATE_unsigned_256" })
  }
}
