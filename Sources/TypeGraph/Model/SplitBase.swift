/// The base BTF a split BTF builds on (`--btf_base vmlinux`, what a kernel build gives the
/// encoder for every module).
///
/// Split BTF continues the base: its type ids start after the base's last id and its string
/// offsets after the base's string section, and it may refer to any base type or base string.
/// The base's types sit in the graph as ordinary nodes, `nodes`, in base id order, so that
/// `dedup` can merge the module's copies into them with the same structural equality it uses
/// everywhere (`Dedup` never merges a base node away and prefers a base node as a class's
/// representative). The encoder writes none of them: it refers to them by their base ids, and
/// to base strings by their base offsets.
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

  @inlinable public func contains(_ id: TypeID) -> Bool { nodes.contains(id.index) }

  /// The base BTF id of a base node.
  @inlinable public func baseID(_ id: TypeID) -> UInt32 { UInt32(id.index - nodes.lowerBound + 1) }

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
  public mutating func appendSplitBase(_ base: TypeGraph, stringSection: [UInt8], idAtOffset: [Int32]? = nil) {
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
        setMembers(node, base.memberRange(id).map { m in
          Member(name: nameMap[base.memberNames[m].index], type: moved(base.memberTypes[m]),
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
