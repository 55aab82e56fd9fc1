import TypeGraph

/// `merge-bindgen-copies`: the kernel's Rust `bindings` crate redefines C structs and unions
/// (`task_struct`, `file`, `bpf_map`…, in namespace `bindings::bindings_raw`). Each copy whose
/// layout is the C type's — same kind and size, and member for member the same name (bindgen's
/// spellings allowed for), bit offset, bitfield size and byte size — is merged into the C type:
/// every reference to it points at the C type, so Rust prototypes take the kernel's own
/// `task_struct` and the BTF has one type of that name. A copy that differs (bindgen's bitfield
/// units, opaque blobs, another kernel configuration) is kept, and `sanitize-names` qualifies
/// it as before (`bindings__bindings_raw__task_struct`).
///
/// Member names bindgen changes: an anonymous member is `__bindgen_anon_N`, and a member named
/// after a Rust keyword gets `_` appended (`type` is `type_`).
///
/// The same rule runs again, after the passes, for split BTF (`mergeIntoSplitBase`, with
/// `--btf_base`): a module's copies are then compared with the base's (vmlinux's) C types, which
/// are not in the graph before. Copies are recognised by their namespace, or, once `sanitize-names` qualified
/// them, by the `bindings__` prefix of their name.
///
/// - Complexity: O(nodes + members); only names some copy has are indexed.
public struct MergeBindgenCopies: Pass, MergesIntoSplitBase {
  public static let name = "merge-bindgen-copies"
  public static let summary =
    "merge the Rust bindings crate's copies of C structs and unions into the C types when their layouts are the same"

  public init() {}

  public static let descriptor = PassDescriptor(Self.self) { params in
    try params.checkKnown([])
    return MergeBindgenCopies()
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    let base = graph.splitBase?.nodes ?? 0..<0
    let copies = Self.copies(in: &graph)
    if copies.isEmpty { return .unchanged }
    // Which names a copy has, by NameID (a flag per string, no hashing in the scan below).
    var wanted = [Bool](repeating: false, count: graph.strings.count)
    for (_, bare) in copies { wanted[bare.index] = true }
    // C definitions of those names, in id order (base nodes, decoded from BTF, carry no Rust
    // flag: a base type of a C name is the C type, or a copy vmlinux kept, which is as good).
    // Only the few wanted names are keys.
    var definitions: [NameID: [TypeID]] = [:]
    for id in graph.ids where Self.isDefinition(id, graph) && !graph.flags(id).contains(.rust) && wanted[graph.name(id).index] {
      definitions[graph.name(id), default: []].append(id)
    }
    var target = ContiguousArray<TypeID>(repeating: .void, count: graph.count)
    var merged = 0
    for (copy, bare) in copies {
      guard let c = definitions[bare]?.first(where: { Self.sameLayout(copy, $0, graph) }) else { continue }
      target[copy.index] = c
      merged += 1
    }
    if merged == 0 { return .unchanged }
    for i in 1..<graph.count where graph.kind(TypeID(i)) != .removed && !base.contains(i) {
      graph.rewriteReferences(of: TypeID(i)) { t in target[t.index].isVoid ? t : target[t.index] }
    }
    // Recorded with its reason (a `.merged` decision), and in the merge columns, which let
    // explanations and the retention report follow the copy to the C type as they follow
    // dedup's merges.
    for i in 1..<graph.count where !target[i].isVoid {
      graph.merge(TypeID(i), into: target[i], pass: Self.name, reason: Reason.sameLayout)
    }
    return .changed
  }

  /// Split BTF: the same rule against the base's C types, after every pass (`PassPipeline.run`;
  /// copies are recognised by the `bindings__` prefix `sanitize-names` gave them). The base's
  /// structs and unions of the copies' names are decoded first, with what their layouts read.
  public mutating func mergeIntoSplitBase(
    _ graph: inout TypeGraph, base: inout (any SplitBaseTypes)?, context: inout PassContext
  ) throws -> PassResult {
    if var lazy = base {
      for name in Self.copiedNames(in: &graph) {
        for b in lazy.types(named: name, in: graph) where lazy.kind(of: b) == .structure || lazy.kind(of: b) == .union {
          try lazy.decodeWithMemberSizes(lazy.node(b, in: &graph), in: &graph)
        }
      }
      base = lazy
    }
    return try run(on: &graph, context: &context)
  }

  /// The C names of the graph's bindgen copies (the base types of these names are what the
  /// pass compares them with).
  public static func copiedNames(in g: inout TypeGraph) -> [NameID] {
    var seen = Set<NameID>()
    return copies(in: &g).map(\.1).filter { seen.insert($0).inserted }
  }

  /// The graph's bindgen copies (split base nodes aside) and their C names, in id order.
  static func copies(in g: inout TypeGraph) -> [(TypeID, NameID)] {
    let base = g.splitBase?.nodes ?? 0..<0
    var copies: [(TypeID, NameID)] = []
    for i in 1..<g.count where !base.contains(i) {
      guard let bare = bindgenCName(of: TypeID(i), in: &g) else { continue }
      copies.append((TypeID(i), bare))
    }
    return copies
  }

  static func isDefinition(_ id: TypeID, _ g: TypeGraph) -> Bool {
    let k = g.kind(id)
    return (k == .structure || k == .union) && !g.name(id).isEmpty && g.memberCount(id) > 0
  }

  /// The C name of a bindgen copy: its name when its namespace is the bindings crate's, or its
  /// name without the qualification `sanitize-names` gave it; nil for any other node.
  static func bindgenCName(of id: TypeID, in g: inout TypeGraph) -> NameID? {
    guard isDefinition(id, g), g.flags(id).contains(.rust) else { return nil }
    let scope = g.scopes[id.index]
    if !scope.isEmpty {
      let s = g.strings.string(scope)
      return s == "bindings" || s.hasPrefix("bindings::") ? g.name(id) : nil
    }
    let name = g.strings.string(g.name(id))
    for prefix in ["bindings__bindings_raw__", "bindings__"] where name.hasPrefix(prefix) {
      return g.strings.intern(String(name.dropFirst(prefix.count)))
    }
    return nil
  }

  /// Same kind, size and members: names (bindgen's spellings allowed), bit offsets, bitfield
  /// sizes and byte sizes.
  static func sameLayout(_ copy: TypeID, _ c: TypeID, _ g: TypeGraph) -> Bool {
    guard g.kind(copy) == g.kind(c), g.size(copy) == g.size(c), g.memberCount(copy) == g.memberCount(c) else { return false }
    for (i, j) in zip(g.memberRange(copy), g.memberRange(c)) {
      guard g.member(at: i).bitField == g.member(at: j).bitField,
        g.byteSize(of: g.memberTypes[i]) == g.byteSize(of: g.memberTypes[j]),
        sameMemberName(g.memberNames[i], g.memberNames[j], g)
      else { return false }
    }
    return true
  }

  static func sameMemberName(_ rust: NameID, _ c: NameID, _ g: TypeGraph) -> Bool {
    if rust == c { return true }
    let r = g.strings.string(rust)
    if c.isEmpty { return r.hasPrefix("__bindgen_anon_") && r.dropFirst(15).allSatisfy(\.isNumber) && r.count > 15 }
    let name = g.strings.string(c)
    return r == name + "_" && rustKeywords.contains(name)
  }

  /// Names bindgen escapes with a trailing `_` (Rust's strict and reserved keywords).
  static let rustKeywords: Set<String> = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl",
    "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static",
    "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual",
    "yield", "try", "gen", "union",
  ]
}
