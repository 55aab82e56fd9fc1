import Annotate
import Encode
import Foundation
import Reports
import RustBTF
import Testing
import TypeGraph
import Verify

/// `tag-kfuncs` on `Corpus/objects/c_kfuncs-*` (kfunc sets written as the kernel's btf_ids.h
/// macros lay them out): the kfunc table the importer reads from `.BTF_ids`, the `bpf_kfunc` /
/// `bpf_fastcall` DECL_TAGs, and the `address_space(1)` TYPE_TAG attributes on arena pointers.
/// The expectations come from `Corpus/src/c_kfuncs.c` (and agree with pahole 1.31 on the same
/// objects); every BTF made is loaded into the running kernel.
@Suite struct KfuncTagTests {
  static let objects = ["c_kfuncs-O0.o", "c_kfuncs-O2.o", "c_kfuncs-O0.elf", "c_kfuncs-O2.elf"]
  static func path(_ object: String) -> String { packageRoot + "/Corpus/objects/" + object }

  /// The kfunc sets of c_kfuncs.c: name -> flags (kf_missing is listed but defined nowhere).
  static let kfuncs: [String: UInt32] = [
    "kf_task_acquire": 3, "kf_fast_counter": 1 << 12, "kf_missing": 0,
    "kf_arena_alloc": 1 << 13 | 1 << 15, "kf_arena_copy": 1 << 14 | 1 << 15,
  ]
  static let taggedFunctions: Set<String> = ["kf_task_acquire", "kf_fast_counter", "kf_arena_alloc", "kf_arena_copy"]

  static let attributesPipeline =
    "lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names,prune-dependents,tag-kfuncs<attributes=on>,dedup"

  static func convert(_ object: String, pipeline: String? = nil) throws -> Conversion.Result {
    var conversion = Conversion()
    if let text = pipeline { conversion.pipeline = try PassPipeline(parsing: text, registry: StandardPasses.registry) }
    let result = try conversion.run(path: path(object))
    let problems = BTFValidator.validate(result.btf, mode: .load)
    #expect(problems.isEmpty, "\(object): offline validator: \(problems)")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(object): \(failure)") }
    return result
  }

  /// FUNC name -> the DECL_TAG values on it (component -1), from the BTF written.
  static func declTags(_ g: TypeGraph) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for id in g.ids where g.kind(id) == .declTag {
      #expect(g.declTagComponent(id) == nil, "component_idx -1: the FUNC itself")
      let target = g.ref(id)
      #expect(g.kind(target) == .function, "DECL_TAG '\(g.nameString(id))' on a \(g.kind(target).btfName)")
      out[g.nameString(target), default: []].append(g.nameString(id))
    }
    return out.mapValues { $0.sorted() }
  }

  static func function(_ g: TypeGraph, _ name: String) throws -> TypeID {
    try #require(g.ids.first { g.kind($0) == .function && g.nameString($0) == name }, "no FUNC '\(name)'")
  }

  /// Whether `t` is PTR -> TYPE_TAG 'address_space(1)' with kind_flag 1 -> something.
  static func isArenaPointer(_ g: TypeGraph, _ t: TypeID) -> Bool {
    guard g.kind(t) == .pointer else { return false }
    let tag = g.ref(t)
    return g.kind(tag) == .typeTag && g.nameString(tag) == "address_space(1)" && g.aux(tag) == 1
  }

  @Test(arguments: objects)
  func importerReadsTheKfuncSets(object: String) throws {
    let g = try DWARFImporter.importFile(path: Self.path(object))
    let s = g.symbols
    var read: [String: UInt32] = [:]
    for (n, f) in zip(s.kfuncNames, s.kfuncFlags) { read[g.strings.string(n)] = f }
    #expect(read == Self.kfuncs)
    // kf_plain_set has no BTF_SET8_KFUNCS: two kfunc sets.
    #expect(s.kfuncSetCount == 2)
  }

  @Test(arguments: objects)
  func kfuncFunctionsGetTheirTags(object: String) throws {
    let result = try Self.convert(object)
    let g = try BTFDecoder.decode(result.btf)
    var expected: [String: [String]] = [:]
    for name in Self.taggedFunctions { expected[name] = ["bpf_kfunc"] }
    expected["kf_fast_counter"] = ["bpf_fastcall", "bpf_kfunc"]
    #expect(Self.declTags(g) == expected)
    #expect(!g.ids.contains { g.kind($0) == .typeTag }, "attributes are off by default")
    // The decision is there for --explain.
    let reasons = result.graph.decisions.entries.filter { $0.pass == TagKfuncs.name }.map { "\($0.reason)" }
    #expect(reasons.filter { $0.hasPrefix("a kfunc") }.count == 4, "\(reasons)")
  }

  @Test(arguments: objects)
  func arenaPointersGetTheAddressSpaceAttribute(object: String) throws {
    let result = try Self.convert(object, pipeline: Self.attributesPipeline)
    let g = try BTFDecoder.decode(result.btf)
    #expect(Self.declTags(g).keys.sorted() == Self.taggedFunctions.sorted())

    func proto(_ name: String) throws -> (ret: TypeID, params: [TypeID]) {
      let p = g.ref(try Self.function(g, name))
      return (g.ref(p), g.members(of: p).map(\.type))
    }
    // KF_ARENA_RET | KF_ARENA_ARG2: void *kf_arena_alloc(void *map, void *addr, unsigned count).
    let alloc = try proto("kf_arena_alloc")
    #expect(Self.isArenaPointer(g, alloc.ret))
    #expect(g.ref(g.ref(alloc.ret)).isVoid, "the attribute sits on void")
    #expect(!Self.isArenaPointer(g, alloc.params[0]) && Self.isArenaPointer(g, alloc.params[1]))
    // KF_ARENA_ARG1 | KF_ARENA_ARG2 on kf_arena_copy; kf_page_copy had the same prototype and
    // keeps its plain pointers.
    let copy = try proto("kf_arena_copy")
    let page = try proto("kf_page_copy")
    #expect(copy.params.count == 2 && copy.params.allSatisfy { Self.isArenaPointer(g, $0) })
    #expect(page.params.count == 2 && !page.params.contains { Self.isArenaPointer(g, $0) })
    // The attribute's target is the old pointee: struct kf_page, and const struct kf_page.
    #expect(g.nameString(g.ref(g.ref(copy.params[0]))) == "kf_page")
    #expect(g.ref(g.ref(copy.params[1])) == g.ref(page.params[1]))
    // No other prototype changed: only these three pointers are tagged.
    let tags = g.ids.filter { g.kind($0) == .typeTag }
    #expect(tags.count == 3, "one TYPE_TAG per pointee: \(tags.map { g.ref($0) })")
    // The FUNC carries the decision; the old prototypes nothing else used are pruned with one.
    let decisions = result.graph.decisions.entries.filter { $0.pass == TagKfuncs.name }
    #expect(decisions.filter { if case .arenaAddressSpace? = $0.reason.as(TagKfuncs.Reason.self) { true } else { false } }.count == 2)
  }

  /// `--explain NAME` names the pass and the reason: the fastcall kfunc, the arena kfunc (whose
  /// old prototype's removal names the FUNC's decision as its cause).
  @Test func explainNamesTheKfuncDecisions() throws {
    let result = try Self.convert("c_kfuncs-O2.o", pipeline: Self.attributesPipeline)
    let explanation = Explanation(graph: result.graph, importedScopes: result.importedScopes)
    let fast = explanation.text(filter: ExplainFilter(names: ["kf_fast_counter"]))
    #expect(
      fast.contains("by tag-kfuncs: a kfunc (listed in a .BTF_ids kfunc set): DECL_TAG 'bpf_kfunc' and 'bpf_fastcall' (KF_FASTCALL)"),
      "\(fast)")
    let alloc = explanation.text(filter: ExplainFilter(names: ["kf_arena_alloc"]))
    #expect(
      alloc.contains(
        "the pointee of the return value and parameter 1 tagged with TYPE_TAG attribute 'address_space(1)', in a new FUNC_PROTO"),
      "\(alloc)")
    let plain = explanation.text(filter: ExplainFilter(names: ["kf_page_copy", "kf_not_kfunc"]))
    #expect(!plain.contains("tag-kfuncs"), "\(plain)")
  }

  /// Hand-built graph: two arena kfuncs and one plain function share a prototype `int (struct s
  /// *, int)`. Each kfunc gets a prototype of its own; the shared one stays for the plain
  /// function. A flag on a slot that is no pointer (parameter 1, an int) is a warning, not a
  /// change. The result loads into the kernel.
  @Test func sharedPrototypesAndNonPointerSlots() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true) // [1]
    let s = b.structure("s", bytes: 4, [("a", int, 0)]) // [2]
    let ptr = b.pointer(to: s) // [3]
    let plain = b.function("plain", returns: int, params: [("p", ptr), ("n", int)]) // [5] on [4]
    let proto = b.graph.ref(plain)
    let first = b.graph.add(.function, name: b.name("first"), ref: proto, aux: 1)
    let second = b.graph.add(.function, name: b.name("second"), ref: proto, aux: 1)
    var symbols = ELFSymbols()
    symbols.imported = true
    symbols.addKfunc(name: b.name("first"), flags: TagKfuncs.arenaArgument1 | TagKfuncs.arenaArgument2)
    symbols.addKfunc(name: b.name("second"), flags: TagKfuncs.arenaArgument1)
    symbols.finishKfuncs()
    b.graph.symbols = symbols
    var g = b.graph
    var pass = TagKfuncs(kfuncs: true, attributes: true)
    var context = PassContext()
    #expect(try pass.run(on: &g, context: &context) == .changed)
    #expect(
      context.diagnostics == [
        "tag-kfuncs: kfunc 'first': KF_ARENA_ARG2, but parameter 1 is not a pointer; no address_space(1) attribute on it"
      ])
    #expect(g.ref(plain) == proto && g.kind(proto) == .functionProto, "the plain function keeps its prototype")
    #expect(g.members(of: proto).map(\.type) == [ptr, int])
    for fn in [first, second] {
      let own = g.ref(fn)
      #expect(own != proto && g.kind(own) == .functionProto)
      let types = g.members(of: own).map(\.type)
      #expect(Self.isArenaPointer(g, types[0]) && g.ref(g.ref(types[0])) == s && types[1] == int)
    }
    let reasons = g.decisions.entries.compactMap { $0.reason.as(TagKfuncs.Reason.self) }
    #expect(reasons.contains(.arenaAddressSpace(returnValue: false, parameters: [0], sharedPrototype: true)))
    #expect(Self.declTags(g).keys.sorted() == ["first", "second"])
    let btf = try BTFEncoder().encode(g)
    #expect(BTFValidator.validate(btf, mode: .load) == [])
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }

    // Without the plain function, the old prototype goes once both kfuncs have their own.
    var c = GraphBuilder()
    let cInt = c.int("int", bytes: 4, signed: true)
    let cPtr = c.pointer(to: c.structure("s", bytes: 4, [("a", cInt, 0)]))
    let cFirst = c.function("first", returns: cPtr, params: [("p", cPtr)])
    let shared = c.graph.ref(cFirst)
    c.graph.add(.function, name: c.name("second"), ref: shared, aux: 1)
    var cSymbols = ELFSymbols()
    cSymbols.imported = true
    cSymbols.addKfunc(name: c.name("first"), flags: TagKfuncs.arenaReturn)
    cSymbols.addKfunc(name: c.name("second"), flags: TagKfuncs.arenaReturn | TagKfuncs.arenaArgument1)
    cSymbols.finishKfuncs()
    c.graph.symbols = cSymbols
    var h = c.graph
    var cContext = PassContext()
    #expect(try pass.run(on: &h, context: &cContext) == .changed)
    #expect(cContext.diagnostics.isEmpty)
    #expect(h.kind(shared) == .removed)
    let sharedReasons = h.decisions.entries.filter { $0.subject == shared }.compactMap { $0.reason.as(TagKfuncs.Reason.self) }
    #expect(sharedReasons == [.prototypeReplaced])
    let cBTF = try BTFEncoder().encode(h)
    #expect(BTFValidator.validate(cBTF, mode: .load) == [])
    if let failure = KernelCheck.acceptanceFailure(cBTF) { Issue.record("\(failure)") }
  }

  /// Without the feature, or with kfuncs=off, the pass writes nothing; and running it twice
  /// (attributes on) gives what running it once does.
  @Test func switchesAndIdempotence() throws {
    let off = try Self.convert(
      "c_kfuncs-O2.elf", pipeline: Self.attributesPipeline.replacingOccurrences(of: "<attributes=on>", with: "<kfuncs=off>"))
    let g = try BTFDecoder.decode(off.btf)
    #expect(!g.ids.contains { g.kind($0) == .declTag || g.kind($0) == .typeTag })

    var graph = try DWARFImporter.importFile(path: Self.path("c_kfuncs-O2.elf"))
    var pipeline = try PassPipeline(parsing: Self.attributesPipeline, registry: StandardPasses.registry)
    var context = PassContext()
    try pipeline.run(on: &graph, context: &context)
    let once = graph.dump()
    var again = TagKfuncs(kfuncs: true, attributes: true)
    #expect(try again.run(on: &graph, context: &context) == .unchanged)
    #expect(graph.dump() == once)
  }

  /// pahole's `--btf_features`: decl_tag_kfuncs (with decl_tag) turns the tags on, attributes
  /// (with decl_tag_kfuncs) the arena attributes; the pipeline text says so.
  @Test func paholeFeaturesMapToThePass() throws {
    let kernel612 = "encode_force,var,float,enum64,decl_tag,type_tag,consistent_func"
    func features(_ list: String) throws -> PaholeFeatures {
      try PaholeCommandLine.parse(["-J", "--btf_features=\(list)", "f"]).features
    }
    let plain = try features(kernel612)
    #expect(!plain.kfuncTags && !plain.attributes)
    #expect(PaholeCommandLine.pipelineText(for: plain).contains("tag-kfuncs<kfuncs=off>"))
    let tagged = try features(kernel612 + ",decl_tag_kfuncs")
    #expect(tagged.kfuncTags && !tagged.attributes)
    let text = PaholeCommandLine.pipelineText(for: tagged)
    // The standard pipeline as it is: tag-kfuncs with its defaults.
    #expect(text == "all")
    let arena = try features(kernel612 + ",decl_tag_kfuncs,attributes")
    #expect(PaholeCommandLine.pipelineText(for: arena).contains("tag-kfuncs<attributes=on>"))
    // Without decl_tag pahole writes no kfunc tags, but still the attributes.
    let noDeclTag = try features("encode_force,var,float,enum64,type_tag,decl_tag_kfuncs,attributes")
    #expect(!noDeclTag.kfuncTags && noDeclTag.attributes)
    // Each text parses into a pipeline that runs on the corpus object.
    for f in [plain, tagged, arena, noDeclTag] {
      _ = try Self.convert("c_kfuncs-O0.elf", pipeline: PaholeCommandLine.pipelineText(for: f))
    }
  }
}
