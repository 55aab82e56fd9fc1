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
/// the order `all` runs them; passes added with `register` can be named but are not part of
/// `all`, so `all,my-pass` runs `my-pass` once, where the user put it.
public struct PassRegistry: Sendable {
  public private(set) var descriptors: [PassDescriptor]
  /// How many of `descriptors`, from the first, make up `all`.
  private let standardCount: Int
  public init(_ descriptors: [PassDescriptor]) {
    self.descriptors = descriptors
    standardCount = descriptors.count
  }

  /// What `all` expands to.
  public var standard: ArraySlice<PassDescriptor> { descriptors[..<standardCount] }

  public func descriptor(named name: String) -> PassDescriptor? {
    descriptors.first { $0.name == name }
  }
  public var names: [String] { descriptors.map(\.name) }

  /// Adds a pass that pipelines can name (library users registering their own); it does not
  /// join `all`.
  ///
  /// Throws a ``PassError`` naming the pass, and leaves the registry as it was, when another
  /// pass is registered under the same name (a second `dedup` would never run: a pipeline
  /// names the first) or when an entry of `requires` names no pass registered so far. The
  /// rule is the order of the calls: register a pass after the passes it requires, as they
  /// run after them.
  public mutating func register(_ d: PassDescriptor) throws {
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
    descriptors.append(d)
  }
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
      throw PassError(pass: pass, parameter: key, message: "parameter '\(key)=\(text)' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
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
