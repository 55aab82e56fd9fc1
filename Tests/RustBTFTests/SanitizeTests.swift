import Encode
import RustBTF
import Sanitize
import Testing
import TypeGraph
import Verify

/// `sanitize-names`: the naming policy of PASSES.md, case by case, and on the corpus.
@Suite struct SanitizeTests {
  let registry = StandardPasses.registry

  /// DECL_TAGs of a graph as (target, component index, original string).
  func tags(_ g: TypeGraph) -> [(target: TypeID, component: Int32, original: String)] {
    g.ids.filter { g.kind($0) == .declTag }.map { (g.ref($0), Int32(bitPattern: g.aux($0)), g.nameString($0)) }
  }

  // MARK: Injective, readable, bounded

  @Test func injectiveAcrossEscapesLiteralsAndRewrites() throws {
    var b = GraphBuilder()
    let originals = [
      "Foo_3C_u8_3E_", "Foo<u8>", "Foo_u8_", "Foo u8 ", "Foo(u8)", "Foo_tuple_u8_", "a::b", "a__b", "a:b",
      "a_b", "a-b", "a.b", "Foo_u8__h" + NamePolicy.hash8("Foo<u8>"), "Foo<&u8>", "Foo_ref_u8_", "9lives", "_9lives",
    ]
    let ids = originals.map { b.structure($0, bytes: 1, []) }
    var g = b.graph
    try run("sanitize-names", on: &g, registry: registry)
    let names = ids.map { g.nameString($0) }
    #expect(Set(names).count == names.count, "\(names)")
    for (o, n) in zip(originals, names) {
      #expect(BTFNameRule.isIdentifier(n, maxLength: 512), "\(o) -> \(n)")
      // Names valid as they stand keep themselves.
      if BTFNameRule.isIdentifier(o, maxLength: 512) { #expect(n == o) }
    }
    #expect(g.nameString(ids[0]) == "Foo_3C_u8_3E_")
    #expect(g.nameString(ids[2]) == "Foo_u8_")
    #expect(g.nameString(ids[1]) == "Foo_u8__h" + NamePolicy.hash8("Foo<u8>") + "_1")
    #expect(g.nameString(ids[3]) == "Foo_u8__h" + NamePolicy.hash8("Foo u8 "))
    #expect(g.nameString(ids[15]) == "_9lives_h" + NamePolicy.hash8("9lives"))
    // The same original always gets the same name, wherever it occurs.
    var b2 = GraphBuilder()
    let x = b2.structure("Foo<u8>", bytes: 1, [])
    let y = b2.typedef("Foo<u8>", x)
    var g2 = b2.graph
    try run("sanitize-names", on: &g2, registry: registry)
    #expect(g2.nameString(x) == "Foo_u8_" && g2.nameString(y) == "Foo_u8_")
  }

  @Test func hashIsPinnedFNV1a32() throws {
    // Computed independently (Python: h = 0x811c9dc5; h ^= b; h = h * 0x01000193 mod 2^32).
    #expect(NamePolicy.hash8("") == "811c9dc5")
    #expect(NamePolicy.hash8("a") == "e40c292c")
    #expect(NamePolicy.hash8("foobar") == "bf9cf968")
    #expect(NamePolicy.hash8("Option<u8>") == "1c644379")
    #expect(NamePolicy.hash8("core::option::Option<u32>") == "b2404aa2")
    let long = String(repeating: "Wrapper<", count: 80) + "u8" + String(repeating: ">", count: 80)
    #expect(NamePolicy.hash8(long) == "318a3218")
    var b = GraphBuilder()
    let s = b.structure(long, bytes: 1, [])
    var g = b.graph
    try run("sanitize-names<max-length=128>", on: &g, registry: registry)
    #expect(g.nameString(s) == String(repeating: "Wrapper_", count: 14) + "Wrapper" + "_318a3218")
    #expect(g.nameString(s).utf8.count == 128)
    var g512 = b.graph
    try run("sanitize-names", on: &g512, registry: registry)
    #expect(g512.nameString(s).utf8.count == 512 && g512.nameString(s).hasSuffix("_318a3218"))
  }

  /// Original names are kept whole in DECL_TAGs, however long: a real Rust crate has hundreds
  /// of type names longer than 512 bytes, and the kernel takes DECL_TAG strings of any length.
  @Test func longOriginalNamesAreTaggedWhole() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let generic = "Wrapper<" + String(repeating: "core::option::Option<", count: 120) + "u8" + String(repeating: ">", count: 120) + ">"
    let s = b.structure(generic, bytes: 4, [("x", int, 0)])
    var g = b.graph
    g.setScope(s, g.strings.intern("kernel::sync"))
    try run("sanitize-names<tag-original-names>", on: &g, registry: registry)
    let original = "kernel::sync::" + generic
    #expect(original.utf8.count > 2000)
    #expect(g.nameString(s).utf8.count <= 512, "the name itself stays within the kernel's limit")
    let tagged = g.ids.filter { g.kind($0) == .declTag && g.ref($0) == s }.map { g.nameString($0) }
    #expect(tagged == [original])
    let btf = try BTFEncoder().encode(g)
    #expect(BTFValidator.validate(btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("long DECL_TAG: \(failure)") }
  }

  // MARK: Qualified

  /// `core::fmt::Error`, `std::io::Error`, a unique `kernel::Foo`, `Some` in two `Option`s.
  func namespacedGraph() -> (TypeGraph, core: TypeID, std: TypeID, foo: TypeID, some32: TypeID, some8: TypeID, fwd: TypeID) {
    var b = GraphBuilder()
    let u8 = b.int("u8", bytes: 1)
    let core = b.structure("Error", bytes: 0, [])
    let std = b.structure("Error", bytes: 1, [("code", u8, 0)])
    let foo = b.structure("Foo", bytes: 0, [])
    let some32 = b.structure("Some", bytes: 4, [])
    let some8 = b.structure("Some", bytes: 1, [])
    let fwd = b.graph.add(.forward, name: b.name("Error"))
    var g = b.graph
    g.setScope(core, g.strings.intern("core::fmt"))
    g.setScope(std, g.strings.intern("std::io"))
    g.setScope(foo, g.strings.intern("kernel"))
    g.setScope(some32, g.strings.intern("core::option::Option<u32>"))
    g.setScope(some8, g.strings.intern("core::option::Option<u8>"))
    g.setScope(fwd, g.strings.intern("std::io"))
    return (g, core, std, foo, some32, some8, fwd)
  }

  @Test func qualifiesNamesThatStandForDifferentPaths() throws {
    var (g, core, std, foo, some32, some8, fwd) = namespacedGraph()
    let original = g
    try run("sanitize-names", on: &g, registry: registry)
    #expect(g.nameString(core) == "core__fmt__Error")
    #expect(g.nameString(std) == "std__io__Error")
    #expect(g.nameString(fwd) == "std__io__Error", "a FWD takes the name of its definition")
    #expect(g.nameString(foo) == "Foo", "a unique name stays simple under qualify=ambiguous")
    #expect(g.nameString(some32) == "core__option__Option_u32___Some")
    #expect(g.nameString(some8) == "core__option__Option_u8___Some")
    let d = g.decisions.entries.first { $0.subject == core }!
    #expect(d.action == .renamed(from: original.name(core)) && d.reason == SanitizeNames.Reason.qualified(.ambiguous, alsoInvalid: false))

    var all = original
    try run("sanitize-names<qualify=all>", on: &all, registry: registry)
    #expect(all.nameString(foo) == "kernel__Foo")
    #expect(all.nameString(core) == "core__fmt__Error")

    var none = original
    try run("sanitize-names<qualify=none>", on: &none, registry: registry)
    #expect(none.nameString(core) == "Error" && none.nameString(std) == "Error")
  }

  @Test func qualifiedNamesStayBoundedAndEndInTheSimpleName() throws {
    var b = GraphBuilder()
    let a = b.structure("Some", bytes: 1, [])
    let c = b.structure("Some", bytes: 2, [])
    var g = b.graph
    let longScope = "core::option::Option<" + String(repeating: "alloc::vec::Vec<", count: 40) + "u8" + String(repeating: ">", count: 41)
    g.setScope(a, g.strings.intern(longScope))
    g.setScope(c, g.strings.intern("core::option::Option<u8>"))
    try run("sanitize-names<max-length=128>", on: &g, registry: registry)
    let n = g.nameString(a)
    #expect(n.utf8.count == 128, "\(n)")
    #expect(n.hasPrefix("core__option__Option_alloc__vec__Vec_"))
    #expect(n.hasSuffix("__Some_" + NamePolicy.hash8(longScope + "::Some")), "\(n)")
    #expect(BTFNameRule.isIdentifier(n, maxLength: 128))
  }

  @Test func qualifiedStaysInjectiveAgainstLiterals() throws {
    var b = GraphBuilder()
    let literal = b.structure("core__fmt__Error", bytes: 1, []) // valid: keeps its name
    let path = b.structure("core::fmt::Error", bytes: 1, []) // a literal path as a name
    let e1 = b.structure("Error", bytes: 1, [])
    let e2 = b.structure("Error", bytes: 2, [])
    var g = b.graph
    g.setScope(e1, g.strings.intern("core::fmt"))
    g.setScope(e2, g.strings.intern("std::io"))
    try run("sanitize-names", on: &g, registry: registry)
    let names = [literal, path, e1, e2].map { g.nameString($0) }
    #expect(Set(names).count == 4, "\(names)")
    #expect(names[0] == "core__fmt__Error")
    #expect(names[2].hasPrefix("core__fmt__Error_h"))
  }

  @Test func cNamesStayPlain() throws {
    var b = GraphBuilder()
    b.graph.compileUnits = [
      CompileUnit(name: b.name("a.c"), producer: .empty, compDir: .empty, language: 0x0c, dieOffset: 0),
      CompileUnit(name: b.name("lib.rs"), producer: .empty, compDir: .empty, language: 0x1c, dieOffset: 100),
    ]
    let cUnit = Origin(dieOffset: 1, unit: UnitID(rawValue: 0))
    let rustUnit = Origin(dieOffset: 101, unit: UnitID(rawValue: 1))
    let cTask = b.graph.add(.structure, name: b.name("task_struct"), size: 8, origin: cUnit)
    let rTask = b.graph.add(
      .structure, name: b.name("task_struct"), size: 8, flags: .rust, origin: rustUnit,
      scope: b.name("bindings::bindings_raw"))
    // A C struct nested in a C struct has a scope too (the importer pushes struct names), and
    // still keeps its name.
    let cNested = b.graph.add(.structure, name: b.name("bar"), size: 4, origin: cUnit, scope: b.name("foo"))
    let rBar = b.graph.add(.structure, name: b.name("bar"), size: 4, flags: .rust, origin: rustUnit, scope: b.name("kernel"))
    let cFunc = b.function("init", returns: .void, params: [])
    let rFunc = b.function("init", returns: .void, params: [])
    var g = b.graph
    g.setScope(rFunc, g.strings.intern("kernel::module"))
    let original = g
    try run("sanitize-names", on: &g, registry: registry)
    #expect(g.nameString(cTask) == "task_struct")
    #expect(g.nameString(rTask) == "bindings__bindings_raw__task_struct")
    #expect(g.nameString(cNested) == "bar")
    #expect(g.nameString(rBar) == "kernel__bar")
    #expect(g.nameString(cFunc) == "init")
    #expect(g.nameString(rFunc) == "kernel__module__init")
    var all = original
    try run("sanitize-names<qualify=all>", on: &all, registry: registry)
    #expect(all.nameString(cTask) == "task_struct" && all.nameString(cNested) == "bar" && all.nameString(cFunc) == "init")
  }

  // MARK: Recoverable

  @Test func tagOriginalNamesWithComponentIndexes() throws {
    var b = GraphBuilder()
    let u8 = b.int("u8", bytes: 1)
    let u32 = b.int("u32", bytes: 4)
    // Members out of order: the component index is the index after sorting.
    let opt = b.structure("Option<u32>", bytes: 8, [("val<x>", u32, 32), ("tag", u8, 0)])
    let td = b.typedef("Alias<u8>", u8)
    let f = b.function("call<u8>", returns: .void, params: [("ok", u8), ("self&", u8)])
    let v = b.graph.add(.variable, name: b.name("STATIC<u8>"), ref: u8, aux: 1)
    let e = b.graph.add(.enumeration, name: b.name("Ordering<u8>"), size: 1)
    b.graph.setMembers(e, [Member(name: b.name("Less"), value: 0), Member(name: b.name("Equal-ish"), value: 1)])
    let plain = b.structure("Plain", bytes: 1, [("x", u8, 0)])
    let valX = b.name("val<x>")
    var g = b.graph
    g.setScope(opt, g.strings.intern("core::option"))
    try run("sanitize-names<tag-original-names>", on: &g, registry: registry)
    let t = tags(g)
    #expect(t.contains { $0.target == opt && $0.component == -1 && $0.original == "core::option::Option<u32>" })
    #expect(t.contains { $0.target == opt && $0.component == 1 && $0.original == "val<x>" })
    #expect(g.nameString(opt) == "Option_u32_")
    #expect(t.contains { $0.target == td && $0.component == -1 && $0.original == "Alias<u8>" })
    #expect(t.contains { $0.target == f && $0.component == -1 && $0.original == "call<u8>" })
    #expect(t.contains { $0.target == f && $0.component == 1 && $0.original == "self&" })
    #expect(t.contains { $0.target == v && $0.component == -1 && $0.original == "STATIC<u8>" })
    #expect(!t.contains { $0.target == plain })
    // ENUM: a TYPEDEF of the enum's new name carries the tag.
    let carrier = g.ids.first { g.kind($0) == .typedef && g.ref($0) == e }
    #expect(carrier != nil && g.name(carrier!) == g.name(e))
    #expect(t.contains { $0.target == carrier && $0.component == -1 && $0.original == "Ordering<u8>" })
    #expect(!t.contains { $0.target == e })
    // Member and parameter renames are decisions with their index.
    #expect(g.decisions.entries.contains { $0.subject == opt && $0.member == 1 && $0.action == .renamed(from: valX) })
    #expect(g.decisions.entries.contains { $0.subject == g.ref(f) && $0.member == 1 })
    #expect(g.decisions.entries.contains { $0.subject == e && $0.member == 1 })
    #expect(t.count == 7)
    #expect(g.verify().isEmpty)
    // After prune-dependents has fixed the emission order, the new nodes join it.
    var late = b.graph
    late.setScope(opt, late.strings.intern("core::option"))
    try run("demote-unrepresentable,prune-dependents,sanitize-names<tag-original-names>", on: &late, registry: registry)
    #expect(tags(late).count == 7 && late.verify().isEmpty)
    let lateBTF = try BTFEncoder().encode(late)
    #expect(BTFValidator.validate(lateBTF, mode: .load).isEmpty)
    // A target without DECL_TAG gets no tags.
    var old = b.graph
    var pass = SanitizeNames(tagOriginalNames: true)
    var context = PassContext(target: [.float, .enum64])
    _ = try pass.run(on: &old, context: &context)
    #expect(tags(old).isEmpty)
    // The whole graph encodes and the kernel's rules hold.
    var full = g
    try run("demote-unrepresentable,prune-dependents,dedup", on: &full, registry: registry)
    let btf = try BTFEncoder().encode(full)
    #expect(BTFValidator.validate(btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }
  }

  @Test func idempotentAndSameAloneOrInAPipeline() throws {
    for text in ["sanitize-names", "sanitize-names<tag-original-names>", "sanitize-names<tag-original-names;qualify=all;max-length=64>"] {
      var (g, _, _, _, _, _, _) = namespacedGraph()
      var b = GraphBuilder()
      b.graph = g
      let u8 = TypeID(1) // the first node of namespacedGraph
      _ = b.structure("Wrap<&[u8]>", bytes: 2, [("b<", u8, 8), ("a", u8, 0)])
      _ = b.function("f<T>", returns: .void, params: [("", u8), ("x y", u8)])
      g = b.graph
      let start = g
      try run(text, on: &g, registry: registry)
      let once = g.dump()
      let tagsOnce = tags(g).count
      try run(text, on: &g, registry: registry)
      #expect(g.dump() == once, "\(text): a second run changed the graph")
      #expect(tags(g).count == tagsOnce)

      // The pass run directly gives what the pipeline gives.
      var direct = start
      var pass = try registry.descriptor(named: "sanitize-names")!.make(PassParameters(pass: "sanitize-names"))
      if text != "sanitize-names" {
        let pipeline = try PassPipeline(parsing: text, registry: registry)
        pass = pipeline.passes[0]
      }
      var context = PassContext()
      _ = try pass.run(on: &direct, context: &context)
      #expect(direct.dump() == once, "\(text)")
      var inPipeline = start
      try run("demote-unrepresentable," + text, on: &inPipeline, registry: registry)
      #expect(inPipeline.dump() == once, "\(text): demote-unrepresentable has nothing to do here")
    }
  }

  @Test func parametersRoundTrip() throws {
    let cases = [
      ("sanitize-names", "sanitize-names"),
      ("sanitize-names<max-length=512;qualify=ambiguous>", "sanitize-names"),
      ("sanitize-names<tag-original-names>", "sanitize-names<tag-original-names>"),
      ("sanitize-names<max-length=128;qualify=all;tag-original-names>", "sanitize-names<tag-original-names;qualify=all;max-length=128>"),
      ("sanitize-names<qualify=none>", "sanitize-names<qualify=none>"),
    ]
    for (text, canonical) in cases {
      let p = try PassPipeline(parsing: text, registry: registry)
      #expect(p.text == canonical)
      #expect(try PassPipeline(parsing: p.text, registry: registry).text == canonical)
    }
    for bad in [
      "sanitize-names<qualify=some>", "sanitize-names<qualify>", "sanitize-names<tag-original-names=1>", "sanitize-names<max-length=8>",
      "sanitize-names<tag>",
    ] {
      #expect(throws: PipelineError.self, "\(bad)") { try PassPipeline(parsing: bad, registry: registry) }
    }
  }

  // MARK: Corpus

  static let tagPipeline = "demote-unrepresentable,sanitize-names<tag-original-names>,prune-dependents,dedup"

  @Test(arguments: try corpusFiles())
  func corpusWithTagsIsValidAndAccepted(file: String) throws {
    let conversion = Conversion(
      pipeline: try PassPipeline(parsing: Self.tagPipeline, registry: registry),
      instrumentation: [VerifyEachPass()])
    let result = try conversion.run(path: file)
    let problems = BTFValidator.validate(result.btf, mode: .load)
    #expect(problems.isEmpty, "\(file): offline validator: \(problems)")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file): \(failure)") }
    let g = try BTFDecoder.decode(result.btf)
    for id in g.ids {
      let k = g.kind(id)
      switch k {
      case .structure, .union, .enumeration, .enum64, .typedef, .forward, .function, .variable:
        let n = g.nameString(id)
        if !n.isEmpty || k == .typedef || k == .forward || k == .function || k == .variable {
          #expect(BTFNameRule.isIdentifier(n, maxLength: 512), "\(file): \(k) '\(n)'")
        }
        for i in g.memberRange(id) where !g.memberNames[i].isEmpty {
          let m = g.strings.string(g.memberNames[i])
          #expect(BTFNameRule.isIdentifier(m, maxLength: 512), "\(file): member '\(m)' of '\(n)'")
        }
      case .functionProto:
        for i in g.memberRange(id) where !g.memberNames[i].isEmpty {
          let m = g.strings.string(g.memberNames[i])
          #expect(BTFNameRule.isIdentifier(m, maxLength: 512), "\(file): parameter '\(m)'")
        }
      case .declTag:
        #expect(!g.name(id).isEmpty)
      default:
        break
      }
    }
    // Rust inputs have renamed nodes, so they have tags.
    if file.contains("/rust_") {
      #expect(g.ids.contains { g.kind($0) == .declTag }, "\(file): no DECL_TAG")
    }
    // Idempotent on real input, with every option on.
    var graph = try DWARFImporter.importFile(path: file)
    let text = "sanitize-names<tag-original-names;qualify=all;max-length=128>"
    try run("demote-unrepresentable," + text, on: &graph, registry: registry)
    let once = graph.dump()
    try run(text, on: &graph, registry: registry)
    #expect(graph.dump() == once, "\(file): a second sanitize-names changed the graph")
    // Deterministic: a second conversion gives the same bytes.
    #expect(try conversion.run(path: file).btf == result.btf, "\(file): not deterministic")
  }
}
