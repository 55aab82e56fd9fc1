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
    if id.isVoid { out += "void"; return }
    if depth > maxDepth { out += "…"; return }
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
        if t.isVoid && i == g.memberRange(id).upperBound - 1 { out += "..."; continue }
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
}
