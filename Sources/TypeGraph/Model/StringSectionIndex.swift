#if canImport(Glibc)
  import Glibc
#endif

/// The strings of a BTF string section (a split base's), found by their bytes without copying
/// them: what a module conversion asks of vmlinux's strings ("does the base hold this name, and
/// at which offset?").
///
/// A kernel build converts every module on top of the same vmlinux BTF, so this is built once
/// per module from about 2 MB of strings. It keeps the section as it is and an open-addressing
/// table of offsets, keyed by a hash that reads a word at a time: no base string is copied or
/// interned unless a module uses it.
public struct StringSectionIndex: Sendable {
  private let section: [UInt8]
  /// Offset + 1 of a string (0: empty slot), and its hash.
  private var slots: ContiguousArray<UInt32>
  private var hashes: ContiguousArray<UInt32>
  /// Distinct non-empty strings.
  public private(set) var count = 0
  /// Strings the section holds again after their first offset.
  public private(set) var duplicates = 0

  /// Indexes every string that starts in `section` (a string section: NUL-terminated strings,
  /// the first at offset 0). A string the section holds twice is found at its first offset;
  /// bytes after the last NUL are not a string.
  public init(_ section: [UInt8]) {
    self.section = section
    // Sized for strings of 8 bytes on average, half full (kernel names average over 15).
    var n = 1024
    while n < section.count / 4 { n <<= 1 }
    slots = ContiguousArray(repeating: 0, count: n)
    hashes = ContiguousArray(repeating: 0, count: n)
    section.withUnsafeBytes { all in
      guard let base = all.baseAddress else { return }
      var start = 0
      while start < all.count {
        // memchr finds the NUL a word at a time.
        guard let nul = memchr(base + start, 0, all.count - start) else { break }
        let end = base.distance(to: UnsafeRawPointer(nul))
        if end > start { insert(all, start, UnsafeRawBufferPointer(rebasing: all[start..<end])) }
        start = end + 1
      }
    }
  }

  /// The index's own hash, a word at a time (a module looks up a few thousand names, the
  /// index hashes every string of vmlinux's section).
  @inline(__always) static func hash(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(buffer.count)
    var i = 0
    while i + 8 <= buffer.count {
      h = (h ^ buffer.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
      h ^= h >> 32
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < buffer.count {
      tail |= UInt64(buffer[i]) << shift
      shift += 8
      i += 1
    }
    h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53
    h ^= h >> 29
    return UInt32(truncatingIfNeeded: h)
  }

  private mutating func insert(_ all: UnsafeRawBufferPointer, _ start: Int, _ buffer: UnsafeRawBufferPointer) {
    let h = Self.hash(buffer)
    let mask = slots.count - 1
    var i = Int(h) & mask
    while slots[i] != 0 {
      if hashes[i] == h && Self.same(all, Int(slots[i]) - 1, buffer) {
        duplicates += 1
        return
      }
      i = (i + 1) & mask
    }
    slots[i] = UInt32(start) + 1
    hashes[i] = h
    count += 1
    if count * 2 > slots.count { grow() }
  }

  private mutating func grow() {
    let oldSlots = slots
    let oldHashes = hashes
    slots = ContiguousArray(repeating: 0, count: oldSlots.count * 2)
    hashes = ContiguousArray(repeating: 0, count: oldSlots.count * 2)
    let mask = slots.count - 1
    for k in oldSlots.indices where oldSlots[k] != 0 {
      var i = Int(oldHashes[k]) & mask
      while slots[i] != 0 { i = (i + 1) & mask }
      slots[i] = oldSlots[k]
      hashes[i] = oldHashes[k]
    }
  }

  /// The offset of the string with these bytes, if the section holds it (nil for the empty
  /// string, which every section holds at 0).
  public func offset(of buffer: UnsafeRawBufferPointer) -> UInt32? {
    offset(of: buffer, hash: Self.hash(buffer))
  }

  /// The offset of `name` of `table`, if the section holds it.
  public func offset(of name: NameID, in table: StringTable) -> UInt32? {
    if name.isEmpty { return nil }
    return table.withBytes(name) { offset(of: $0) }
  }

  public func contains(_ string: String) -> Bool {
    var s = string
    return s.withUTF8 { offset(of: UnsafeRawBufferPointer($0)) } != nil
  }

  private func offset(of buffer: UnsafeRawBufferPointer, hash h: UInt32) -> UInt32? {
    if buffer.isEmpty { return nil }
    let mask = slots.count - 1
    var i = Int(h) & mask
    return section.withUnsafeBytes { all in
      while slots[i] != 0 {
        if hashes[i] == h && Self.same(all, Int(slots[i]) - 1, buffer) { return slots[i] - 1 }
        i = (i + 1) & mask
      }
      return nil
    }
  }

  /// The NUL-terminated string at `start` of `all` has exactly `buffer`'s bytes.
  @inline(__always)
  private static func same(_ all: UnsafeRawBufferPointer, _ start: Int, _ buffer: UnsafeRawBufferPointer) -> Bool {
    let end = start + buffer.count
    guard end < all.count, all[end] == 0 else { return false }
    return memcmp(all.baseAddress! + start, buffer.baseAddress!, buffer.count) == 0
  }
}
