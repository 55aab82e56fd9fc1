import Encode
import Foundation
import Prune
import RustBTF
import Testing
import TypeGraph
import Verify

/// `select-symbols<variables=global>` (pahole's feature `global_var`) and `variables=percpu`
/// (`var`) on `c_vars` (Corpus/src/c_vars.c): variables in .data, .bss, .rodata, a custom
/// section and `.data..percpu`, names pahole never encodes, zero-sized ones, thread-local,
/// register and function-local ones, and in the executables a weak definition overridden by a
/// strong one (two DWARF variables at one address). pahole 1.31 writes the same VARs and
/// DATASECs on these four files (compared by hand), plus the weak duplicate, which makes the
/// kernel reject its BTF. Every entry is checked against the ELF symbol table (`readelf`), not
/// against the tool's own view; every BTF is loaded into the kernel.
@Suite struct GlobalVariableTests {
  static let files = ["c_vars-O0.o", "c_vars-O2.o", "c_vars-O0.elf", "c_vars-O2.elf"]
  static let skipped = [
    "__UNIQUE_ID_skipped", "__tpstrtab_skipped", "__exitcall_skipped", "__gendwarfksyms_ptr_skipped",
    "__func_stack_frame_non_standard_skipped",
  ]

  struct Symbol { var value: UInt64, size: UInt64, section: Int }
  struct Section { var name: String, address: UInt64 }

  /// STT_OBJECT symbols by name (the first of a name) and sections by index, from `readelf`.
  static func elf(_ path: String) throws -> (symbols: [String: Symbol], sections: [Int: Section]) {
    let s = try runTool("/usr/bin/readelf", ["-sW", path])
    try #require(s.status == 0)
    var symbols: [String: Symbol] = [:]
    for line in s.stdout.split(separator: "\n") {
      let f = line.split(separator: " ", omittingEmptySubsequences: true)
      guard f.count == 8, f[3] == "OBJECT", let ndx = Int(f[6]), let value = UInt64(f[1], radix: 16),
        let size = UInt64(f[2])
      else { continue }
      if symbols[String(f[7])] == nil { symbols[String(f[7])] = Symbol(value: value, size: size, section: ndx) }
    }
    let h = try runTool("/usr/bin/readelf", ["-SW", path])
    try #require(h.status == 0)
    var sections: [Int: Section] = [:]
    for line in h.stdout.split(separator: "\n") {
      // "  [ 5] .data  PROGBITS  0000000000004000 003000 ..."
      guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
        let index = Int(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
      else { continue }
      let f = line[line.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
      guard f.count >= 3, let address = UInt64(f[2], radix: 16) else { continue }
      sections[index] = Section(name: String(f[0]), address: address)
    }
    return (symbols, sections)
  }

  static func convert(_ file: String, variables: String) throws -> Conversion.Result {
    let text = StandardPasses.all().passes.map { $0.name == SelectSymbols.name ? "\($0.name)<variables=\(variables)>" : $0.name }
      .joined(separator: ",")
    let pipeline = try PassPipeline(parsing: text, registry: StandardPasses.registry)
    return try Conversion(pipeline: pipeline).run(path: SymbolSelectionTests.objects + file)
  }

  /// (section, VAR name, offset, size) of every DATASEC entry, and the DATASECs' (name, size).
  static func entries(_ btf: [UInt8]) throws -> (entries: [(String, String, UInt64, UInt32)], datasecs: [(String, UInt32)]) {
    let g = try BTFDecoder.decode(btf)
    var out: [(String, String, UInt64, UInt32)] = []
    var datasecs: [(String, UInt32)] = []
    for d in g.ids where g.kind(d) == .dataSection {
      datasecs.append((g.nameString(d), g.size(d)))
      for m in g.members(of: d) { out.append((g.nameString(d), g.nameString(m.type), m.value, m.bits)) }
    }
    return (out, datasecs)
  }

  @Test(arguments: files)
  func everySectionsVariablesAtTheirSymbols(file: String) throws {
    let result = try Self.convert(file, variables: "global")
    SymbolSelectionTests.expectKernelAccepts(result.btf, file)
    let (entries, datasecs) = try Self.entries(result.btf)
    let (symbols, sections) = try Self.elf(SymbolSelectionTests.objects + file)
    let relocatable = file.hasSuffix(".o")
    // Each entry is where the symbol of its name is, with the symbol's size (the type's size,
    // which these variables' symbols have), in the section that holds the symbol.
    for (section, name, offset, size) in entries {
      let s = try #require(symbols[name], "\(file): VAR '\(name)' has no object symbol")
      let home = try #require(sections[s.section])
      #expect(home.name == section, "\(file): '\(name)' in DATASEC \(section), its symbol in \(home.name)")
      let expected = relocatable ? s.value : s.value - home.address
      #expect(offset == expected && UInt64(size) == s.size, "\(file): '\(name)' at \(offset)+\(size), symbol at \(expected)+\(s.size)")
    }
    // Every variable of the source pahole places, once; none of the others.
    let names = entries.map(\.1)
    #expect(Set(names).count == names.count, "\(file): a VAR listed twice: \(names)")
    var expected: Set<String> = [
      "g_data", "g_bss", "g_rodata", "s_rodata", "g_custom", "s_custom", "g_percpu", "s_percpu",
      "__unique_kept", "g_target", "g_overridden",
    ]
    for name in ["s_data", "s_bss"] where symbols[name] != nil { expected.insert(name) } // -O2 folds them away
    #expect(Set(names) == expected, "\(file): \(Set(names).symmetricDifference(expected))")
    // Entries by offset without overlap; a DATASEC ends at its last entry (as pahole sizes it).
    for (name, size) in datasecs {
      let mine = entries.filter { $0.0 == name }
      #expect(zip(mine, mine.dropFirst()).allSatisfy { $0.2 + UInt64($0.3) <= $1.2 }, "\(file): \(name) unsorted or overlapping")
      #expect(mine.last.map { UInt64(size) == $0.2 + UInt64($0.3) } == true, "\(file): \(name) size \(size)")
    }
    // A linked executable merges .data.custom and .data..percpu into .data (GNU ld's script).
    let expectedSections: Set<String> =
      relocatable ? [".data", ".bss", ".rodata", ".data.custom", ".data..percpu"] : [".data", ".bss", ".rodata"]
    #expect(Set(datasecs.map(\.0)) == expectedSections)

    // Every other file-scope variable is removed with its reason. The conversion's graph is
    // found by DIE: dedup at import may have merged other copies, and its ids are then not those
    // of a plain import.
    let imported = try DWARFImporter.importFile(path: SymbolSelectionTests.objects + file)
    var converted: [UInt64: TypeID] = [:]
    for v in result.graph.ids where result.graph.origin(v).dieOffset != 0 { converted[result.graph.origin(v).dieOffset] = v }
    func node(_ v: TypeID) throws -> TypeID { try #require(converted[imported.origin(v).dieOffset], "\(file): \(imported.nameString(v))") }
    var reasons: [String: SelectSymbols.Reason] = [:]
    for v in imported.ids where imported.kind(v) == .variable && !expected.contains(imported.nameString(v)) {
      let d = try #require(result.graph.decisions.latest(for: try node(v)).map { result.graph.decisions[$0] })
      #expect(d.pass == SelectSymbols.name && d.action == .pruned)
      reasons[imported.nameString(v)] = d.reason.as(SelectSymbols.Reason.self)
    }
    for name in Self.skipped {
      let prefix = DatasecPlacement.skippedPrefixes.first { name.hasPrefix($0) }!
      #expect(reasons[name] == .skippedVariablePrefix(prefix), "\(file): \(name): \(String(describing: reasons[name]))")
    }
    #expect(reasons["g_empty"] == .unsizedVariable && reasons["g_flex"] == .unsizedVariable)
    #expect(reasons["t_thread"] == .noStaticAddress)
    // The weak definition the linker overrode reads the strong one's address: one entry.
    let copies = imported.ids.filter { imported.kind($0) == .variable && imported.nameString($0) == "g_overridden" }
    #expect(copies.count == (relocatable ? 1 : 2))
    let overlapping = try copies.compactMap {
      result.graph.decisions.latest(for: try node($0)).flatMap { result.graph.decisions[$0].reason.as(SelectSymbols.Reason.self) }
    }
    #expect(overlapping == (relocatable ? [] : [.variableOverlaps(previous: "g_overridden", section: ".data")]))
    // Function-local statics are no file-scope variables: not imported as VARs at all.
    #expect(!imported.ids.contains { imported.kind($0) == .variable && imported.nameString($0) == "s_in_function" })
  }

  /// `variables=percpu` (the default, pahole's `var`): the `.data..percpu` DATASEC alone, with
  /// the same entries `global` gives it; in the executables that section was merged into .data,
  /// so nothing. `none` writes no VAR, `all` every VAR imported.
  @Test(arguments: files)
  func percpuKeepsOnlyThePercpuSection(file: String) throws {
    let percpu = try Self.convert(file, variables: "percpu")
    SymbolSelectionTests.expectKernelAccepts(percpu.btf, file)
    let global = try Self.convert(file, variables: "global")
    let mine = try Self.entries(percpu.btf)
    let all = try Self.entries(global.btf)
    let expected = all.entries.filter { $0.0 == ".data..percpu" }
    #expect(mine.entries.map { "\($0)" } == expected.map { "\($0)" })
    #expect(mine.datasecs.map(\.0) == (expected.isEmpty ? [] : [".data..percpu"]))
    #expect(file.hasSuffix(".elf") == expected.isEmpty)
    let vars = SymbolSelectionTests.live(try BTFDecoder.decode(percpu.btf), .variable).count
    #expect(vars == expected.count)
    if let v = percpu.graph.ids.first(where: { percpu.graph.nameString($0) == "g_data" && percpu.graph.kind($0) == .removed }) {
      let d = try #require(percpu.graph.decisions.latest(for: v).map { percpu.graph.decisions[$0] })
      #expect(d.reason == SelectSymbols.Reason.notPercpu(section: ".data"))
    } else {
      Issue.record("\(file): g_data not removed")
    }

    let none = try Self.convert(file, variables: "none")
    SymbolSelectionTests.expectKernelAccepts(none.btf, file)
    let noneGraph = try BTFDecoder.decode(none.btf)
    #expect(SymbolSelectionTests.live(noneGraph, .variable).isEmpty && SymbolSelectionTests.live(noneGraph, .dataSection).isEmpty)
    let every = try Self.convert(file, variables: "all")
    SymbolSelectionTests.expectKernelAccepts(every.btf, file)
    let everyGraph = try BTFDecoder.decode(every.btf)
    #expect(SymbolSelectionTests.live(everyGraph, .variable).count > all.entries.count)
    #expect(SymbolSelectionTests.live(everyGraph, .dataSection).count == all.datasecs.count)
  }

  /// pahole's command line: `global_var` selects `variables=global` (with or without `var`),
  /// `var` alone the default, neither `none`.
  @Test func paholeFeaturesMapToTheVariableModes() throws {
    func mode(_ list: String) throws -> String {
      let inv = try PaholeCommandLine.parse(["--btf_features=\(list)", "--btf_encode_detached=out", "in"])
      return PaholeCommandLine.pipelineText(for: inv.features)
    }
    #expect(try mode("var,float,enum64,type_tag,decl_tag,decl_tag_kfuncs") == "all")
    #expect(try !mode("var,float,enum64,type_tag").contains("select-symbols<"))
    #expect(try mode("var,float,enum64,type_tag,global_var").contains("select-symbols<variables=global>"))
    #expect(try mode("float,enum64,type_tag,global_var").contains("select-symbols<variables=global>"))
    #expect(try mode("float,enum64,type_tag").contains("select-symbols<variables=none>"))
  }
}
