/// Why a pass decided what it did. Each pass declares its own reasons, in its own module (the
/// standard passes: an enum `Reason` nested in the pass, `LowerRust+Reasons.swift` and so on);
/// the graph records them as `Decision.reason` and knows none of them.
///
/// What tools read of a reason:
/// - `code`: a short stable identifier of the cause (`noBTFKind`), for programs;
/// - `sentence`: what `--explain`, `--explain-pruned`, the JSON outputs and `--stats` print, without
///   a trailing period ("DW_TAG_variant_part has no BTF kind"); goldens hold these sentences;
/// - `pattern`: the sentence without what varies from node to node (names, sizes), which
///   `--stats` counts root causes by, so that equal causes count together.
///
/// A reason is a value (`Hashable`): tests and tools compare it with the pass's own cases. A pass
/// whose sentences have names and numbers in them conforms through `WordedReason`, which derives
/// `sentence` and `pattern` from one list of pieces; a pass with one fixed text per cause can use
/// `CustomReason` (`.custom("static linkage")`).
public protocol DecisionReason: Hashable, Sendable {
  /// A short stable identifier of the cause; by default the name of the enum case
  /// (`noBTFKind`), or of the type for a struct.
  var code: String { get }
  /// The sentence, without a trailing period.
  var sentence: String { get }
  /// The sentence without its per-instance values; by default the sentence itself (a reason with
  /// one fixed text per cause counts as it reads).
  var pattern: String { get }
}

extension DecisionReason {
  public var pattern: String { sentence }

  public var code: String {
    let mirror = Mirror(reflecting: self)
    switch mirror.displayStyle {
    case .enum:
      // A case with a payload has one child, labelled with the case's name; one without has
      // none, and reads as its name.
      if let label = mirror.children.first?.label { return label }
      return String(describing: self)
    default:
      return String(describing: Self.self)
    }
  }

  /// Whether `other` is this reason (same type, equal value).
  fileprivate func isEqual(to other: any DecisionReason) -> Bool {
    guard let other = other as? Self else { return false }
    return self == other
  }
}

/// A recorded reason of any pass: what `Decision.reason` holds. The reason's own value stays in
/// it (`as(_:)`), so that a pass's tests can compare it with their cases.
public struct AnyDecisionReason: DecisionReason, CustomStringConvertible {
  public let base: any DecisionReason

  public init<R: DecisionReason>(_ reason: R) {
    // A recorded reason is not boxed twice (it would equal nothing). A type comparison, not a
    // dynamic cast: this runs once per decision.
    if R.self == AnyDecisionReason.self { self = unsafeBitCast(reason, to: AnyDecisionReason.self) } else { base = reason }
  }

  public var code: String { base.code }
  public var sentence: String { base.sentence }
  public var pattern: String { base.pattern }
  /// The sentence.
  public var description: String { base.sentence }

  /// The reason as the pass gave it, when it is an `R`.
  public func `as`<R: DecisionReason>(_ type: R.Type) -> R? { base as? R }

  public static func == (a: AnyDecisionReason, b: AnyDecisionReason) -> Bool { a.base.isEqual(to: b.base) }
  public func hash(into hasher: inout Hasher) { base.hash(into: &hasher) }

  /// Whether the recorded reason is `reason` (`d.reason == PruneDependents.Reason.returnUnsized`).
  public static func == <R: DecisionReason>(a: AnyDecisionReason, b: R) -> Bool { a.base.isEqual(to: b) }
  public static func != <R: DecisionReason>(a: AnyDecisionReason, b: R) -> Bool { !a.base.isEqual(to: b) }
}

/// A reason with one fixed sentence, for a pass that needs no type of its own: `--stats` counts
/// causes by the sentence, so it should not hold per-node values.
public struct CustomReason: DecisionReason {
  public var sentence: String
  public var code: String { "custom" }
  public init(_ sentence: String) { self.sentence = sentence }
}

extension DecisionReason where Self == CustomReason {
  /// `reason: .custom("static linkage")`: a sentence without a trailing period.
  public static func custom(_ sentence: String) -> CustomReason { CustomReason(sentence) }
}

/// The reason of every row of the merge columns (`TypeGraph.merge(_:into:)` without a reason of
/// its own): the node was merged into one it is structurally equal to. Part of the graph, since
/// the rows are: a million merges of a distribution vmlinux hold no reason each.
public struct StructurallyEqual: DecisionReason {
  public init() {}
  public var code: String { "structurallyEqual" }
  public var sentence: String { "structurally equal to the kept node" }
}
