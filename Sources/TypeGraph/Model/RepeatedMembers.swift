/// lower-rust's rule for repeated members (`RustLayouts.dropRepeatedMembers`): in a Rust struct
/// or union, a named member equal to an earlier one (`Member`'s equality: name, type *node*,
/// offset, bit size) carries nothing and is dropped. rustc repeats a coroutine's captured variable
/// in a suspend-point variant, and the union lower-rust makes of a variant part repeats a field
/// that two variants share.
///
/// It is stated here, where both of its readers can call it: lower-rust applies it, and dedup at
/// import (`Dedup.canonicalizeRange`) keeps apart the type nodes that decide it, since whether two
/// copies of a type were merged decides whether two members are equal.
extension TypeGraph {
  /// Whether lower-rust drops the repeats among `id`'s members: a Rust struct or union.
  public func dropsRepeatedMembers(_ id: TypeID) -> Bool {
    (kinds[id.index] == .structure || kinds[id.index] == .union) && flags(id).contains(.rust)
  }

  /// Whether member rows `a` and `b` would repeat one another but for their type nodes, so that
  /// merging those decides.
  public func repeatButForTypeNodes(_ a: Int, _ b: Int) -> Bool {
    guard memberNames[a] == memberNames[b], !memberNames[a].isEmpty, memberTypes[a] != memberTypes[b] else { return false }
    var other = member(at: b)
    other.type = memberTypes[a]
    return member(at: a) == other
  }

  /// The member rows of `range` that repeat an earlier row of it, in order.
  public func repeatedMembers(in range: Range<Int>) -> [Int] {
    guard range.count > 1, hasRepeatedName(range) else { return [] }
    var seen = Set<Member>()
    var repeats: [Int] = []
    for row in range {
      let m = member(at: row)
      if !m.name.isEmpty && !seen.insert(m).inserted { repeats.append(row) }
    }
    return repeats
  }

  /// Whether two named members of `range` share a name: the cheap test first. Most structs are
  /// small, so without a set.
  func hasRepeatedName(_ range: Range<Int>) -> Bool {
    if range.count > 32 {
      var names = Set<NameID>()
      return range.contains { !memberNames[$0].isEmpty && !names.insert(memberNames[$0]).inserted }
    }
    for a in range where !memberNames[a].isEmpty {
      for b in (a + 1)..<range.upperBound where memberNames[b] == memberNames[a] { return true }
    }
    return false
  }
}
