import Encode
import Foundation
import Prune
import Reports
import RustBTF
import Testing
import TypeGraph
import Verify

/// `select-symbols`' function rules (pahole master's, `match=pahole`): the importer's parameter
/// locations (`FunctionFacts`), clones keyed by base name, and each rule's reason, on committed
/// GCC and rustc objects whose DWARF shows the case (llvm-dwarfdump is asked where it can say it
/// independently). Every BTF produced is loaded into the kernel.
@Suite struct FunctionRulesTests {
  static let objects = packageRoot + "/Corpus/objects/"

  static func funcNames(_ btf: [UInt8]) throws -> Set<String> {
    let g = try BTFDecoder.decode(btf)
    return Set(g.ids.filter { g.kind($0) == .function }.map { g.nameString($0) })
  }

  /// The select-symbols reasons of the removed function nodes named `name`.
  static func reasons(_ name: String, _ g: TypeGraph) -> [SelectSymbols.Reason] {
    g.decisions.entries.filter {
      $0.pass == SelectSymbols.name && $0.action == .pruned && $0.reason != SelectSymbols.Reason.prototypeOfPruned
        && g.nameString($0.subject) == name
    }.compactMap { $0.reason.as(SelectSymbols.Reason.self) }
  }

  static func dwarfdump(_ file: String) throws -> String {
    let r = try runTool("/usr/bin/llvm-dwarfdump", ["--debug-info", file])
    try #require(r.status == 0, "llvm-dwarfdump failed on \(file)")
    return r.stdout
  }

  /// c_abi-O2.elf (two GCC units): each rule removes the function built to meet it, with its
  /// own reason; `abi_plain` and the entry points stay. Without pahole master's rules the first
  /// four were FUNCs (`abi_get_params`, `abi_helper`, `abi_probe` by their own symbols).
  @Test func eachRuleRemovesItsCase() throws {
    let file = Self.objects + "c_abi-O2.elf"
    let dump = try Self.dwarfdump(file)
    // What the DWARF says, independently of rustbtf: `level` (abi_get_params' first parameter)
    // lives in %rsi on entry; abi_scale exists only as a clone; abi_helper has two symbols.
    #expect(dump.contains("DW_OP_reg4 RSI"))
    let symbols = try SymbolSelectionTests.functionSymbols(file)
    #expect(symbols.contains("abi_scale.constprop.0.isra.0") && !symbols.contains("abi_scale"))

    let result = try Conversion().run(path: file)
    SymbolSelectionTests.expectKernelAccepts(result.btf, file)
    let written = try Self.funcNames(result.btf)
    #expect(written == ["abi_entry_a", "abi_entry_b", "abi_plain", "main"])
    let g = result.graph
    #expect(Self.reasons("abi_get_params", g) == [.unexpectedRegister(parameter: "level", register: "rsi", expected: "rdi")])
    #expect(Set(Self.reasons("abi_scale", g)) == [.optimizedParameters(clone: "abi_scale.constprop.0.isra.0")])
    #expect(Set(Self.reasons("abi_helper", g)) == [.ambiguousAddress(symbols: 2, addresses: 2)])
    let probe = Self.reasons("abi_probe", g)
    #expect(probe.count == 2)
    #expect(
      probe.allSatisfy {
        if case .inconsistentPrototypes(let d, let p, let units) = $0 { return d == 2 && p == 2 && units == ["c_abi_a.c", "c_abi_b.c"] }
        return false
      }, "\(probe)")
    // --explain names the rule in pahole's words.
    let text = Explanation(graph: g, importedScopes: result.importedScopes).text(
      filter: ExplainFilter(names: ["abi_get_params", "abi_helper", "abi_scale"]))
    for words in ["unexpected register usage for parameter", "ambiguous address", "optimized parameters"] {
      #expect(text.contains(words), "--explain does not say '\(words)'")
    }
  }

  /// `match=exact` keeps rustbtf's earlier rule: a symbol of the function's own name at its
  /// address, no location rules. `abi_get_params` and `abi_probe` (one symbol each) come back,
  /// the clone is reported as one.
  @Test func exactMatchingKeepsTheEarlierRule() throws {
    let file = Self.objects + "c_abi-O2.elf"
    let pipeline = try PassPipeline(
      parsing: "lower-rust,select-symbols<match=exact>,demote-unrepresentable,sanitize-names,prune-dependents,dedup",
      registry: StandardPasses.registry)
    #expect(pipeline.text.contains("select-symbols<match=exact>"))
    let result = try Conversion(pipeline: pipeline).run(path: file)
    SymbolSelectionTests.expectKernelAccepts(result.btf, file)
    let written = try Self.funcNames(result.btf)
    #expect(written.isSuperset(of: ["abi_get_params", "abi_plain", "abi_entry_a"]))
    #expect(!written.contains("abi_scale"))
    #expect(Self.reasons("abi_scale", result.graph).contains { if case .compiledAsClone = $0 { return true } else { return false } })
  }

  /// The importer's facts on c_funcs-O2.o's `apply`: its out-of-line copy (`apply.constprop.0`,
  /// DIE 0x82b) lists `f`, `b`, `a` where the declaration (DIE 0x55b) has `f`, `a`, `b`
  /// (reordered), `b` and `a` carry DW_AT_const_value, and the declaration's parameters take
  /// the copy's locations (`f` in %rdi, DW_OP_reg5).
  @Test func concreteCopiesShareLocationsAndReorderingIsSeen() throws {
    let file = Self.objects + "c_funcs-O2.o"
    let dump = try Self.dwarfdump(file)
    #expect(dump.contains("DW_AT_abstract_origin\t(0x0000057c \"b\")") && dump.contains("DW_AT_const_value\t(0x02)"))
    let g = try DWARFImporter.importFile(path: file)
    let facts = g.symbols.functionFacts
    func node(_ die: UInt64) throws -> Int {
      let id = try #require(g.ids.first { g.kind($0) == .function && g.dieOffsets[$0.index] == die })
      return try #require(facts.index(of: id))
    }
    let copy = try node(0x82b)
    let declaration = try node(0x55b)
    #expect(facts.flags[copy].contains(.reordered) && facts.flags[copy].contains(.lowPC))
    #expect(!facts.flags[declaration].contains(.reordered) && facts.flags[declaration].contains(.inline))
    let c = facts.parameters(at: copy).map { facts.parameters[$0] }
    #expect(c.count == 3)
    #expect(c[0].hasLocation && c[0].smallRegister == 5)
    #expect(!c[1].hasLocation && c[1].hasConstValue && !c[2].hasLocation && c[2].hasConstValue)
    let d = facts.parameters(at: declaration).map { facts.parameters[$0] }
    #expect(d.count == 3 && d[0].hasLocation && d[0].smallRegister == 5)
    #expect(d[1].hasConstValue && d[2].hasConstValue)
  }

  /// ELF symbols are keyed by base name: `apply.constprop.0` is `apply`'s, flagged an optimized
  /// clone; pahole's `.cold`/`.part` exclusion and suffix tests read the name after its first dot.
  @Test func symbolsAreKeyedByBaseName() throws {
    let g = try DWARFImporter.importFile(path: Self.objects + "c_funcs-O2.o")
    let s = g.symbols
    let apply = try #require(g.strings.lookup("apply"))
    let keyed = s.functions(withBaseName: apply).map { g.strings.string(s.functionNames[Int($0)]) }
    #expect(keyed == ["apply.constprop.0"])
    #expect(s.functionSuffixes[Int(s.functions(withBaseName: apply).first!)].contains(.optimizedClone))
    for (name, expected) in [
      ("f.cold", ELFSymbols.SymbolSuffix([.suffixed, .notAFunction])),
      ("f.part.0.isra.0", [.suffixed, .notAFunction, .optimizedClone]),
      ("f.llvm.123", [.suffixed]), ("f", []),
      ("_ZN3a..bE", []), ("_ZN3a..bE.llvm.1", [.suffixed]),
    ] {
      var base = 0
      let suffix = name.withCString { ELFSymbols.SymbolSuffix.of($0, length: name.utf8.count, base: &base) }
      let expectedBase = name.hasPrefix("_ZN") ? 9 : 1
      #expect(suffix == expected && base == (expected.isEmpty ? name.utf8.count : expectedBase), "\(name)")
    }
  }

  /// Rust (stricter): rustc passes `sum_wrapped<u32>`'s `w: &[Wrapper<u32>]` with its length
  /// folded to a constant (DW_CC_nocall; the location's second piece is DW_OP_lit, not %rsi),
  /// so the C prototype's second register would be garbage: no FUNC, and the reason says so.
  /// `nocall=drop` gives the DW_CC_nocall reason first; every Rust FUNC written has each
  /// parameter where the C convention puts it by the importer's facts.
  @Test func rustParametersMustBeWhereTheCConventionPutsThem() throws {
    let file = Self.objects + "rust_generics-O2.o"
    let dump = try Self.dwarfdump(file)
    #expect(dump.contains("DW_OP_reg5 RDI, DW_OP_piece 0x8, DW_OP_lit"))
    let result = try Conversion().run(path: file)
    SymbolSelectionTests.expectKernelAccepts(result.btf, file)
    let g = result.graph
    let removed = g.decisions.entries.filter {
      $0.pass == SelectSymbols.name && $0.action == .pruned && g.flags($0.subject).contains(.rust)
        && g.nameString($0.subject).hasPrefix("sum_wrapped<") && $0.reason != SelectSymbols.Reason.prototypeOfPruned
    }
    #expect(removed.count == 3)
    for d in removed {
      guard case .notCABI(let parameter, let why)? = d.reason.as(SelectSymbols.Reason.self) else {
        Issue.record("sum_wrapped: \(d.reason)")
        continue
      }
      #expect(parameter == "w" && why.contains("second half"))
    }
    let drop = try PassPipeline(
      parsing: "lower-rust,select-symbols<nocall=drop>,demote-unrepresentable,sanitize-names,prune-dependents,dedup",
      registry: StandardPasses.registry)
    let dropped = try Conversion(pipeline: drop).run(path: file)
    #expect(dropped.graph.decisions.entries.contains { $0.reason == SelectSymbols.Reason.changedCallingConvention })
  }
}
