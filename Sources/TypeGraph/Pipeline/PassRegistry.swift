/// One row of the registry: how to make a pass from its pipeline-text parameters.
public struct PassDescriptor: Sendable {
  public let name: String
  public let summary: String
  /// Parameter documentation, e.g. `max-length=N (default 512)`; empty when the pass has none.
  public let parameterHelp: String
  /// Passes that must appear earlier in a pipeline that contains this one (the pass type's
  /// `requires`, for `--list-passes` and PASSES.md; the parser checks the made pass's own).
  public let requires: [String]
  public let make: @Sendable (PassParameters) throws -> any Pass

  /// The row of pass type `P`: its name, summary and ordering constraints come from the type.
  public init<P: Pass>(_ pass: P.Type, parameterHelp: String = "", make: @escaping @Sendable (PassParameters) throws -> P) {
    self.name = P.name
    self.summary = P.summary
    self.parameterHelp = parameterHelp
    self.requires = P.requires
    self.make = { try make($0) }
  }

  /// A row under a name of its own (a pass registered twice under two names, say).
  public init(
    name: String, summary: String, parameterHelp: String = "",
    make: @escaping @Sendable (PassParameters) throws -> any Pass
  ) {
    self.name = name
    self.summary = summary
    self.parameterHelp = parameterHelp
    self.requires = []
    self.make = make
  }
}

/// The passes a pipeline can name. The passes it is made with are the standard pipeline, in
/// the order `all` runs them; passes added with `register(_:)` can be named but are not part of
/// `all`, so `all,my-pass` runs `my-pass` once, where the user put it. Passes added with
/// `register(_:placement:)` join `all` at a named point of it (LLVM's pass-builder extension
/// points), so a pass that must run before `prune-dependents` needs no pipeline spelled out.
public struct PassRegistry: Sendable {
  public private(set) var descriptors: [PassDescriptor]
  /// The names of the passes the registry was made with, in order: the points of `all` a
  /// placement is relative to.
  private let standardNames: [String]
  /// What `all` runs, by index into `descriptors`.
  private var allOrder: [Int]
  /// The point of `all` each placed pass joined it at, by name.
  private var placements: [(pass: String, at: PassPlacement)] = []

  public init(_ descriptors: [PassDescriptor]) {
    self.descriptors = descriptors
    standardNames = descriptors.map(\.name)
    allOrder = Array(descriptors.indices)
  }

  /// What `all` expands to: the standard passes, in order, with the placed ones at their points.
  public var standard: [PassDescriptor] { allOrder.map { descriptors[$0] } }

  public func descriptor(named name: String) -> PassDescriptor? {
    descriptors.first { $0.name == name }
  }
  public var names: [String] { descriptors.map(\.name) }

  /// The point of `all` where pass `name` was placed (nil: a standard pass, or one that is not
  /// part of `all`).
  public func placement(of name: String) -> PassPlacement? {
    placements.first { $0.pass == name }?.at
  }

  /// Adds a pass that pipelines can name (library users registering their own); it does not
  /// join `all`.
  ///
  /// Throws a ``PassError`` naming the pass, and leaves the registry as it was, when another
  /// pass is registered under the same name (a second `dedup` would never run: a pipeline
  /// names the first) or when an entry of `requires` names no pass registered so far. The
  /// rule is the order of the calls: register a pass after the passes it requires, as they
  /// run after them.
  public mutating func register(_ d: PassDescriptor) throws {
    try checkRegistration(d)
    descriptors.append(d)
  }

  /// Adds a pass that joins `all` at `placement`, after the standard pass the point follows and
  /// after the passes placed there before it (in the order of the calls); pipelines can also
  /// name it, as any registered pass. `--print-pipeline` and `listing` show it where it runs.
  ///
  /// Refused, as `register(_:)` refuses, and also when the point follows no standard pass of
  /// this registry, when a pass it requires does not run earlier in `all` (placed before a
  /// pass it requires, or requiring a pass that is not part of `all`: `all` would not parse),
  /// or when the pass cannot be made without parameters (`all` gives none).
  public mutating func register(_ d: PassDescriptor, placement: PassPlacement) throws {
    try checkRegistration(d)
    var at = allOrder.count
    if case .after(let anchor) = placement.anchor {
      guard let k = standardNames.firstIndex(of: anchor), let i = allOrder.firstIndex(of: k) else {
        throw PassError(
          pass: d.name, message: "placement '\(placement.name)' follows '\(anchor)', which is not a standard pass of this registry")
      }
      // After the anchor and what was placed there before: up to the next standard pass.
      at = i + 1
      while at < allOrder.count && allOrder[at] >= standardNames.count { at += 1 }
    }
    let earlier = allOrder[..<at].map { descriptors[$0].name }
    for r in d.requires where !earlier.contains(r) {
      let later = allOrder[at...].contains { descriptors[$0].name == r }
      throw PassError(
        pass: d.name,
        message: "requires '\(r)', which "
          + (later
            ? "runs after \(placement.name) in 'all': place the pass after it"
            : "is not part of 'all': register the pass without a placement and name it in the pipeline"))
    }
    do { _ = try d.make(PassParameters(pass: d.name)) } catch {
      throw PassError(pass: d.name, message: "cannot join 'all', which gives it no parameters: \(error)")
    }
    descriptors.append(d)
    allOrder.insert(descriptors.count - 1, at: at)
    placements.append((d.name, placement))
  }

  /// What `register` refuses whatever the placement: a taken name, `requires` naming no pass.
  private func checkRegistration(_ d: PassDescriptor) throws {
    if d.name == "all" {
      throw PassError(pass: d.name, message: "'all' names the standard pipeline, not a pass")
    }
    if descriptor(named: d.name) != nil {
      throw PassError(pass: d.name, message: "a pass named '\(d.name)' is already registered")
    }
    for r in d.requires where descriptor(named: r) == nil {
      var message = "requires '\(r)', which is not a registered pass"
      if r == d.name {
        message = "requires itself"
      } else if let near = nearest(r, in: names) {
        message += " (did you mean '\(near)'?)"
      } else {
        message += " (register it first)"
      }
      throw PassError(pass: d.name, message: message)
    }
  }

  /// `--list-passes`: the passes of `all` in the order it runs them (a placed one says where it
  /// was placed), then the passes a pipeline must name, one a line with summary and parameters.
  public var listing: String {
    let width = names.map(\.count).max() ?? 0
    let inAll = Set(allOrder)
    return (allOrder + descriptors.indices.filter { !inAll.contains($0) }).map { i in
      let d = descriptors[i]
      let pad = String(repeating: " ", count: width - d.name.count)
      var line = "\(d.name)\(pad)  \(d.summary)" + (d.parameterHelp.isEmpty ? "" : " [\(d.parameterHelp)]")
      if let p = placement(of: d.name) {
        line += " (in all: \(p.name))"
      } else if !inAll.contains(i) {
        line += " (not in all)"
      }
      return line + "\n"
    }.joined()
  }
}

/// A named point of the standard pipeline (`all`) where `PassRegistry.register(_:placement:)`
/// puts a pass (LLVM's `registerPipelineStartEPCallback` and friends). The points rustbtf's
/// standard passes offer, each with what holds there, are `StandardPasses`' (`.beforePruning`…).
public struct PassPlacement: Sendable, Hashable, CustomStringConvertible {
  public enum Anchor: Sendable, Hashable {
    /// Right after this standard pass (and the passes placed there earlier).
    case after(String)
    /// After every pass of `all`.
    case end
  }
  /// Kebab-case, as `listing` shows it (`before-pruning`).
  public let name: String
  public let anchor: Anchor
  public init(name: String, anchor: Anchor) {
    self.name = name
    self.anchor = anchor
  }
  public var description: String { name }
}

/// `key=value` parameters from pipeline text, with typed accessors that report bad values.
/// Errors thrown for a parameter name it (`PassError.parameter`), so the pipeline parser can
/// point at its column.
public struct PassParameters: Sendable {
  public var pass: String
  public var values: [(key: String, value: String?)]
  /// 1-based column of each of `values` in the pipeline text (empty when built in code).
  public var columns: [Int] = []
  public init(pass: String, values: [(key: String, value: String?)] = []) {
    self.pass = pass
    self.values = values
  }

  /// The column of `key` in the pipeline text, when it came from there.
  public func column(of key: String) -> Int? {
    guard let i = values.lastIndex(where: { $0.key == key }), i < columns.count else { return nil }
    return columns[i]
  }

  public func string(_ key: String) -> String? { values.last { $0.key == key }?.value ?? nil }
  public func has(_ key: String) -> Bool { values.contains { $0.key == key } }

  public func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
    guard let text = string(key) else {
      if has(key) { throw PassError(pass: pass, parameter: key, message: "parameter '\(key)' needs a value") }
      return d
    }
    guard let v = Int(text), range.contains(v) else {
      throw PassError(
        pass: pass, parameter: key,
        message: "parameter '\(key)=\(text)' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
    }
    return v
  }

  /// The value of `key` as one of `T`'s cases (`qualify=ambiguous`), `d` when absent.
  public func choice<T: RawRepresentable & CaseIterable>(_ key: String, default d: T) throws -> T
  where T.RawValue == String {
    guard has(key) else { return d }
    guard let text = string(key), let v = T(rawValue: text) else {
      let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
      let given = string(key).map { "'\(key)=\($0)'" } ?? "'\(key)' needs a value and"
      throw PassError(pass: pass, parameter: key, message: "parameter \(given) must be one of \(allowed)")
    }
    return v
  }

  /// Whether the valueless switch `key` (`tag-original-names`) is given; a value is an error.
  public func flag(_ key: String) throws -> Bool {
    if string(key) != nil {
      throw PassError(pass: pass, parameter: key, message: "parameter '\(key)' takes no value")
    }
    return has(key)
  }

  /// Fails on any key not in `known`.
  public func checkKnown(_ known: [String]) throws {
    for (k, _) in values where !known.contains(k) {
      let hint = known.isEmpty ? "it takes no parameters" : "known: " + known.joined(separator: ", ")
      throw PassError(pass: pass, parameter: k, message: "unknown parameter '\(k)' (\(hint))")
    }
  }
}
