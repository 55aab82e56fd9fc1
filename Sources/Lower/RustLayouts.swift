import TypeGraph

/// Unsized tails. rustc describes the last field of `struct Tail<T: ?Sized> { len: u32, data: T }`
/// instantiated with `[u8]` or `str` as a member of the *element* type (`u8`) at the struct's
/// end offset, in a struct whose size leaves it out (`Tail<[u8]>` is 4 bytes, `data` at byte 4).
/// Such a member "exceeds struct_size" for the kernel. It becomes what C calls a flexible array
/// member: a zero-length ARRAY of the element type at the same offset, so the struct keeps its
/// size and every other member, and the tail stays reachable by name.
///
/// Only a member that starts exactly at the end of a Rust struct and has a size is a tail;
/// members further out are left to prune-dependents, which drops them with a reason.
///
/// Repeated members. rustc lists a coroutine's captured variable twice in a suspend-point
/// variant (`Suspend0 { name@16, __awaitee@48, a@32, name@16 }`). The kernel does not mind,
/// but a C header cannot have two members of one name; the copy that repeats an earlier member
/// exactly (name, type, offset) carries nothing and is dropped.
enum RustLayouts {
  /// Returns whether the graph changed.
  static func lower(_ graph: inout TypeGraph, pass: String) -> Bool {
    var changed = dropRepeatedMembers(&graph, pass: pass)
    var arrays: [TypeID: TypeID] = [:] // element -> its zero-length array, one per element type
    let end = graph.count
    for i in 1..<end {
      let id = TypeID(i)
      guard graph.kind(id) == .structure, graph.flags(id).contains(.rust) else { continue }
      let structBits = UInt64(graph.size(id)) * 8
      for m in graph.memberRange(id) where graph.member(at: m).bitField == BitField(offset: structBits) {
        let element = graph.memberTypes[m]
        guard let size = graph.byteSize(of: element), size > 0 else { continue }
        let array: TypeID
        if let a = arrays[element] {
          array = a
        } else {
          _ = graph.arrayIndexType()
          array = graph.add(.array, ref: element, aux: 0, flags: [.rust, .synthesized])
          arrays[element] = array
        }
        let name = graph.strings.string(graph.memberNames[m])
        graph.retypeMember(
          of: id, at: m - graph.memberRange(id).lowerBound, to: array, pass: pass,
          reason: LowerRust.Reason.unsizedTail(member: name, structBytes: structBits / 8))
        changed = true
      }
    }
    return changed
  }
}

extension RustLayouts {
  /// Drops every member that repeats an earlier one (`TypeGraph.repeatedMembers`, the rule).
  static func dropRepeatedMembers(_ graph: inout TypeGraph, pass: String) -> Bool {
    var changed = false
    for i in 1..<graph.count {
      let id = TypeID(i)
      guard graph.dropsRepeatedMembers(id) else { continue }
      let range = graph.memberRange(id)
      let repeats = graph.repeatedMembers(in: range)
      guard !repeats.isEmpty else { continue }
      var kept: [Member] = []
      var dropped: [TypeGraph.MemberChange] = []
      var next = 0 // into `repeats`
      for row in range {
        let m = graph.member(at: row)
        if next < repeats.count && repeats[next] == row {
          next += 1
          dropped.append(
            .init(
              index: kept.count + dropped.count, name: m.name,
              reason: LowerRust.Reason.repeatedMember(member: graph.strings.string(m.name))))
        } else {
          kept.append(m)
        }
      }
      graph.replaceMembers(id, with: kept, pass: pass, changes: dropped)
      changed = true
    }
    return changed
  }
}
