import Encode
import Foundation
import Prune
import Reports
import RustBTF
import Testing
import TypeGraph
import Verify

/// `select-symbols` and the importer's symbol side table: FUNCs are the functions with an ELF
/// function symbol (checked against `llvm-nm`, not against the tool's own output), one per
/// name, Rust ones named by their symbol; VARs are per-CPU variables in a `.data..percpu`
/// DATASEC (every section's with `variables=global`: `GlobalVariableTests`); C
/// multi-dimensional arrays are one ARRAY. Every BTF produced is loaded into the kernel.
@Suite struct SymbolSelectionTests {
  static let objects = packageRoot + "/Corpus/objects/"

  /// Defined function symbols of `file` by `llvm-nm` (or `nm`): types T, t, W, w, i.
  static func functionSymbols(_ file: String) throws -> Set<String> {
    let tool = ["/usr/bin/llvm-nm", "/usr/bin/nm"].first { FileManager.default.isExecutableFile(atPath: $0) }
    let nm = try #require(tool, "llvm-nm or nm is needed")
    let r = try runTool(nm, ["--defined-only", file])
    try #require(r.status == 0, "\(nm) failed on \(file)")
    var out = Set<String>()
    for line in r.stdout.split(separator: "\n") {
      let f = line.split(separator: " ", omittingEmptySubsequences: true)
      guard f.count >= 3, ["T", "t", "W", "w", "i"].contains(String(f[f.count - 2])) else { continue }
      out.insert(String(f[f.count - 1]))
    }
    return out
  }

  /// `s` with every byte outside `[A-Za-z0-9_]` replaced by `_` (how a legacy-mangled Rust
  /// symbol with `$` or `.` reads once made a valid identifier; a hash may follow).
  static func identifierForm(_ s: String) -> String {
    String(
      s.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") ? Character($0) : "_" })
  }

  static func decode(_ btf: [UInt8]) throws -> TypeGraph { try BTFDecoder.decode(btf) }

  static func live(_ g: TypeGraph, _ kind: Kind) -> [TypeID] { g.ids.filter { g.kind($0) == kind } }

  static func expectKernelAccepts(_ btf: [UInt8], _ what: String) {
    let problems = BTFValidator.validate(btf, mode: .load)
    #expect(problems.isEmpty, "\(what): offline validator: \(problems)")
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(what): \(failure)") }
  }

  // MARK: Functions on the corpus

  /// The names function symbols are keyed by (pahole's `elf_functions__collect`): each name cut
  /// at its first `.`, `.cold` and `.part` pieces left out.
  static func baseNames(_ symbols: Set<String>) -> Set<String> {
    Set(
      symbols.compactMap { s -> String? in
        guard let dot = s.firstIndex(of: ".") else { return s }
        let tail = s[dot...]
        return tail.contains(".cold") || tail.contains(".part") ? nil : String(s[..<dot])
      })
  }

  /// Every FUNC written is a defined ELF function symbol of the file, or the base name of a
  /// clone's (`foo` of `foo.constprop.0`), or, for a legacy-mangled Rust symbol with `$` or `.`,
  /// its identifier form; and no name is written twice.
  @Test(arguments: try corpusFiles())
  func functionsAreELFSymbolsOnePerName(file: String) throws {
    let symbols = try Self.functionSymbols(file)
    let result = try Conversion().run(path: file)
    Self.expectKernelAccepts(result.btf, file)
    let btf = try Self.decode(result.btf)
    var seen = Set<String>()
    let legacy = symbols.filter { $0.contains("$") || $0.contains(".") }.map(Self.identifierForm)
    for f in Self.live(btf, .function) {
      let name = btf.nameString(f)
      #expect(seen.insert(name).inserted, "\(file): FUNC '\(name)' written twice")
      #expect(
        symbols.contains(name) || Self.baseNames(symbols).contains(name) || legacy.contains { name.hasPrefix($0) },
        "\(file): FUNC '\(name)' is no defined function symbol")
    }
    #expect(!seen.isEmpty, "\(file): no FUNC at all")
  }

  /// On C inputs the FUNCs are exactly the DWARF functions whose name is a defined function
  /// symbol, less the names select-symbols reports (clones, inconsistent prototypes): computed
  /// from the imported graph and `llvm-nm`, independently of the pass.
  @Test(arguments: try corpusFiles().filter { $0.split(separator: "/").last!.hasPrefix("c_") })
  func cFunctionsAreTheDWARFFunctionsWithSymbols(file: String) throws {
    let symbols = try Self.functionSymbols(file)
    let imported = try DWARFImporter.importFile(path: file)
    let dwarfNames = Set(Self.live(imported, .function).map { imported.nameString($0) })
    let result = try Conversion().run(path: file)
    let written = Set(Self.live(try Self.decode(result.btf), .function).map { Self.nameOf($0, result.btf) })
    var reported = Set<String>()
    for d in result.graph.decisions.entries where d.pass == SelectSymbols.name && result.graph.kind(d.subject) == .removed {
      if imported.kind(d.subject) == .function { reported.insert(imported.nameString(d.subject)) }
    }
    let expected = dwarfNames.intersection(Self.baseNames(symbols))
    #expect(written.isSubset(of: expected), "\(file): FUNCs without a symbol: \(written.subtracting(expected))")
    for name in expected.subtracting(written) {
      #expect(reported.contains(name), "\(file): '\(name)' has a symbol but is neither written nor reported")
    }
    #expect(!written.isEmpty)
  }

  static func nameOf(_ id: TypeID, _ btf: [UInt8]) -> String {
    (try? decode(btf)).map { $0.nameString(id) } ?? ""
  }

  /// c_funcs at -O2: GCC compiled `apply` only as `apply.constprop.0`; it is reported as a
  /// clone, not written, and not silently dropped.
  @Test func cloneIsReportedWithItsSymbol() throws {
    let file = Self.objects + "c_funcs-O2.o"
    let symbols = try Self.functionSymbols(file)
    try #require(symbols.contains("apply.constprop.0") && !symbols.contains("apply"))
    let result = try Conversion().run(path: file)
    let btf = try Self.decode(result.btf)
    #expect(!Self.live(btf, .function).contains { btf.nameString($0) == "apply" })
    let text = Explanation(graph: result.graph, importedScopes: result.importedScopes).text()
    #expect(text.contains("apply.constprop.0"), "the explanation names the clone's symbol")
  }

  /// A function whose DWARF says DW_CC_nocall (llvm-dwarfdump: `sum_wrapped<u8>` in
  /// rust_generics-O2.o, symbol _ZN13rust_generics11sum_wrapped17h0202241e3ed663c4E, which
  /// llvm-nm lists) gets no FUNC; `nocall=drop` gives the reason naming DW_CC_nocall (by
  /// default the location rules remove it: `FunctionRulesTests`); `nocall=keep` with
  /// `match=exact` (no location rules) writes it.
  @Test func changedCallingConventionIsReportedNotWritten() throws {
    let file = Self.objects + "rust_generics-O2.o"
    let symbol = "_ZN13rust_generics11sum_wrapped17h0202241e3ed663c4E"
    try #require(try Self.functionSymbols(file).contains(symbol))
    let drop = try PassPipeline(
      parsing: "lower-rust,select-symbols<nocall=drop>,demote-unrepresentable,sanitize-names,prune-dependents,dedup",
      registry: StandardPasses.registry)
    let result = try Conversion(pipeline: drop).run(path: file)
    Self.expectKernelAccepts(result.btf, file)
    let g = result.graph
    #expect(!Self.live(g, .function).contains { g.nameString($0) == symbol })
    let node = try #require(g.ids.first { g.kind($0) == .removed && g.strings.string(g.linkageNames[$0.index]) == symbol })
    let reason = try #require(g.decisions.latest(for: node).map { g.decisions[$0].reason })
    #expect(reason == SelectSymbols.Reason.changedCallingConvention)

    let keep = try PassPipeline(
      parsing: "lower-rust,select-symbols<nocall=keep;match=exact>,demote-unrepresentable,sanitize-names,prune-dependents,dedup",
      registry: StandardPasses.registry)
    #expect(keep.text.contains("select-symbols<nocall=keep;match=exact>"))
    let kept = try Conversion(pipeline: keep).run(path: file)
    #expect(Self.live(kept.graph, .function).contains { kept.graph.nameString($0) == symbol })
  }

  /// Rust FUNCs carry their ELF symbol (linkage) name; methods declared inside structs and
  /// enums get theirs through DW_AT_specification. Their prototypes' parameters are named,
  /// typed, and survive encoding.
  @Test(arguments: try corpusFiles().filter { $0.split(separator: "/").last!.hasPrefix("rust_") })
  func rustFunctionsAreNamedByTheirSymbols(file: String) throws {
    let symbols = try Self.functionSymbols(file)
    let result = try Conversion().run(path: file)
    Self.expectKernelAccepts(result.btf, file)
    let g = result.graph
    var rust = 0
    for f in Self.live(g, .function) where g.flags(f).contains(.rust) {
      rust += 1
      let linkage = g.strings.string(g.linkageNames[f.index])
      let name = g.nameString(f)
      if !linkage.isEmpty {
        #expect(
          name == linkage || name.hasPrefix(Self.identifierForm(linkage)),
          "\(file): Rust FUNC '\(name)' is not named by its symbol '\(linkage)'")
      }
      #expect(symbols.contains(linkage.isEmpty ? name : linkage), "\(file): '\(name)' has no symbol")
      // Named by its symbol, never qualified: the path stays for tags and explanations only.
      if !linkage.isEmpty { #expect(g.flags(f).contains(.symbolName), "\(file): '\(name)' is not flagged as named by its symbol") }
    }
    #expect(rust > 0, "\(file): no Rust FUNC")
    // Parameters: named identifiers of real types, the same after decoding.
    let btf = try Self.decode(result.btf)
    for f in Self.live(btf, .function) {
      let proto = btf.ref(f)
      #expect(btf.kind(proto) == .functionProto)
      let range = btf.memberRange(proto)
      for i in range {
        let vararg = i == range.upperBound - 1 && btf.memberTypes[i].isVoid
        if vararg { continue }
        let pname = btf.strings.string(btf.memberNames[i])
        #expect(
          !pname.isEmpty && pname.utf8.allSatisfy { $0 == 95 || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) },
          "\(file): FUNC '\(btf.nameString(f))' parameter '\(pname)'")
        #expect(!btf.memberTypes[i].isVoid, "\(file): FUNC '\(btf.nameString(f))' parameter '\(pname)' has no type")
      }
    }
  }

  /// A method of a struct impl (declared inside the struct's DIE, defined through
  /// DW_AT_specification) is written under its symbol.
  @Test func methodsResolveThroughSpecification() throws {
    let file = Self.objects + "rust_layout-O0.o"
    let imported = try DWARFImporter.importFile(path: file)
    let methods = Self.live(imported, .function).filter {
      imported.flags($0).contains(.rust) && !imported.linkageNames[$0.index].isEmpty
        && imported.strings.string(imported.scopes[$0.index]).contains("rust_layout")
    }
    try #require(!methods.isEmpty, "no Rust method with a linkage name in \(file)")
    let result = try Conversion().run(path: file)
    let names = Set(Self.live(try Self.decode(result.btf), .function).map { Self.nameOf($0, result.btf) })
    let symbols = try Self.functionSymbols(file)
    for m in methods {
      let linkage = imported.strings.string(imported.linkageNames[m.index])
      if symbols.contains(linkage) {
        #expect(names.contains(linkage) || names.contains { $0.hasPrefix(Self.identifierForm(linkage)) }, "\(file): \(linkage) not written")
      }
    }
  }

  // MARK: Variables

  /// Files without `.data..percpu`: every VAR goes, each with a reason, as pahole writes none
  /// either (without global_var).
  @Test(arguments: ["c_types-O0.o", "c_funcs-O2.elf", "rust_layout-O0.elf"])
  func withoutPercpuSectionNoVariableIsWritten(file: String) throws {
    let result = try Conversion().run(path: Self.objects + file)
    Self.expectKernelAccepts(result.btf, file)
    let btf = try Self.decode(result.btf)
    #expect(Self.live(btf, .variable).isEmpty && Self.live(btf, .dataSection).isEmpty)
    let imported = try DWARFImporter.importFile(path: Self.objects + file)
    let vars = Self.live(imported, .variable)
    #expect(!vars.isEmpty, "\(file) has global variables")
    for v in vars {
      let why = result.graph.decisions.latest(for: v).map { result.graph.decisions[$0] }
      #expect(
        why?.pass == SelectSymbols.name && why?.action == .pruned, "\(file): VAR '\(imported.nameString(v))' removed without a reason")
    }
  }

  /// Hand-made sections as a vmlinux has them (`.data..percpu` at 0, sharing its addresses with
  /// a non-allocated section after it; `.data` elsewhere): each variable in the first section
  /// holding its address, at offset 0 only under a symbol of its name, entries by offset with
  /// the type's size, overlaps, skipped names and strays removed with reasons; DATASECs end at
  /// their last entry. `percpu` keeps `.data..percpu` alone, `global` every section, `none`
  /// nothing, `all` every VAR; the kernel takes what is written.
  @Test func variablesFormDataSectionsTheKernelAccepts() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let long = b.int("long", bytes: 8, signed: true)
    let arr = b.array(of: long, count: 4)
    let opaque = b.graph.add(.forward, name: b.name("opaque"))
    func variable(_ name: String, _ type: TypeID, at address: UInt64?) -> TypeID {
      let v = b.graph.add(.variable, name: b.name(name), ref: type, aux: 1)
      if let address { b.graph.symbols.recordAddress(v, address) }
      return v
    }
    let data: UInt64 = 0x9000
    let first = variable("fixed_percpu_data", long, at: 0) // offset 0, its own symbol
    let discarded = variable("discarded", int, at: 0) // offset 0, no symbol: discarded
    let counter = variable("counter", int, at: 64)
    let copy = variable("counter_copy", int, at: 66) // inside counter
    let stats = variable("stats", arr, at: 128)
    let jiffies = variable("jiffies", long, at: data) // .data, offset 0, its own symbol
    let unique = variable("__UNIQUE_ID_x", int, at: data + 16) // a skipped prefix
    let void = variable("nothing", .void, at: data + 32)
    let unsized = variable("opaque_thing", opaque, at: data + 48)
    let outside = variable("elsewhere", long, at: 0x20000) // in no section
    let decl = variable("extern_thing", int, at: nil) // no address
    b.graph.symbols.imported = true
    b.graph.symbols.tableSize = 10
    var sections = ELFSymbols.DataSections()
    sections.add(name: b.name(".data..percpu"), address: 0, size: 4096)
    sections.add(name: b.name(".comment"), address: 0, size: 8192)
    sections.add(name: b.name(".data"), address: data, size: 256)
    sections.addStartSymbol(2, name: b.name("jiffies"))
    sections.addStartSymbol(0, name: b.name("fixed_percpu_data"))
    sections.finish()
    b.graph.symbols.dataSections = sections
    var imported = b.graph
    DatasecPlacement.addDataSections(to: &imported)

    func datasecs(_ g: TypeGraph) -> [String: [[Int64]]] {
      var out: [String: [[Int64]]] = [:]
      for d in Self.live(g, .dataSection) {
        out[g.nameString(d)] = [[Int64(g.size(d))]] + g.members(of: d).map { [Int64($0.type.rawValue), Int64($0.value), Int64($0.bits)] }
      }
      return out
    }
    let percpuEntries: [[Int64]] = [
      [160], [Int64(first.rawValue), 0, 8], [Int64(counter.rawValue), 64, 4], [Int64(stats.rawValue), 128, 32],
    ]
    let dataEntries: [[Int64]] = [[8], [Int64(jiffies.rawValue), 0, 8]]

    var g = imported
    try run("select-symbols", on: &g, registry: StandardPasses.registry)
    #expect(g.verify().isEmpty, "\(g.verify())")
    #expect(datasecs(g) == [".data..percpu": percpuEntries])
    let expected: [TypeID: SelectSymbols.Reason] = [
      discarded: .discardedVariable(section: ".data..percpu"),
      copy: .variableOverlaps(previous: "counter", section: ".data..percpu"),
      jiffies: .notPercpu(section: ".data"),
      unique: .skippedVariablePrefix("__UNIQUE_ID"),
      void: .voidVariable, unsized: .unsizedVariable, outside: .notInDataSection, decl: .noStaticAddress,
    ]
    for (v, reason) in expected {
      #expect(g.kind(v) == .removed)
      let d = try #require(g.decisions.latest(for: v).map { g.decisions[$0] })
      #expect(d.pass == SelectSymbols.name && d.reason == reason, "\(g.nameString(v)): \(d.reason)")
    }
    var rest = g
    try run("demote-unrepresentable,sanitize-names,prune-dependents,dedup", on: &rest, registry: StandardPasses.registry)
    let btf = try BTFEncoder().encode(rest)
    Self.expectKernelAccepts(btf, "hand-made .data..percpu")
    let decoded = try Self.decode(btf)
    #expect(Self.live(decoded, .variable).map { decoded.nameString($0) }.sorted() == ["counter", "fixed_percpu_data", "stats"])

    var global = imported
    try run("select-symbols<variables=global>", on: &global, registry: StandardPasses.registry)
    #expect(datasecs(global) == [".data..percpu": percpuEntries, ".data": dataEntries])
    #expect(global.kind(jiffies) == .variable && global.kind(copy) == .removed)
    try run("demote-unrepresentable,sanitize-names,prune-dependents,dedup", on: &global, registry: StandardPasses.registry)
    Self.expectKernelAccepts(try BTFEncoder().encode(global), "hand-made .data..percpu and .data")

    var none = imported
    try run("select-symbols<variables=none>", on: &none, registry: StandardPasses.registry)
    #expect(Self.live(none, .variable).isEmpty && Self.live(none, .dataSection).isEmpty)
    var all = imported
    try run("select-symbols<variables=all>", on: &all, registry: StandardPasses.registry)
    #expect(Self.live(all, .variable).count == 11 && Self.live(all, .dataSection).count == 2)
  }

  /// A graph that no ELF file gave (hand-built, decoded) is left alone.
  @Test func graphsWithoutSymbolInformationAreLeftAlone() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4)
    _ = b.function("static_helper", returns: int, params: [("x", int)])
    _ = b.graph.add(.variable, name: b.name("v"), ref: int)
    var g = b.graph
    try run("select-symbols", on: &g, registry: StandardPasses.registry)
    #expect(g.liveCount == b.graph.liveCount && g.decisions.count == 0)
  }

  @Test func parametersParseAndPrint() throws {
    let p = try PassPipeline(parsing: "select-symbols<functions=ftrace;variables=none>", registry: StandardPasses.registry)
    #expect(p.text == "select-symbols<functions=ftrace;variables=none>")
    #expect(try PassPipeline(parsing: "select-symbols", registry: StandardPasses.registry).text == "select-symbols")
    #expect(throws: PipelineError.self) { try PassPipeline(parsing: "select-symbols<functions=some>", registry: StandardPasses.registry) }
    #expect(
      StandardPasses.registry.names.firstIndex(of: "select-symbols") == StandardPasses.registry.names.firstIndex(of: "lower-rust")! + 1)
  }

  // MARK: Arrays

  /// `int grid[3][4]` and `int g_matrix[4][5][6]` are one ARRAY of 12 and of 120 elements;
  /// Rust's `[[u16; 3]; 2]` stays an array of arrays.
  @Test func cMultiDimensionalArraysAreFlattened() throws {
    let c = try DWARFImporter.importFile(path: Self.objects + "c_types-O0.o")
    let arrays = Self.live(c, .array)
    #expect(!arrays.contains { c.kind(c.ref($0)) == .array }, "a C array of arrays is left")
    let counts = Set(arrays.map { c.aux($0) })
    #expect(counts.contains(12) && counts.contains(120) && counts.contains(24))
    let rust = try DWARFImporter.importFile(path: Self.objects + "rust_layout-O0.o")
    #expect(Self.live(rust, .array).contains { rust.kind(rust.ref($0)) == .array && rust.aux($0) == 2 && rust.aux(rust.ref($0)) == 3 })
  }
}
