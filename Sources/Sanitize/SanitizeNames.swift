import TypeGraph

/// `sanitize-names`: every name becomes what the kernel accepts for its kind, following
/// `NamePolicy`; names the kernel forbids (pointers, modifiers, arrays, prototypes) are removed;
/// parameters of a FUNC's prototype get names (`arg0`…), since the kernel requires them; struct
/// members are sorted by offset, because the kernel rejects offsets that go backwards and rustc
/// lists fields in source order.
public struct SanitizeNames: Pass {
  public static let name = "sanitize-names"
  public static let summary = "make every name a valid BTF identifier (readable, bounded, injective) and sort members by offset"

  /// Longest name written; the kernel's limit is 512 since Linux 6.1, 128 before.
  public var maxLength: Int

  public init(maxLength: Int = 512) { self.maxLength = maxLength }

  public var parameterText: String { maxLength == 512 ? "" : "max-length=\(maxLength)" }

  public static let descriptor = PassDescriptor(
    name: name, summary: summary, parameterHelp: "max-length=N (16...512, default 512)",
    // demote-unrepresentable makes nodes whose names this pass must see (`()` becomes a STRUCT).
    requires: ["demote-unrepresentable"]
  ) { params in
    try params.checkKnown(["max-length"])
    return SanitizeNames(maxLength: try params.int("max-length", default: 512, range: 16...512))
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    let limit = min(maxLength, context.target.maxNameLength)
    var renamer = Renamer(graph: graph, maxLength: limit)
    var changed = false

    // Prototypes that FUNCs point at: their parameters must be named.
    var funcProtos = [Bool](repeating: false, count: graph.count)
    for id in graph.ids where graph.kind(id) == .function { funcProtos[graph.ref(id).index] = true }

    for id in graph.ids {
      let k = graph.kind(id)
      let old = graph.name(id)
      var new = old
      switch k {
      case .pointer, .const, .volatile, .restrict, .array, .functionProto:
        new = .empty
      case .structure, .union, .enumeration, .enum64:
        new = renamer.valid(old, in: &graph)
      case .typedef, .forward, .function, .variable:
        new = old.isEmpty ? graph.strings.intern("anon_\(id.rawValue)") : renamer.valid(old, in: &graph)
      case .int, .float, .dataSection, .declTag, .typeTag, .unrepresentable, .void, .removed:
        break
      }
      if new != old {
        graph.setName(id, new)
        changed = true
        if k != .pointer && k != .const && k != .volatile && k != .restrict && k != .array && k != .functionProto {
          graph.decisions.record(Decision(subject: id, pass: Self.name, action: .renamed(from: old), reason: "not a valid BTF identifier"))
        }
      }
      changed = renameMembers(of: id, kind: k, funcProto: funcProtos[id.index], renamer: &renamer, graph: &graph) || changed
      if k == .structure { changed = sortMembersByOffset(id, in: &graph) || changed }
    }
    return changed ? .changed : .unchanged
  }

  private func renameMembers(of id: TypeID, kind: Kind, funcProto: Bool, renamer: inout Renamer, graph: inout TypeGraph) -> Bool {
    var changed = false
    switch kind {
    case .structure, .union, .enumeration, .enum64, .functionProto:
      let range = graph.memberRange(id)
      for (n, i) in range.enumerated() {
        let old = graph.memberNames[i]
        var new: NameID
        if kind == .functionProto {
          let isVararg = n == range.count - 1 && graph.memberTypes[i].isVoid
          if isVararg { new = .empty } else if old.isEmpty { new = funcProto ? graph.strings.intern("arg\(n)") : .empty } else { new = renamer.valid(old, in: &graph) }
        } else if (kind == .enumeration || kind == .enum64) && old.isEmpty {
          new = graph.strings.intern("_\(n)")
        } else {
          new = renamer.valid(old, in: &graph)
        }
        if new != old {
          graph.setMemberName(at: i, new)
          changed = true
        }
      }
    default:
      break
    }
    return changed
  }

  /// Stable sort of a struct's members by bit offset.
  private func sortMembersByOffset(_ id: TypeID, in graph: inout TypeGraph) -> Bool {
    let range = graph.memberRange(id)
    var sorted = true
    var previous: UInt64 = 0
    for i in range {
      if graph.memberValues[i] < previous { sorted = false; break }
      previous = graph.memberValues[i]
    }
    if sorted { return false }
    let members = graph.members(of: id).enumerated().sorted { a, b in
      a.element.value != b.element.value ? a.element.value < b.element.value : a.offset < b.offset
    }.map(\.element)
    graph.setMembers(id, members)
    return true
  }
}

/// Maps each distinct original name to one valid name, injectively: names already valid keep
/// themselves and are reserved first; rewritten names that would collide get a hash suffix.
/// Indexed by `NameID`, so each distinct string is examined once.
struct Renamer {
  let maxLength: Int
  /// new name per original NameID; -1 not yet computed.
  private var mapped: [Int32]
  /// Which rewritten or reserved names are taken, by the new NameID.
  private var taken: Set<Int32> = []

  init(graph: TypeGraph, maxLength: Int) {
    self.maxLength = maxLength
    mapped = [Int32](repeating: -1, count: graph.strings.count)
    // Reserve every name that is valid as it stands, wherever it is used.
    let g = graph
    func reserve(_ n: NameID) {
      if n.isEmpty || mapped[n.index] >= 0 { return }
      if g.strings.withBytes(n, { BTFNameRule.isIdentifier($0, maxLength: maxLength) }) {
        mapped[n.index] = n.rawValue
        taken.insert(n.rawValue)
      }
    }
    for id in g.ids {
      reserve(g.name(id))
      for i in g.memberRange(id) { reserve(g.memberNames[i]) }
    }
  }

  mutating func valid(_ old: NameID, in graph: inout TypeGraph) -> NameID {
    if old.isEmpty { return old }
    if old.index < mapped.count, mapped[old.index] >= 0 { return NameID(rawValue: mapped[old.index]) }
    // Interned after this renamer started (names a pass made): valid by construction.
    if old.index >= mapped.count { return old }
    let original = graph.strings.string(old)
    var candidate = NamePolicy.bounded(NamePolicy.readable(original), original: original, maxLength: maxLength)
    var id = graph.strings.intern(candidate)
    if taken.contains(id.rawValue) {
      let suffix = "_h" + NamePolicy.hash8(original)
      var n = 0
      repeat {
        let tail = n == 0 ? suffix : suffix + "_\(n)"
        let base = String(decoding: NamePolicy.readable(original).utf8.prefix(maxLength - tail.utf8.count), as: UTF8.self)
        candidate = base + tail
        id = graph.strings.intern(candidate)
        n += 1
      } while taken.contains(id.rawValue)
    }
    taken.insert(id.rawValue)
    if old.index < mapped.count { mapped[old.index] = id.rawValue }
    return id
  }
}
