/// A pass: anything that can run over a graph. No base class; a pass is a small struct whose
/// stored properties are its parameters (LLVM's new pass manager model).
public protocol Pass: Sendable {
  /// Kebab-case name used by `--passes`, `--list-passes` and PASSES.md.
  static var name: String { get }
  /// One line for `--list-passes`.
  static var summary: String { get }
  /// Passes that must run earlier in any pipeline holding this one: declared here once, checked
  /// by the parser and by `PassPipeline.orderingProblem()` for pipelines built in code.
  static var requires: [String] { get }
  /// Parameters in pipeline text (`max-length=128`), in canonical order; empty when none.
  var parameterText: String { get }
  mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult
}

extension Pass {
  public static var requires: [String] { [] }
  public var parameterText: String { "" }
  public var name: String { Self.name }
}

/// A pass that fixes what held the nodes `TypeGraph.cut` demoted, and then calls
/// `cutsRepaired()` (`prune-dependents`). `PassPipeline.run` runs the pipeline's one again after
/// a pass that cut nodes when none comes later.
public protocol RepairsCuts: Pass {}

public enum PassResult: Sendable, Equatable {
  case unchanged, changed
}

/// What every pass may read and write besides the graph.
public struct PassContext: Sendable {
  /// Kernel features the output may use.
  public var target: TargetFeatures
  /// Warnings for standard error.
  public var diagnostics: [String] = []
  /// The strings of the base BTF when the output is split BTF on top of it (a module on
  /// vmlinux): `sanitize-names` gives a renamed node the name the base gave the same original
  /// when the base has it, so that the module's copies of base types can merge into them.
  /// An index over the base's string section as it is (no string copied): a vmlinux base has
  /// hundreds of thousands of strings, and a kernel build reads them once per module.
  public var splitBaseStrings: StringSectionIndex? = nil
  /// The base BTF itself when the output is split BTF: `PassPipeline.run` attaches it after
  /// the passes, and the passes that merge into it (`MergesIntoSplitBase`) then do.
  public var splitBase: (any SplitBaseSource)? = nil
  /// Threads a pass may use for work it can split (`inParallelChunks`); the output is the same
  /// for any number. `Conversion` gives the import's (`--jobs`).
  public var threads = 1
  public init(target: TargetFeatures = .linux6_1) { self.target = target }
}

/// BTF features of the target kernel; the one place kernel-version compatibility is decided.
public struct TargetFeatures: OptionSet, Sendable, Hashable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  public static let float = TargetFeatures(rawValue: 1 << 0)
  public static let declTag = TargetFeatures(rawValue: 1 << 1)
  public static let typeTag = TargetFeatures(rawValue: 1 << 2)
  public static let enum64 = TargetFeatures(rawValue: 1 << 3)
  /// Names up to 512 bytes instead of 128 (Linux 6.1; KSYM_NAME_LEN grew).
  public static let longNames = TargetFeatures(rawValue: 1 << 4)
  /// The default target: what Linux 6.1 and newer accept.
  public static let linux6_1: TargetFeatures = [.float, .declTag, .typeTag, .enum64, .longNames]

  public var maxNameLength: Int { contains(.longNames) ? 512 : 128 }
}

/// Errors a pass throws when it cannot run at all (not per-node problems, which it records).
public struct PassError: Error, CustomStringConvertible, Sendable {
  public var pass: String
  /// The parameter at fault, when a parameter is: the pipeline parser reports its column.
  public var parameter: String?
  public var message: String
  public init(pass: String, parameter: String? = nil, message: String) {
    self.pass = pass
    self.parameter = parameter
    self.message = message
  }
  public var description: String { "\(pass): \(message)" }
}
