/// Dense integer identifiers. `TypeID(0)` is void, as in BTF; every other id indexes the node
/// columns of a `TypeGraph`. Ids never change before encoding: a node a pass removes becomes a
/// tombstone (`Kind.removed`), and the encoder renumbers densely.
public struct TypeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: Int32
  @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
  @inlinable public init(_ index: Int) { self.rawValue = Int32(truncatingIfNeeded: index) }
  public static let void = TypeID(rawValue: 0)
  @inlinable public var index: Int { Int(rawValue) }
  @inlinable public var isVoid: Bool { rawValue == 0 }
  @inlinable public static func < (a: TypeID, b: TypeID) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "#\(rawValue)" }
}

/// An interned string: an index into `StringTable`. `NameID.empty` is the empty string, which
/// BTF uses for "anonymous".
public struct NameID: RawRepresentable, Hashable, Comparable, Sendable {
  public var rawValue: Int32
  @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
  public static let empty = NameID(rawValue: 0)
  @inlinable public var isEmpty: Bool { rawValue == 0 }
  @inlinable public static func < (a: NameID, b: NameID) -> Bool { a.rawValue < b.rawValue }
}

/// Index into `TypeGraph.compileUnits`.
public struct UnitID: RawRepresentable, Hashable, Comparable, Sendable {
  public var rawValue: Int32
  @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
  /// Nodes that come from no compile unit (synthesized by the importer, or decoded from BTF).
  public static let none = UnitID(rawValue: -1)
  @inlinable public static func < (a: UnitID, b: UnitID) -> Bool { a.rawValue < b.rawValue }
}
