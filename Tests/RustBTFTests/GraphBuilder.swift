import TypeGraph

/// Builds small graphs for unit tests, one call per node (annotate each with its id, as the
/// libbpf selftests do: `/* [1] int */`).
struct GraphBuilder {
  var graph = TypeGraph()

  mutating func name(_ s: String) -> NameID { graph.strings.intern(s) }

  mutating func int(_ name: String, bytes: UInt32, signed: Bool = false) -> TypeID {
    graph.add(.int, name: self.name(name), size: bytes, aux: (signed ? 1 << 24 : 0) | bytes * 8)
  }

  mutating func structure(_ name: String, bytes: UInt32, _ members: [(String, TypeID, UInt64)], kind: Kind = .structure) -> TypeID {
    let id = graph.add(kind, name: self.name(name), size: bytes)
    graph.setMembers(id, members.map { Member(name: self.name($0.0), type: $0.1, value: $0.2) })
    return id
  }

  mutating func pointer(to t: TypeID, name: String = "") -> TypeID {
    graph.add(.pointer, name: self.name(name), ref: t)
  }

  mutating func typedef(_ name: String, _ t: TypeID) -> TypeID {
    graph.add(.typedef, name: self.name(name), ref: t)
  }

  mutating func array(of t: TypeID, count: UInt32) -> TypeID {
    _ = graph.arrayIndexType()
    return graph.add(.array, ref: t, aux: count)
  }

  mutating func unrepresentable(tag: UInt16, bytes: UInt32 = 0, name: String = "") -> TypeID {
    graph.add(.unrepresentable, name: self.name(name), size: bytes, dwarfTag: tag)
  }

  mutating func function(_ name: String, returns: TypeID, params: [(String, TypeID)]) -> TypeID {
    let proto = graph.add(.functionProto, ref: returns)
    graph.setMembers(proto, params.map { Member(name: self.name($0.0), type: $0.1) })
    return graph.add(.function, name: self.name(name), ref: proto, aux: 1)
  }
}

/// Runs one pass (or a pipeline) the way the CLI does, with invariants checked after it.
func run(_ pipelineText: String, on graph: inout TypeGraph, registry: PassRegistry) throws {
  var pipeline = try PassPipeline(parsing: pipelineText, registry: registry)
  var context = PassContext()
  try pipeline.run(on: &graph, context: &context, instrumentation: [VerifyEachPass()])
}
