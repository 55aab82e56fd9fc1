// The README's library example, verbatim between the markers (ReadmeExampleTests checks that
// README.md holds exactly these lines, and runs them).
// BEGIN README EXAMPLE
import RustBTF
import TypeGraph

/// A pass of our own: keeps only global functions (removes every FUNC of static linkage).
struct DropStaticFunctions: Pass {
  static let name = "drop-static-functions"
  static let summary = "remove FUNCs of static linkage"

  mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = false
    for id in graph.ids where graph.linkage(id) == .static && graph.kind(id) == .function {
      // Removed with a reason: --explain and the summary line show it.
      graph.prune(id, pass: Self.name, reason: .custom("static linkage"))
      changed = true
    }
    return changed ? .changed : .unchanged
  }
}

func convertWithOwnPass(_ path: String) throws -> Conversion.Result {
  var registry = StandardPasses.registry
  try registry.register(
    PassDescriptor(name: DropStaticFunctions.name, summary: DropStaticFunctions.summary) { _ in
      DropStaticFunctions()
    })
  let pipeline = try PassPipeline(parsing: "all,drop-static-functions", registry: registry)
  // result.btf is the raw BTF (write it with writeAtomically(_:to:)), result.summary.line the
  // summary line, result.graph.decisions what each pass did and why.
  return try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()]).run(path: path)
}
// END README EXAMPLE
