/// The base BTF a module's split BTF is written on top of (vmlinux's, `--btf_base`), as the
/// pipeline hands it to its passes (`PassContext.splitBase`). Implemented by the encoder's side
/// (`Encode`'s `LazySplitBase`, through RustBTF's `Conversion`), which passes do not import.
public protocol SplitBaseSource: Sendable {
  /// Makes the base `graph`'s split base (`TypeGraph.splitBase`). Returns the base whose types
  /// become nodes only when asked for, or nil when every base type is a node now (the whole
  /// base decoded: `Conversion.decodeWholeBase`).
  func attach(to graph: inout TypeGraph) throws -> (any SplitBaseTypes)?
}

/// A split base whose types become graph nodes only when asked for (`LazySplitBase`): what the
/// passes that merge into it (`MergesIntoSplitBase`) read of it.
public protocol SplitBaseTypes {
  /// The kind of base type `id`, without decoding it.
  func kind(of id: UInt32) -> Kind
  /// The node of base type `id` (void for 0), a placeholder (`.removed`) until `decode`.
  mutating func node(_ id: UInt32, in g: inout TypeGraph) -> TypeID
  /// Fills in a placeholder base node; the types it refers to get placeholders.
  mutating func decode(_ node: TypeID, in g: inout TypeGraph) throws
  /// `decode`, and the types its members refer to as far as their sizes need (a struct a
  /// bindgen copy is compared with: `sameLayout` reads its members' byte sizes).
  mutating func decodeWithMemberSizes(_ node: TypeID, in g: inout TypeGraph) throws
  /// The base ids of the types named `name`, in id order.
  func types(named name: NameID, in g: TypeGraph) -> [UInt32]
  /// The base ids of the anonymous types with this `AnonymousKey`, in id order.
  mutating func anonymousTypes(key: UInt64) -> [UInt32]
  /// From now on `node(id)` of base forward declaration `id` is the module's `definition`
  /// (`Dedup.resolveForwards`), so base types decoded later refer to it.
  mutating func resolveForward(_ id: UInt32, to definition: TypeID)
}

/// A pass that, when the output is split BTF, also merges the module's types into the base's
/// (`merge-bindgen-copies`, `dedup`). `PassPipeline.run` calls it after every pass has run, the
/// base attached, in pipeline order, and instrumentation sees each call as a step of its own
/// (`dedup (into the split base)`): a pipeline without the pass does not merge into the base.
public protocol MergesIntoSplitBase: Pass {
  /// `base`: the base whose types are decoded on demand, nil when every base type is a node.
  mutating func mergeIntoSplitBase(
    _ graph: inout TypeGraph, base: inout (any SplitBaseTypes)?, context: inout PassContext
  ) throws -> PassResult
}

extension PassPipeline {
  /// What instrumentation sees after the passes when there is a split base: attaching it, then
  /// each pass that merges into it.
  public var splitBaseSteps: [String] {
    [Self.attachStep] + passes.filter { $0 is any MergesIntoSplitBase }.map { Self.splitBaseStep($0.name) }
  }

  static let attachStep = "attach-split-base"
  static func splitBaseStep(_ pass: String) -> String { "\(pass) (into the split base)" }

  /// With `context.splitBase` and a graph without one yet: attaches it and runs each pass's
  /// merge into it, instrumented.
  mutating func mergeIntoSplitBase(
    _ graph: inout TypeGraph, context: inout PassContext, instrumentation: [any PassInstrumentation]
  ) throws {
    guard let source = context.splitBase, graph.splitBase == nil else { return }
    for inst in instrumentation { try inst.before(pass: Self.attachStep, graph: graph) }
    var base = try source.attach(to: &graph)
    for inst in instrumentation { try inst.after(pass: Self.attachStep, graph: graph, result: .changed) }
    for i in passes.indices {
      guard var pass = passes[i] as? any MergesIntoSplitBase else { continue }
      let step = Self.splitBaseStep(pass.name)
      for inst in instrumentation { try inst.before(pass: step, graph: graph) }
      let result = try pass.mergeIntoSplitBase(&graph, base: &base, context: &context)
      for inst in instrumentation { try inst.after(pass: step, graph: graph, result: result) }
      passes[i] = pass
    }
  }
}
