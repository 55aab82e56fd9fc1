import Encode
import Merge
import Reports
import TypeGraph
import Verify

#if canImport(Glibc)
  import Glibc
#endif

/// The whole job: ELF -> graph -> passes -> BTF, refusing to produce BTF it knows is invalid.
public struct Conversion {
  public var pipeline: PassPipeline
  public var target: TargetFeatures
  public var instrumentation: [any PassInstrumentation]
  public var importOptions: DWARFImportOptions
  /// Compute the retention report (`Result.retention`, `rustbtf --stats`): a compact snapshot
  /// of the input's Rust types is taken before the passes run, so it costs nothing when off.
  public var retentionReport: Bool
  /// A raw base BTF blob (vmlinux's, for a module): the output is then split BTF on top of it,
  /// referring to the base's types and strings instead of repeating them (pahole's
  /// `--btf_base`). nil: standalone BTF.
  public var base: [UInt8]?
  /// How messages name the base: its path (`--btf_base PATH: …`); nil: `--btf_base: …`.
  public var baseName: String?
  /// With a base: decode every base type into the graph and dedup over all of them, instead of
  /// only the base types a module type can equal. The BTF is the same; this is the reference
  /// the faster way is tested against.
  public var decodeWholeBase = false
  /// Dedup at import (issue 19; on unless `rustbtf --no-dedup-at-import`): each range of compile
  /// units merges its copies as it is read (`Dedup.canonicalizeRange`), so the graph the passes
  /// see holds one node per class of each range, not one per DIE. The BTF is the same, and so
  /// are explanations and `--stats`: the decision log keeps the copies (`copiesMergedAtImport`).
  /// false is the reference it is tested against: every copy imported, merged by `dedup` alone.
  /// With a `base` (split BTF) it does not apply: the final dedup merges into the base anyway.
  public var dedupAtImport = true
  /// Told where the conversion is, for a progress display (`rustbtf` shows one on a terminal).
  public var progress: (@Sendable (ConversionPhase) -> Void)?

  public init(
    pipeline: PassPipeline = StandardPasses.all(), target: TargetFeatures = .linux6_1,
    instrumentation: [any PassInstrumentation] = [], importOptions: DWARFImportOptions = .init(),
    retentionReport: Bool = false, base: [UInt8]? = nil
  ) {
    self.pipeline = pipeline
    self.target = target
    self.instrumentation = instrumentation
    self.importOptions = importOptions
    self.retentionReport = retentionReport
    self.base = base
  }

  public struct Result {
    public var graph: TypeGraph
    /// The namespace paths as imported, before sanitize-names folded some into names: what
    /// `Explanation(graph:importedScopes:)` shows as original names.
    public var importedScopes: ContiguousArray<NameID>
    public var btf: [UInt8]
    public var summary: Summary
    public var diagnostics: [String]
    /// How many of the input's named Rust types reach the BTF whole; nil unless
    /// `retentionReport` was set.
    public var retention: RetentionReport?
  }

  /// Passes without which no pipeline yields BTF the kernel accepts: graph-only nodes must be
  /// demoted, names sanitized and dependents of demoted nodes fixed.
  public static let requiredPasses = ["demote-unrepresentable", "sanitize-names", "prune-dependents"]

  /// Refuses, before anything runs, a pipeline that cannot give valid BTF, naming the pass it
  /// lacks.
  public static func check(_ pipeline: PassPipeline) throws {
    if let problem = pipeline.orderingProblem() { throw ConversionError("the pipeline '\(pipeline.text)': \(problem)") }
    let names = Set(pipeline.passes.map(\.name))
    if let missing = requiredPasses.first(where: { !names.contains($0) }) {
      throw ConversionError("the pipeline '\(pipeline.text)' lacks '\(missing)', without which the BTF would not be valid")
    }
  }

  /// Imports `path`, runs the pipeline and encodes. Throws `ConversionError` with a one-line
  /// message; the offline validator must accept the result (the encoder never hands out BTF
  /// the kernel would reject for a reason rustbtf knows).
  public func run(path: String) throws -> Result {
    try Self.check(pipeline)
    try checkBase()
    var graph: TypeGraph
    var statistics = ImportStatistics()
    var importOptions = self.importOptions
    // Split BTF (a module on its base) is left to the final dedup: a module is mostly one unit,
    // whose copies are the base's, so merging its range first only does that work twice (100 of
    // Debian's modules: 2% slower with it).
    if dedupAtImport && base == nil {
      importOptions.canonicalizeRange = { graph, pinned in Dedup.canonicalizeRange(&graph, pinned: pinned) }
    }
    // The retention report names every copy.
    if retentionReport { importOptions.keepsCopyOrigins = true }
    if let progress {
      importOptions.unitProgress = { done, total in progress(.importing(units: done, of: total)) }
    }
    do { graph = try DWARFImporter.importFile(path: path, options: importOptions, statistics: &statistics) } catch {
      throw ConversionError(error.description)
    }
    // Dedup at import resolved forward declarations per range: each range's choice must be the
    // whole input's, or the BTF could differ from the conversion without it, which is then run.
    var forwards: [(range: TypeID, whole: TypeID)] = []
    if !statistics.forwardTargetsAtImport.isEmpty {
      guard let whole = Dedup.wholeInputForwardTargets(graph, rangeTargets: statistics.forwardTargetsAtImport) else {
        return try convertedAgainWithoutDedupAtImport(path, "a forward declaration a range resolved is ambiguous in the whole input")
      }
      forwards = Array(zip(statistics.forwardTargetsAtImport, whole))
    }
    // Handed over, not copied: the passes then mutate the imported columns in place instead of
    // copying every column they write.
    var result = try convert(graph: consume graph, inputName: path)
    if !forwards.isEmpty, let pair = Self.firstApart(forwards, in: result.graph) {
      return try convertedAgainWithoutDedupAtImport(
        path, "a range resolved a forward declaration to node \(pair.range.rawValue), the whole input to \(pair.whole.rawValue)")
    }
    if let lost = statistics.incompleteSummary {
      result.diagnostics.insert("\(path): incomplete DWARF converted (--allow-incomplete-dwarf): \(lost)", at: 0)
    }
    return result
  }

  /// Dedup at import's fallback: the conversion without it, with a note on why.
  private func convertedAgainWithoutDedupAtImport(_ path: String, _ why: String) throws -> Result {
    var plain = self
    plain.dedupAtImport = false
    var result = try plain.run(path: path)
    result.diagnostics.append("\(path): converted again without dedup at import: \(why)")
    return result
  }

  /// The first pair of nodes that did not end as one node (merged into the same node, or the same
  /// node kept) in `graph`, after the passes.
  package static func firstApart(_ pairs: [(range: TypeID, whole: TypeID)], in graph: TypeGraph) -> (range: TypeID, whole: TypeID)? {
    let merges = MergeMap(graph.decisions, count: graph.count)
    return pairs.first { merges.kept($0.range) != merges.kept($0.whole) }
  }

  /// Runs the pipeline on `input` and encodes. The graph is consumed: pass it with `consume` (or
  /// a temporary) so the passes own its columns; a caller that keeps its copy pays for one.
  public func run(graph input: consuming TypeGraph, inputName: String) throws -> Result {
    try checkBase()
    return try convert(graph: consume input, inputName: inputName)
  }

  /// `run(graph:inputName:)` with the base checked already.
  private func convert(graph input: consuming TypeGraph, inputName: String) throws -> Result {
    try Self.check(pipeline)
    var graph = consume input
    let importedScopes = graph.scopes
    let counts = NodeAccounting(imported: graph)
    let snapshot = retentionReport ? RetentionSnapshot(graph: graph) : nil
    var context = PassContext(target: target)
    context.threads = importOptions.threadCount
    if let base {
      do { context.splitBaseStrings = try SplitBTF.strings(of: base) } catch {
        throw ConversionError("\(baseLabel): \(error.description)")
      }
      // The pipeline attaches it after the passes, and its merge-bindgen-copies and dedup merge
      // into it there (`MergesIntoSplitBase`).
      context.splitBase = ModuleBase(bytes: base, strings: context.splitBaseStrings, whole: decodeWholeBase)
    }
    var pipeline = self.pipeline
    let steps = pipeline.passes.count + (base == nil ? 0 : pipeline.splitBaseSteps.count)
    let passProgress: [any PassInstrumentation] = progress.map { [PhaseReporter(count: steps, report: $0)] } ?? []
    do { try pipeline.run(on: &graph, context: &context, instrumentation: instrumentation + passProgress) } catch let error as EncodeError {
      // Reading the base's records as they are decoded.
      throw ConversionError("\(baseLabel): \(error.description)")
    } catch {
      throw ConversionError("\(inputName): \(error)")
    }
    let ownNodes = graph.splitBase?.nodes.lowerBound ?? graph.count
    progress?(.encoding)
    let btf: [UInt8]
    do { btf = try BTFEncoder(target: target).encode(graph) } catch {
      // A node a pass pruned while others refer to it: the graph's check names the pass and the fix.
      let removed = graph.verify(limit: 1).first.map { "; \($0)" } ?? ""
      throw ConversionError("\(inputName): \(error.description) (pipeline: \(pipeline.text))\(removed)")
    }
    // Split BTF is checked as the kernel sees it: in the base's type and string space.
    var checked = btf
    if let base {
      do { checked = try SplitBTF.concatenate(base: base, split: btf) } catch {
        throw ConversionError("\(inputName): \(error.description)")
      }
    }
    progress?(.validating)
    let problems =
      base == nil
      ? BTFValidator.validate(checked, mode: .load)
      : BTFValidator.validate(split: checked, baseTypeCount: graph.splitBase?.typeCount ?? 1)
    if let problem = problems.first {
      // A base type the module refers to is the base's fault (only the base's records are
      // checked before the conversion, as the kernel checks vmlinux's; the resolve pass reaches
      // the base types a module uses here).
      if base != nil, problem.typeID > 0, problem.typeID < graph.splitBase?.typeCount ?? 1 {
        throw ConversionError("\(baseLabel): \(problem.line) (a base type \(inputName) refers to); output not written")
      }
      let fault = Self.nodeAtFault(problem, graph, importedScopes: importedScopes).map { "; the type at fault: \($0)" } ?? ""
      throw ConversionError(
        "\(inputName): the pipeline '\(pipeline.text)' leaves BTF the kernel would reject: \(problem.line)\(fault); output not written")
    }
    let summary = Summary(counts.finish(graph, ownNodes: ownNodes), decisions: graph.decisions, bytes: btf.count)
    let retention = snapshot.map { RetentionReport(snapshot: $0, graph: graph) }
    return Result(
      graph: graph, importedScopes: importedScopes, btf: btf, summary: summary, diagnostics: context.diagnostics,
      retention: retention)
  }
}

extension Conversion {
  /// The node the kernel's complaint is about (the BTF id it was checking), by its original name,
  /// DIE and unit, with the last decision about it: what a pass author needs to find the pass
  /// at fault. Nil for header and string problems.
  static func nodeAtFault(_ problem: BTFProblem, _ graph: TypeGraph, importedScopes: ContiguousArray<NameID>) -> String? {
    let firstID = Int(graph.splitBase?.typeCount ?? 1)
    let sequence = graph.encodingSequence()
    guard Int(problem.typeID) >= firstID, Int(problem.typeID) - firstID < sequence.count else { return nil }
    let id = sequence[Int(problem.typeID) - firstID]
    let explanation = Explanation(graph: graph, importedScopes: importedScopes)
    var text = "[\(problem.typeID)] " + Explanation.describe(explanation.subject(id))
    if let last = graph.decisions.latest(for: id) {
      let d = graph.decisions[last]
      text += ", last changed by \(d.pass): \(d.reason)"
    } else {
      text += ", as imported (no pass changed it)"
    }
    // The kernel names the holder, but the fault is the demotion of what it holds when nothing
    // fixed the holder after it (a pass that demoted after prune-dependents).
    if let (demoted, d) = unfixedDemotion(held: id, graph) {
      let decision = graph.decisions[d]
      text +=
        ", which holds \(Explanation.describe(explanation.subject(demoted))) demoted by \(decision.pass): \(decision.reason), "
        + "and nothing fixed the holder after it: a pass that demotes a type others hold should `cut` it (demote it and fix its holders)"
    }
    return text
  }

  /// A node `holder` refers to (through modifiers and typedefs) that a pass demoted after the
  /// holder last changed, with that decision.
  static func unfixedDemotion(held holder: TypeID, _ graph: TypeGraph) -> (TypeID, Int)? {
    let since = graph.decisions.latest(for: holder) ?? -1
    var found: (TypeID, Int)?
    graph.forEachReference(of: holder) { r in
      let t = graph.resolvingModifiers(r)
      guard found == nil, !t.isVoid, graph.kind(t) == .void, let d = graph.decisions.latest(for: t), d > since,
        graph.decisions[d].action == .demoted
      else { return }
      found = (t, d)
    }
    return found
  }

  /// `--btf_base PATH`, or `--btf_base` for a base without a name.
  var baseLabel: String { baseName.map { "--btf_base \($0)" } ?? "--btf_base" }

  /// Refuses a base the kernel would not have booted with (`BaseBTF.problem`), in its words,
  /// before anything else runs.
  func checkBase() throws {
    guard let base else { return }
    if let problem = BaseBTF.problem(base) { throw ConversionError("\(baseLabel): \(problem.line)") }
  }
}

/// `--btf_base` as the pipeline's passes reach it (`PassContext.splitBase`): attached after the
/// passes, with only the base types a module type can equal decoded (`LazySplitBase`,
/// `Dedup.mergeIntoSplitBase`), or with `whole` every one, dedup then running over all of them
/// (`Conversion.decodeWholeBase`: slower, the same BTF).
struct ModuleBase: SplitBaseSource {
  let bytes: [UInt8]
  let strings: StringSectionIndex?
  let whole: Bool

  func attach(to graph: inout TypeGraph) throws -> (any SplitBaseTypes)? {
    if whole {
      try SplitBTF.attachBase(bytes, to: &graph)
      return nil
    }
    // The base's records passed the kernel's boot checks (`checkBase`).
    return try LazySplitBase(bytes, strings: strings, metaChecked: true, graph: &graph)
  }
}

extension LazySplitBase: SplitBaseTypes {}

/// Where a conversion is.
public enum ConversionPhase: Sendable, Equatable {
  /// Reading DWARF: `units` compile units of `of` walked so far.
  case importing(units: Int, of: Int)
  /// Pass `index` (from 1) of `count`, about to run.
  case pass(index: Int, count: Int, name: String)
  case encoding
  /// The offline validator checks the encoded BTF.
  case validating
}

/// Reports each pass as it starts.
private final class PhaseReporter: PassInstrumentation {
  let count: Int
  let report: @Sendable (ConversionPhase) -> Void
  var index = 0
  init(count: Int, report: @escaping @Sendable (ConversionPhase) -> Void) {
    self.count = count
    self.report = report
  }
  func before(pass: String, graph: TypeGraph) throws {
    index += 1
    report(.pass(index: index, count: count, name: pass))
  }
  func after(pass: String, graph: TypeGraph, result: PassResult) throws {}
}

public struct ConversionError: Error, CustomStringConvertible {
  public var description: String
  public init(_ d: String) { description = d }
}

/// The most BTF the kernel takes (`BTF_MAX_SIZE`): a raw BTF file larger than this is not
/// BTF anyone can load, and `verify`/`dump` stop reading there (`/dev/zero` ends).
public let maxBTFFileSize = 16 << 20

/// Reads a whole file, with a one-line error; with `limit`, refuses a file longer than that
/// without reading past it (devices and pipes included).
public func readFile(_ path: String, limit: Int? = nil) throws -> [UInt8] {
  guard let f = fopen(path, "rb") else { throw ConversionError("\(path): cannot open: \(String(cString: strerror(errno)))") }
  defer { fclose(f) }
  var out: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = fread(&buffer, 1, buffer.count, f)
    if n > 0 { out.append(contentsOf: buffer[0..<n]) }
    if let limit, out.count > limit {
      throw ConversionError("\(path): larger than \(limit >> 20) MiB, more than the kernel takes as BTF (BTF_MAX_SIZE); not read further")
    }
    if n < buffer.count {
      if ferror(f) != 0 { throw ConversionError("\(path): read error") }
      break
    }
  }
  return out
}
