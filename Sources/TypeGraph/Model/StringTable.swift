/// Every string of a graph, interned once: names are `NameID`s, and equal strings have equal
/// ids, so passes compare names as integers.
///
/// Storage is one byte buffer plus an offset column; lookup is an open-addressing table of ids
/// keyed by an FNV-1a hash of the bytes, so interning from a C string allocates no `String`.
/// - Complexity: `intern` is O(length) expected; `string(_:)` O(length).
public struct StringTable: Sendable {
  private var bytes: ContiguousArray<UInt8> = []
  private var starts: ContiguousArray<UInt32> = [0]
  private var lengths: ContiguousArray<UInt32> = [0]
  private var hashes: ContiguousArray<UInt32> = [0]
  /// Open-addressing slots holding `NameID.rawValue`, 0 for empty (the empty string is id 0 and
  /// never stored in the table).
  private var slots: ContiguousArray<Int32> = ContiguousArray(repeating: 0, count: 1024)

  public init() {}

  /// Number of distinct strings, the empty one included.
  public var count: Int { starts.count }

  /// FNV-1a, 32 bits: fixed and documented, so hashes are the same on every toolchain.
  @inlinable static func fnv1a(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
    var h: UInt32 = 0x811c_9dc5
    for b in buffer {
      h ^= UInt32(b)
      h = h &* 0x0100_0193
    }
    return h
  }

  /// Interns the bytes; an empty buffer is `NameID.empty`.
  public mutating func intern(_ buffer: UnsafeRawBufferPointer) -> NameID {
    if buffer.isEmpty { return .empty }
    return intern(buffer, hash: Self.fnv1a(buffer))
  }

  /// `intern(buffer)` with the bytes' `fnv1a` hash known already (another table's).
  @inline(__always)
  private mutating func intern(_ buffer: UnsafeRawBufferPointer, hash h: UInt32) -> NameID {
    let (i, found) = probe(buffer, hash: h)
    if let found { return found }
    let id = Int32(starts.count)
    starts.append(UInt32(bytes.count))
    lengths.append(UInt32(buffer.count))
    hashes.append(h)
    bytes.append(contentsOf: buffer)
    slots[i] = id
    if starts.count * 2 > slots.count { grow() }
    return NameID(rawValue: id)
  }

  /// The slot of `buffer` (hash `h`) in the open-addressing table, and its id when interned;
  /// otherwise the empty slot where it would go.
  @inline(__always)
  private func probe(_ buffer: UnsafeRawBufferPointer, hash h: UInt32) -> (slot: Int, found: NameID?) {
    let mask = slots.count - 1
    var i = Int(h) & mask
    while true {
      let id = slots[i]
      if id == 0 { return (i, nil) }
      if hashes[Int(id)] == h && equals(Int(id), buffer) { return (i, NameID(rawValue: id)) }
      i = (i + 1) & mask
    }
  }

  /// Interns the strings of `other` from id `first` on, in id order, and returns their ids
  /// here (`result[i]` for `other`'s id `first + i`). The parallel importer merges the tables of
  /// its chunks this way: interning each chunk's new strings in the order the chunk met them
  /// gives every string the id a single walk over all chunks would have given it.
  public mutating func internAll(of other: StringTable, from first: Int) -> ContiguousArray<NameID> {
    let n = max(0, other.count - first)
    var ids = ContiguousArray<NameID>(repeating: .empty, count: n)
    // Most of a range's strings are here already (every unit names the same types and members),
    // and each lookup is a few cache misses in a table of a million strings: the slot, the id's
    // hash, start and length, the bytes. Looked up one after the other, each waits for the
    // last; so the strings go in batches, and each step is done for the whole batch before the
    // next, as loads that do not depend on one another (the processor has them in flight at
    // once). A string the batch's first guess does not find is interned the ordinary way,
    // which sees the strings added before it: the ids are those of interning one by one.
    let batch = 16
    var guesses = (ContiguousArray<Int32>(repeating: 0, count: batch), ContiguousArray<UInt64>(repeating: 0, count: batch))
    other.bytes.withUnsafeBytes { all in
      var k = 0
      while k < n {
        let m = min(batch, n - k)
        let mask = slots.count - 1
        slots.withUnsafeBufferPointer { slots in
          other.hashes.withUnsafeBufferPointer { theirHashes in
            guesses.0.withUnsafeMutableBufferPointer { guess in
              for j in 0..<m { guess[j] = slots[Int(theirHashes[first + k + j]) & mask] }
            }
          }
        }
        // The guesses' hash and start (0 for an empty slot: id 0's).
        hashes.withUnsafeBufferPointer { hashes in
          starts.withUnsafeBufferPointer { starts in
            guesses.0.withUnsafeBufferPointer { guess in
              guesses.1.withUnsafeMutableBufferPointer { found in
                for j in 0..<m {
                  let g = Int(guess[j])
                  found[j] = UInt64(hashes[g]) << 32 | UInt64(starts[g])
                }
              }
            }
          }
        }
        for j in 0..<m {
          let id = first + k + j
          let length = Int(other.lengths[id])
          guard length != 0 else { continue }
          let start = Int(other.starts[id])
          let buffer = UnsafeRawBufferPointer(rebasing: all[start..<start + length])
          let h = other.hashes[id]
          let g = Int(guesses.0[j])
          // The other table's hash is this one's (`fnv1a`): not computed again.
          if g != 0 && UInt32(truncatingIfNeeded: guesses.1[j] >> 32) == h && Int(lengths[g]) == length
            && bytes.withUnsafeBytes({
              bytesEqual($0.baseAddress! + Int(UInt32(truncatingIfNeeded: guesses.1[j])), buffer.baseAddress!, length)
            })
          {
            ids[k + j] = NameID(rawValue: Int32(g))
          } else {
            ids[k + j] = intern(buffer, hash: h)
          }
        }
        k += m
      }
    }
    return ids
  }

  /// Interns a NUL-terminated C string (nil or empty give `NameID.empty`).
  public mutating func intern(cString: UnsafePointer<CChar>?) -> NameID {
    guard let cString else { return .empty }
    let n = strlenSwift(cString)
    return intern(UnsafeRawBufferPointer(start: UnsafeRawPointer(cString), count: n))
  }

  public mutating func intern(_ string: String) -> NameID {
    var s = string
    return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
  }

  /// The id of `string` if it is interned, without adding it.
  public func lookup(_ string: String) -> NameID? {
    var s = string
    return s.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
  }

  /// The id of a NUL-terminated C string if it is interned, without adding it.
  public func lookup(cString: UnsafePointer<CChar>) -> NameID? {
    lookup(UnsafeRawBufferPointer(start: UnsafeRawPointer(cString), count: strlenSwift(cString)))
  }

  /// The id of the bytes if they are interned, without adding them.
  public func lookup(_ buffer: UnsafeRawBufferPointer) -> NameID? {
    if buffer.isEmpty { return .empty }
    return probe(buffer, hash: Self.fnv1a(buffer)).found
  }

  public func string(_ id: NameID) -> String {
    let i = id.index
    let start = Int(starts[i])
    let length = Int(lengths[i])
    return bytes.withUnsafeBufferPointer {
      String(decoding: UnsafeBufferPointer(rebasing: $0[start..<start + length]), as: UTF8.self)
    }
  }

  /// The bytes of a string, without copying.
  public func withBytes<R>(_ id: NameID, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let i = id.index
    let start = Int(starts[i])
    let length = Int(lengths[i])
    return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
  }

  public func length(_ id: NameID) -> Int { Int(lengths[id.index]) }

  /// Whether string `id` holds the bytes of `needle`, compared as bytes: no `String` is made, and
  /// no Unicode rule applies (`String.contains` walks grapheme clusters, which costs more than a
  /// pass over a kernel's thousands of kilobyte-long DW_AT_producer strings should).
  public func contains(_ id: NameID, _ needle: StaticString) -> Bool {
    let n = needle.utf8CodeUnitCount
    let first = needle.utf8Start.pointee
    return withBytes(id) { hay in
      guard n > 0, hay.count >= n else { return n == 0 }
      for i in 0...(hay.count - n) where hay[i] == first {
        if bytesEqual(hay.baseAddress! + i, needle.utf8Start, n) { return true }
      }
      return false
    }
  }

  /// The stable FNV-1a hash of a string (used by dedup and by name hashing).
  public func hash(_ id: NameID) -> UInt32 { hashes[id.index] }

  private func equals(_ id: Int, _ buffer: UnsafeRawBufferPointer) -> Bool {
    let length = Int(lengths[id])
    guard length == buffer.count else { return false }
    let start = Int(starts[id])
    return bytes.withUnsafeBytes { all in
      bytesEqual(all.baseAddress! + start, buffer.baseAddress!, length)
    }
  }

  private mutating func grow() {
    var newSlots = ContiguousArray<Int32>(repeating: 0, count: slots.count * 2)
    let mask = newSlots.count - 1
    for id in 1..<starts.count {
      var i = Int(hashes[id]) & mask
      while newSlots[i] != 0 { i = (i + 1) & mask }
      newSlots[i] = Int32(id)
    }
    slots = newSlots
  }
}

extension NameID {
  @inlinable public var index: Int { Int(rawValue) }
}

@inline(__always) private func strlenSwift(_ p: UnsafePointer<CChar>) -> Int {
  var n = 0
  while p[n] != 0 { n += 1 }
  return n
}

/// Whether `n` bytes at `a` and `b` are equal, eight at a time (strings, member columns).
@inline(__always) func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
  var i = 0
  while i + 8 <= n {
    if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
      return false
    }
    i += 8
  }
  while i < n {
    if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
    i += 1
  }
  return true
}
