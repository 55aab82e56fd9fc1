// The README's library example, verbatim between the markers (ReadmeExampleTests checks that
// README.md holds exactly these lines, and runs them).
// BEGIN README EXAMPLE
import RustBTF
import TypeGraph

/// A pass of our own: removes every FUNC whose name starts with `__`.
struct DropDunderFunctions: Pass {
  static let name = "drop-dunder-functions"
  static let summary = "remove FUNCs whose names start with __"

  mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = false
    for id in graph.ids where graph.kind(id) == .function && graph.nameString(id).hasPrefix("__") {
      graph.remove(id)
      changed = true
    }
    return changed ? .changed : .unchanged
  }
}

func convertWithOwnPass(_ path: String) throws -> [UInt8] {
  var registry = StandardPasses.registry
  registry.register(PassDescriptor(name: DropDunderFunctions.name, summary: DropDunderFunctions.summary) { _ in
    DropDunderFunctions()
  })
  let pipeline = try PassPipeline(parsing: "all,drop-dunder-functions", registry: registry)
  let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()]).run(path: path)
  return result.btf  // raw BTF: write it with writeAtomically(_:to:)
}
// END README EXAMPLE
