import TypeGraph

/// A prototype described by names, not node ids, so that prototypes of different compile units
/// (whose types are different nodes until `dedup`) compare equal exactly when they read the
/// same: `int (struct device *, const char *, ...)`. Named types stand for themselves (by
/// namespace path and name); pointers, modifiers, arrays and nested prototypes are spelled out
/// to a small depth. Used by `select-symbols` to find names whose definitions disagree.
enum PrototypeShape {
  static func of(_ proto: TypeID, in graph: TypeGraph) -> String {
    guard graph.kind(proto) == .functionProto else { return "(no prototype)" }
    var out = ""
    describe(proto, graph, depth: 0, into: &out)
    return out
  }

  private static let maxDepth = 8

  private static func describe(_ id: TypeID, _ g: TypeGraph, depth: Int, into out: inout String) {
    if id.isVoid {
      out += "void"
      return
    }
    if depth > maxDepth {
      out += "…"
      return
    }
    let k = g.kind(id)
    switch k {
    case .pointer, .const, .volatile, .restrict, .typeTag:
      out += k == .pointer ? "*" : k.btfName.lowercased() + " "
      describe(g.ref(id), g, depth: depth + 1, into: &out)
    case .array:
      out += "[\(g.arrayLength(id) ?? 0)]"
      describe(g.ref(id), g, depth: depth + 1, into: &out)
    case .functionProto:
      out += "fn("
      for (n, i) in g.memberRange(id).enumerated() {
        if n > 0 { out += ", " }
        let t = g.memberTypes[i]
        if t.isVoid && i == g.memberRange(id).upperBound - 1 {
          out += "..."
          continue
        }
        describe(t, g, depth: depth + 1, into: &out)
      }
      out += ") -> "
      describe(g.ref(id), g, depth: depth + 1, into: &out)
    case .structure, .union, .enumeration, .enum64, .forward, .typedef, .int, .float:
      // A forward declaration reads as the definition it declares.
      let family: String
      switch k {
      case .union: family = "union"
      case .forward: family = g.forwardIsUnion(id) == true ? "union" : "struct"
      case .enumeration, .enum64: family = "enum"
      case .typedef: family = "typedef"
      case .int, .float: family = "base"
      default: family = "struct"
      }
      out += family + " "
      let scope = g.scopes[id.index]
      if !scope.isEmpty { out += g.strings.string(scope) + "::" }
      out += g.name(id).isEmpty ? "(anon \(g.size(id)))" : g.nameString(id)
      if k == .int || k == .float { out += "/\(g.size(id))" }
    default:
      out += "\(k.btfName.lowercased()) \(g.dwarfTag(of: id)) \(g.size(id))"
    }
  }

  /// Whether two prototypes match as pahole's `funcs__match` / `types__match` compare them
  /// (`btf_encoder.c`): parameter count, return type and each parameter's type; `const` matched
  /// loosely (skipped on one side); pointers, modifiers and arrays followed; integers by size,
  /// encoding and name, floats by size and name; structs, unions, enums and typedefs by name
  /// alone (a forward declaration as the kind it declares).
  static func matches(_ a: TypeID, _ b: TypeID, in g: TypeGraph) -> Bool {
    guard g.kind(a) == .functionProto, g.kind(b) == .functionProto else { return a == b }
    return typesMatch(a, b, g, depth: 0)
  }

  private static func family(_ id: TypeID, _ g: TypeGraph) -> Kind {
    let k = g.kind(id)
    if k == .forward { return g.forwardIsUnion(id) == true ? .union : .structure }
    return k
  }

  private static func typesMatch(_ a0: TypeID, _ b0: TypeID, _ g: TypeGraph, depth: Int) -> Bool {
    var a = a0
    var b = b0
    for _ in 0..<64 {
      if a == b { return true }
      if a.isVoid || b.isVoid { return false }
      let ka = family(a, g)
      let kb = family(b, g)
      if ka != kb {
        if ka == .const {
          a = g.ref(a)
          continue
        }
        if kb == .const {
          b = g.ref(b)
          continue
        }
        return false
      }
      switch ka {
      case .int:
        return g.size(a) == g.size(b) && g.intEncoding(a) == g.intEncoding(b) && g.name(a) == g.name(b)
      case .float:
        return g.size(a) == g.size(b) && g.name(a) == g.name(b)
      case .typedef, .structure, .union, .enumeration, .enum64:
        return g.name(a) == g.name(b)
      case .pointer, .volatile, .const, .restrict, .typeTag:
        a = g.ref(a)
        b = g.ref(b)
      case .array:
        if g.arrayLength(a) != g.arrayLength(b) { return false }
        a = g.ref(a)
        b = g.ref(b)
      case .functionProto:
        let ra = g.memberRange(a)
        let rb = g.memberRange(b)
        guard ra.count == rb.count, depth < 8 else { return false }
        if !typesMatch(g.ref(a), g.ref(b), g, depth: depth + 1) { return false }
        for (i, j) in zip(ra, rb) where !typesMatch(g.memberTypes[i], g.memberTypes[j], g, depth: depth + 1) {
          return false
        }
        return true
      default:
        return false
      }
    }
    return false
  }
}
