/// One row of the registry: how to make a pass from its pipeline-text parameters.
public struct PassDescriptor: Sendable {
  public let name: String
  public let summary: String
  /// Parameter documentation, e.g. `max-length=N (default 512)`; empty when the pass has none.
  public let parameterHelp: String
  /// Passes that must appear earlier in a pipeline that contains this one.
  public let requires: [String]
  public let make: @Sendable (PassParameters) throws -> any Pass

  public init(
    name: String, summary: String, parameterHelp: String = "", requires: [String] = [],
    make: @escaping @Sendable (PassParameters) throws -> any Pass
  ) {
    self.name = name
    self.summary = summary
    self.parameterHelp = parameterHelp
    self.requires = requires
    self.make = make
  }
}

/// The passes a pipeline can name. Its order is the order of `all`.
public struct PassRegistry: Sendable {
  public private(set) var descriptors: [PassDescriptor]
  public init(_ descriptors: [PassDescriptor]) { self.descriptors = descriptors }

  public func descriptor(named name: String) -> PassDescriptor? {
    descriptors.first { $0.name == name }
  }
  public var names: [String] { descriptors.map(\.name) }

  /// Adds a pass at the end (library users registering their own).
  public mutating func register(_ d: PassDescriptor) { descriptors.append(d) }
}

/// `key=value` parameters from pipeline text, with typed accessors that report bad values.
public struct PassParameters: Sendable {
  public var pass: String
  public var values: [(key: String, value: String?)]
  public init(pass: String, values: [(key: String, value: String?)] = []) {
    self.pass = pass
    self.values = values
  }

  public func string(_ key: String) -> String? { values.last { $0.key == key }?.value ?? nil }
  public func has(_ key: String) -> Bool { values.contains { $0.key == key } }

  public func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
    guard let text = string(key) else {
      if has(key) { throw PassError(pass: pass, message: "parameter '\(key)' needs a value") }
      return d
    }
    guard let v = Int(text), range.contains(v) else {
      throw PassError(pass: pass, message: "parameter '\(key)=\(text)' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
    }
    return v
  }

  /// Fails on any key not in `known`.
  public func checkKnown(_ known: [String]) throws {
    for (k, _) in values where !known.contains(k) {
      let hint = known.isEmpty ? "it takes no parameters" : "known: " + known.joined(separator: ", ")
      throw PassError(pass: pass, message: "unknown parameter '\(k)' (\(hint))")
    }
  }
}
