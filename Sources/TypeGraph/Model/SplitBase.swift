/// The base BTF a split BTF builds on (`--btf_base vmlinux`, what a kernel build gives the
/// encoder for every module).
///
/// Split BTF continues the base: its type ids start after the base's last id and its string
/// offsets after the base's string section, and it may refer to any base type or base string.
/// The base's types sit in the graph as ordinary nodes, `nodes`, after the module's, so that
/// `dedup` can merge the module's copies into them with the same structural equality it uses
/// everywhere (`Dedup` never merges a base node away and prefers a base node as a class's
/// representative). The encoder writes none of them: it refers to them by their base ids, and
/// to base strings by their base offsets.
///
/// Either every base type is a node, in base id order (`appendSplitBase`), or only those a
/// module can use (`beginSplitBase` and `addSplitBaseNode`, what a conversion does: vmlinux's
/// BTF has 100,000 types and a module uses a few thousand). Then `baseIDs` says which base type
/// each node is, and a node of kind `.removed` stands for a base type that was not decoded:
/// another base node refers to it, no module node does.
public struct SplitBase: Sendable {
  /// The graph's node slots holding the base types: base id `k` is node `nodes.lowerBound + k - 1`.
  public var nodes: Range<Int>
  /// Number of base types, void included: the first split type id (libbpf's
  /// `btf__type_cnt(base)`).
  public var typeCount: UInt32
  /// Bytes in the base's string section: the first split string offset.
  public var stringLength: UInt32
  /// `NameID.index` -> base string offset + 1 (0: the string is not in the base).
  public var stringOffsets: ContiguousArray<UInt32>
  /// The base id of each node of `nodes`, in order; empty when every base type is a node, in
  /// base id order.
  public var baseIDs: ContiguousArray<UInt32> = []

  @inlinable public func contains(_ id: TypeID) -> Bool { nodes.contains(id.index) }

  /// The base BTF id of a base node.
  @inlinable public func baseID(_ id: TypeID) -> UInt32 {
    baseIDs.isEmpty ? UInt32(id.index - nodes.lowerBound + 1) : baseIDs[id.index - nodes.lowerBound]
  }

  /// The base string offset of `name`, if the base's string section holds it.
  @inlinable public func stringOffset(_ name: NameID) -> UInt32? {
    let i = name.index
    guard i < stringOffsets.count, stringOffsets[i] != 0 else { return nil }
    return stringOffsets[i] - 1
  }
}

extension TypeGraph {
  /// Appends the nodes of `base` (a graph decoded from the base BTF, base id `k` its node `k`)
  /// and makes them this graph's split base. `stringSection` is the base's raw string section:
  /// every string that starts in it is interned, so that names the module shares with the base
  /// are written as base offsets.
  ///
  /// The appended nodes keep their own references (shifted) and the base's array index type
  /// is not carried over: arrays compare by element and count, and the module's index type
  /// merges into the base's `int` when the two are equal.
  ///
  /// `idAtOffset`, when given, says that `base` was decoded with this graph's string table as
  /// its start (its table extends this one, ids kept) and holds, per offset of `stringSection`,
  /// the id + 1 of the string there (0: not a name): nothing is interned a second time.
  package mutating func appendSplitBase(_ base: TypeGraph, stringSection: [UInt8], idAtOffset: [Int32]? = nil) {
    precondition(splitBase == nil, "a graph has one split base")
    let first = count
    let shift = first - 1
    func moved(_ t: TypeID) -> TypeID { t.isVoid ? .void : TypeID(t.index + shift) }
    var nameMap = ContiguousArray<NameID>(repeating: .empty, count: base.strings.count)
    if idAtOffset != nil {
      precondition(base.strings.count >= strings.count, "the base's names must extend this graph's strings")
      strings = base.strings
      for n in 1..<base.strings.count { nameMap[n] = NameID(rawValue: Int32(n)) }
    } else {
      for n in 1..<base.strings.count {
        nameMap[n] = base.strings.withBytes(NameID(rawValue: Int32(n))) { strings.intern($0) }
      }
    }
    for i in 1..<base.count {
      let id = TypeID(i)
      let node = add(
        base.kind(id), name: nameMap[base.name(id).index], size: base.size(id), ref: moved(base.ref(id)),
        aux: base.aux(id), flags: base.flags(id))
      if base.memberCount(id) > 0 {
        setMembers(
          node,
          base.memberRange(id).map { m in
            Member(
              name: nameMap[base.memberNames[m].index], type: moved(base.memberTypes[m]),
              value: base.memberValues[m], bits: base.memberBits[m])
          })
      }
    }
    var offsets = ContiguousArray<UInt32>(repeating: 0, count: strings.count)
    var start = 0
    stringSection.withUnsafeBytes { all in
      while start < all.count {
        var end = start
        while end < all.count && all[end] != 0 { end += 1 }
        if end > start {
          let known = idAtOffset.map { start < $0.count ? $0[start] : 0 } ?? 0
          let n = known != 0 ? NameID(rawValue: known - 1) : strings.intern(UnsafeRawBufferPointer(rebasing: all[start..<end]))
          if n.index >= offsets.count { offsets.append(contentsOf: repeatElement(0, count: n.index + 1 - offsets.count)) }
          if offsets[n.index] == 0 { offsets[n.index] = UInt32(start) + 1 }
        }
        start = end + 1
      }
    }
    splitBase = SplitBase(
      nodes: first..<count, typeCount: UInt32(base.count), stringLength: UInt32(stringSection.count),
      stringOffsets: offsets)
  }
}

extension TypeGraph {
  /// Makes this graph split BTF on top of a base of `typeCount` types (void included) and
  /// `stringLength` string bytes, with no base type a node yet: `addSplitBaseNode` adds them as
  /// they are needed. `stringOffsets` is `SplitBase.stringOffsets` for the names the graph has
  /// (`setSplitBaseStringOffset` adds those of names interned later).
  package mutating func beginSplitBase(typeCount: UInt32, stringLength: UInt32, stringOffsets: ContiguousArray<UInt32>) {
    precondition(splitBase == nil, "a graph has one split base")
    splitBase = SplitBase(nodes: count..<count, typeCount: typeCount, stringLength: stringLength, stringOffsets: stringOffsets)
  }

  /// Appends a node for base type `baseID`, of kind `.removed` until the caller fills it in.
  /// No module node may be added after base nodes.
  package mutating func addSplitBaseNode(baseID: UInt32) -> TypeID {
    precondition(splitBase != nil && splitBase!.nodes.upperBound == count, "base nodes come last")
    let id = add(.removed)
    splitBase!.nodes = splitBase!.nodes.lowerBound..<count
    splitBase!.baseIDs.append(baseID)
    return id
  }

  /// Records that the base's string section holds `name` at `offset`.
  package mutating func setSplitBaseStringOffset(_ name: NameID, _ offset: UInt32) {
    guard splitBase != nil else { return }
    let i = name.index
    if i >= splitBase!.stringOffsets.count {
      splitBase!.stringOffsets.append(contentsOf: repeatElement(0, count: i + 1 - splitBase!.stringOffsets.count))
    }
    splitBase!.stringOffsets[i] = offset + 1
  }
}

/// A hash of an anonymous type's kind, entry count and entries, where names are base string
/// offsets and types base ids: the same value from a base record and from a module node whose
/// names and references are mapped to the base's.
package struct AnonymousKey {
  @inline(__always) package static func mix(_ v: UInt64) -> UInt64 {
    var x = v &* 0xff51_afd7_ed55_8ccd
    x ^= x >> 33
    return x
  }

  package private(set) var value: UInt64
  package init(kind: Kind, count: Int) { value = Self.mix(UInt64(kind.rawValue) << 32 | UInt64(count)) }
  package mutating func add(word: UInt64) { value = Self.mix(value ^ word) }
  package mutating func add(name offset: UInt32) { value = Self.mix(value ^ (UInt64(offset) | 1 << 40)) }
  package mutating func add(type id: UInt32) { value = Self.mix(value ^ (UInt64(id) | 1 << 41)) }
}

/// What `AnonymousKey.of` reads of a type: a split base's raw record (`LazySplitBase`) or a
/// module node seen through the base (`Dedup.mergeIntoSplitBase`), both in base terms: names
/// as base string offsets, references as base ids. Nil where the module node's name or
/// reference stands for nothing of the base (then no key).
package protocol AnonymousKeySource {
  var kind: Kind { get }
  var memberCount: Int { get }
  /// The `size` column's value (0 for kinds without one).
  var size: UInt32 { get }
  /// The `aux` column's value (only ARRAY's element count is read).
  var aux: UInt32 { get }
  func ref() -> UInt32?
  func memberName(_ j: Int) -> UInt32?
  func memberType(_ j: Int) -> UInt32?
  func memberValue(_ j: Int) -> UInt64
}

extension AnonymousKey {
  /// The key of an anonymous type, from its kind's row (`KindInfo`): its kind and entry
  /// count; its size, or an array's element count; its reference; per entry its name, value
  /// and type, each where the kind has one. Nil for kinds whose name may not be empty (never
  /// anonymous) and where the source has no base value.
  @inlinable package static func of<Source: AnonymousKeySource>(_ s: Source) -> UInt64? {
    let info = s.kind.info
    guard info.name == .forbidden || info.name == .optionalIdentifier else { return nil }
    var key = AnonymousKey(kind: s.kind, count: s.memberCount)
    if info.size == .bytes { key.add(word: UInt64(s.size)) }
    if info.aux == .elementCount { key.add(word: UInt64(s.aux)) }
    if info.ref != .none {
      guard let t = s.ref() else { return nil }
      key.add(type: t)
    }
    let role = info.members
    for j in 0..<s.memberCount {
      if role.hasNames {
        guard let n = s.memberName(j) else { return nil }
        key.add(name: n)
      }
      if role.hasValues { key.add(word: s.memberValue(j)) }
      if role.typesAreReferences {
        guard let t = s.memberType(j) else { return nil }
        key.add(type: t)
      }
    }
    return key.value
  }
}
