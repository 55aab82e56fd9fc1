#if canImport(Glibc)
  import Glibc
#endif

/// An ordered list of passes, parsed from pipeline text or built in code.
///
/// Grammar: `pipeline := item (',' item)* ; item := name ('<' param (';' param)* '>')? ;
/// param := key ('=' value)?`. `all` expands in place to the registry's standard passes, in
/// their order; a pass appears at most once.
public struct PassPipeline: Sendable {
  public var passes: [any Pass]
  public init(_ passes: [any Pass]) { self.passes = passes }

  /// Parses pipeline text. Errors name the column and the nearest valid pass name, and a pass
  /// whose required passes do not come earlier is refused here, before anything runs.
  public init(parsing text: String, registry: PassRegistry) throws(PipelineError) {
    var passes: [any Pass] = []
    let chars = Array(text)
    var i = 0
    func column() -> Int { i + 1 }
    if chars.allSatisfy({ $0 == " " }) { throw PipelineError(column: 1, message: "empty pipeline") }
    while i <= chars.count {
      while i < chars.count && chars[i] == " " { i += 1 }
      let nameStart = i
      while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "-" || chars[i] == "_") { i += 1 }
      let name = String(chars[nameStart..<i])
      if name.isEmpty {
        throw PipelineError(
          column: nameStart + 1, message: i < chars.count ? "expected a pass name, found '\(chars[i])'" : "expected a pass name after ','")
      }
      var params = PassParameters(pass: name)
      if i < chars.count && chars[i] == "<" {
        i += 1
        // Each parameter with the column it starts at; `;` separates them.
        var paramStart = i
        while true {
          guard i < chars.count else {
            throw PipelineError(column: column(), message: "missing '>' after the parameters of '\(name)'")
          }
          if chars[i] == ";" || chars[i] == ">" {
            let p = String(chars[paramStart..<i])
            if !p.allSatisfy({ $0 == " " }) {
              let at = paramStart + 1 + p.prefix(while: { $0 == " " }).count
              if p.contains(",") {
                throw PipelineError(column: at, message: "parameters of '\(name)' are separated by ';', not ',': '\(p.replacingCommas)'")
              }
              // Kept empty: `<=x>` and `<=>` have an empty key, which is an error, not a crash.
              let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
              let key = String(parts[0]).trimmingSpaces
              if key.isEmpty {
                throw PipelineError(column: at, message: "a parameter of '\(name)' has no name: '\(p)'")
              }
              params.values.append((key, parts.count > 1 ? String(parts[1]).trimmingSpaces : nil))
              params.columns.append(at)
            }
            paramStart = i + 1
          }
          if chars[i] == ">" { break }
          i += 1
        }
        i += 1
      }
      let descriptors: [PassDescriptor]
      if name == "all" {
        if !params.values.isEmpty { throw PipelineError(column: nameStart + 1, message: "'all' takes no parameters") }
        descriptors = registry.standard
      } else if let d = registry.descriptor(named: name) {
        descriptors = [d]
      } else {
        var message = "unknown pass '\(name)'"
        if let near = nearest(name, in: registry.names + ["all"]) { message += " (did you mean '\(near)'?)" }
        throw PipelineError(column: nameStart + 1, message: message)
      }
      for d in descriptors {
        // A pass runs once: `all,all` or `all,dedup` is a mistake, not a wish to run it again.
        if passes.contains(where: { $0.name == d.name }) {
          let what = name == "all" ? "'all' adds '\(d.name)', which" : "'\(d.name)'"
          throw PipelineError(column: nameStart + 1, message: "\(what) is already in the pipeline; a pass runs once")
        }
        let made: any Pass
        do { made = try d.make(name == "all" ? PassParameters(pass: d.name) : params) } catch {
          let at = (error as? PassError)?.parameter.flatMap { params.column(of: $0) } ?? nameStart + 1
          throw PipelineError(column: at, message: "\(error)")
        }
        // A descriptor made by name does not carry its type's `requires`: a name no pass has
        // is a typo in the pass, said as such rather than as an ordering problem.
        if let r = type(of: made).requires.first(where: { registry.descriptor(named: $0) == nil }) {
          throw PipelineError(column: nameStart + 1, message: "'\(made.name)' requires '\(r)', which is not a registered pass")
        }
        if let problem = Self.orderingProblem(of: made, after: passes) {
          throw PipelineError(column: nameStart + 1, message: problem)
        }
        passes.append(made)
      }
      while i < chars.count && chars[i] == " " { i += 1 }
      if i == chars.count { break }
      guard chars[i] == "," else {
        throw PipelineError(column: column(), message: "expected ',' between passes, found '\(chars[i])'")
      }
      i += 1
    }
    self.passes = passes
  }

  /// Why `pass` cannot come after `earlier`: a pass its type requires is not among them.
  static func orderingProblem(of pass: any Pass, after earlier: [any Pass]) -> String? {
    guard let r = type(of: pass).requires.first(where: { r in !earlier.contains { $0.name == r } }) else { return nil }
    return "'\(pass.name)' requires '\(r)' earlier in the pipeline"
  }

  /// The first ordering constraint the pipeline breaks (a pipeline built in code, unchecked by
  /// the parser), or nil.
  public func orderingProblem() -> String? {
    for i in passes.indices {
      if let p = Self.orderingProblem(of: passes[i], after: Array(passes[..<i])) { return p }
    }
    return nil
  }

  /// Sets parameters of every pass of type `P` in the pipeline, typed, and returns how many it
  /// changed: `pipeline.configure(SanitizeNames.self) { $0.tagOriginalNames = true }` is what
  /// `--tag-original-names` does, with no pipeline text rewritten. A pipeline without such a
  /// pass is left as it was (0).
  @discardableResult
  public mutating func configure<P: Pass>(_ type: P.Type, _ body: (inout P) throws -> Void) rethrows -> Int {
    var count = 0
    for i in passes.indices {
      guard var p = passes[i] as? P else { continue }
      try body(&p)
      passes[i] = p
      count += 1
    }
    return count
  }

  /// Canonical text that parses back to the same pipeline.
  public var text: String {
    passes.map { p in
      let params = p.parameterText
      return params.isEmpty ? p.name : "\(p.name)<\(params)>"
    }.joined(separator: ",")
  }

  /// Runs every pass in order, calling the instrumentation around each. With a split base
  /// (`context.splitBase`), then attaches it and lets each pass that merges into it
  /// (`MergesIntoSplitBase`) do so, in order; without such passes the base is only attached.
  public mutating func run(
    on graph: inout TypeGraph, context: inout PassContext,
    instrumentation: [any PassInstrumentation] = []
  ) throws {
    for i in passes.indices {
      try Self.run(&passes[i], on: &graph, context: &context, instrumentation: instrumentation)
      // Nodes the pass cut: their holders are fixed by the pipeline's repairing pass, now when
      // it ran already (the cutting pass was placed after it).
      if !graph.cutsAwaitingRepair.isEmpty, !passes[(i + 1)...].contains(where: { $0 is any RepairsCuts }),
        var repair = passes.first(where: { $0 is any RepairsCuts })
      {
        try Self.run(&repair, on: &graph, context: &context, instrumentation: instrumentation)
      }
    }
    // Split BTF: the module's types merge into the base's, by the passes that do so.
    try mergeIntoSplitBase(&graph, context: &context, instrumentation: instrumentation)
  }

  private static func run(
    _ pass: inout any Pass, on graph: inout TypeGraph, context: inout PassContext, instrumentation: [any PassInstrumentation]
  ) throws {
    for inst in instrumentation { try inst.before(pass: pass.name, graph: graph) }
    let result = try pass.run(on: &graph, context: &context)
    for inst in instrumentation { try inst.after(pass: pass.name, graph: graph, result: result) }
  }
}

/// `print(pipeline)` shows the canonical text, `--print-pipeline`'s.
extension PassPipeline: CustomStringConvertible {
  public var description: String { text }
}

public struct PipelineError: Error, CustomStringConvertible, Sendable, Equatable {
  /// 1-based column in the pipeline text.
  public var column: Int
  public var message: String
  public init(column: Int, message: String) {
    self.column = column
    self.message = message
  }
  public var description: String { "\(message) at column \(column)" }
}

/// Observes passes from outside (LLVM's PassInstrumentation): `--verify-each`, `--time-passes`.
public protocol PassInstrumentation {
  func before(pass: String, graph: TypeGraph) throws
  func after(pass: String, graph: TypeGraph, result: PassResult) throws
}

extension PassInstrumentation {
  public func before(pass: String, graph: TypeGraph) throws {}
}

/// Runs `TypeGraph.verify()` after every pass and throws on the first broken invariant.
public struct VerifyEachPass: PassInstrumentation {
  public init() {}
  public func after(pass: String, graph: TypeGraph, result: PassResult) throws {
    let problems = graph.verify()
    if let first = problems.first {
      throw PassError(pass: pass, message: "graph invariant broken after this pass: \(first) (\(problems.count) problem(s))")
    }
  }
}

func nearest(_ word: String, in candidates: [String]) -> String? {
  var best: (String, Int)?
  for c in candidates {
    let d = editDistance(Array(word), Array(c))
    if d <= max(2, c.count / 3), best == nil || d < best!.1 { best = (c, d) }
  }
  return best?.0
}

extension String {
  /// `x=1,y=2` as it should have been written, for the hint.
  fileprivate var replacingCommas: String { String(map { $0 == "," ? ";" : $0 }) }

  fileprivate var trimmingSpaces: String {
    String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
