import RustBTF
import Testing
import TypeGraph

/// What a pass author meets when registering a pass: mistakes refused where they are made.
@Suite struct PassRegistryTests {
  struct NeedsDedup: Pass {
    static let name = "needs-dedup"
    static let summary = "runs after dedup"
    static let requires = ["dedup"]
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }
  struct Misspelt: Pass {
    static let name = "misspelt"
    static let summary = "requires a pass that does not exist"
    static let requires = ["dedupe"]
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }
  struct NeedsNeedsDedup: Pass {
    static let name = "needs-needs-dedup"
    static let summary = "runs after needs-dedup"
    static let requires = ["needs-dedup"]
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }

  func registrationError(_ body: () throws -> Void) -> String? {
    do { try body() } catch { return "\(error)" }
    return nil
  }

  /// A second `dedup` would never run (the pipeline names the first): refused, registry unchanged.
  @Test func aTakenNameIsRefused() {
    var registry = StandardPasses.registry
    let before = registry.names
    let error = registrationError {
      try registry.register(PassDescriptor(name: "dedup", summary: "my own dedup") { _ in NeedsDedup() })
    }
    #expect(error == "dedup: a pass named 'dedup' is already registered")
    #expect(
      registrationError { try registry.register(PassDescriptor(name: "all", summary: "x") { _ in NeedsDedup() }) }
        == "all: 'all' names the standard pipeline, not a pass")
    // Twice the same own pass: the second is refused.
    #expect(registrationError { try registry.register(PassDescriptor(NeedsDedup.self) { _ in NeedsDedup() }) } == nil)
    #expect(
      registrationError { try registry.register(PassDescriptor(NeedsDedup.self) { _ in NeedsDedup() }) }
        == "needs-dedup: a pass named 'needs-dedup' is already registered")
    #expect(registry.names == before + ["needs-dedup"])
  }

  /// A typo in `requires` is refused at registration, with the nearest name; a pass that
  /// requires one registered before it is accepted, one registered later is not (the rule is
  /// the order of the calls).
  @Test func requiresMustNameARegisteredPass() throws {
    var registry = StandardPasses.registry
    #expect(
      registrationError { try registry.register(PassDescriptor(Misspelt.self) { _ in Misspelt() }) }
        == "misspelt: requires 'dedupe', which is not a registered pass (did you mean 'dedup'?)")
    #expect(
      registrationError { try registry.register(PassDescriptor(NeedsNeedsDedup.self) { _ in NeedsNeedsDedup() }) }
        == "needs-needs-dedup: requires 'needs-dedup', which is not a registered pass (register it first)")
    #expect(registry.descriptor(named: "misspelt") == nil && registry.descriptor(named: "needs-needs-dedup") == nil)
    try registry.register(PassDescriptor(NeedsDedup.self) { _ in NeedsDedup() })
    try registry.register(PassDescriptor(NeedsNeedsDedup.self) { _ in NeedsNeedsDedup() })
    let p = try PassPipeline(parsing: "all,needs-dedup,needs-needs-dedup", registry: registry)
    #expect(p.passes.count == registry.standard.count + 2)
  }

  /// A descriptor made by name does not carry its type's `requires`: the parser names the typo.
  @Test func aTypoInRequiresOfAPassRegisteredByNameIsNamedByTheParser() throws {
    var registry = StandardPasses.registry
    try registry.register(PassDescriptor(name: Misspelt.name, summary: Misspelt.summary) { _ in Misspelt() })
    #expect(throws: PipelineError(column: 5, message: "'misspelt' requires 'dedupe', which is not a registered pass")) {
      try PassPipeline(parsing: "all,misspelt", registry: registry)
    }
  }

  /// The standard registry itself holds each name once.
  @Test func standardNamesAreUnique() {
    let names = StandardPasses.registry.names
    #expect(Set(names).count == names.count && !names.isEmpty)
  }

  /// `print(pipeline)` prints the canonical text, not reflection.
  @Test func aPipelinePrintsAsItsText() throws {
    let p = try PassPipeline(parsing: "demote-unrepresentable, sanitize-names<max-length=128>", registry: StandardPasses.registry)
    #expect("\(p)" == p.text && p.text.hasPrefix("demote-unrepresentable,sanitize-names<"))
    #expect(String(describing: p) == p.text)
  }
}

/// `referrers(of:)` on a small graph whose every reference slot is known.
@Suite struct ReferrersTests {
  @Test func referrersAreTheNodesWhoseSlotsPointAtTheNode() {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true) // [1] int
    let s = b.structure("pair", bytes: 8, [("a", int, 0), ("b", int, 32)]) // [2] struct pair { int a; int b; }
    let p = b.pointer(to: s) // [3] struct pair *
    let t = b.typedef("pair_t", s) // [4] typedef struct pair pair_t
    let a = b.array(of: p, count: 2) // [6] struct pair *[2] ([5] index int)
    let f = b.function("use", returns: int, params: [("x", t), ("y", p)]) // [7] proto, [8] func
    let unused = b.int("long", bytes: 8) // [9] long
    let g = b.graph
    let proto = g.ref(f)
    // The structure: once, though two of its members are `int`, by the pointer and the typedef.
    #expect(g.referrers(of: s) == [p, t])
    #expect(g.referrers(of: p) == [a, proto])
    #expect(g.referrers(of: t) == [proto])
    #expect(g.referrers(of: proto) == [f])
    #expect(g.referrers(of: int) == [s, proto])
    #expect(g.referrers(of: unused).isEmpty && g.referrers(of: f).isEmpty)
    // The array's index type is a reference slot too.
    #expect(g.referrers(of: g.arrayIndexTypeID) == [a])
    // Agrees with a reverse map built from forEachReference over every node.
    for id in g.ids {
      var expected: [TypeID] = []
      for h in g.ids {
        var hit = false
        g.forEachReference(of: h) { if $0 == id { hit = true } }
        if hit { expected.append(h) }
      }
      #expect(g.referrers(of: id) == expected, "\(id)")
    }
  }
}
