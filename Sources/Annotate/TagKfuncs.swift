import TypeGraph

/// `tag-kfuncs`: marks the kernel's kfuncs in BTF as pahole's `decl_tag_kfuncs` and `attributes`
/// features do.
///
/// - `kfuncs=on` (the default): a `DECL_TAG 'bpf_kfunc'` (component_idx -1) on the FUNC of each
///   kfunc, and `DECL_TAG 'bpf_fastcall'` too when its flags have `KF_FASTCALL`. resolve_btfids
///   (Linux 7.0+) and bpftool's vmlinux.h find kfuncs by these tags.
/// - `attributes=on` (off by default, as in pahole): for a kfunc flagged `KF_ARENA_RET`,
///   `KF_ARENA_ARG1` or `KF_ARENA_ARG2`, that pointer becomes a new PTR to a
///   `TYPE_TAG 'address_space(1)'` with kind_flag 1 (a type attribute, Linux 6.15+) to the old
///   pointee, in the kfunc's FUNC_PROTO (a new one when another node shares the old one).
///
/// Kfuncs are what the importer read from the input's `.BTF_ids` kfunc sets
/// (`ELFSymbols.kfuncNames`); a FUNC is a kfunc's when it is live and has the kfunc's name (after
/// `select-symbols`, which names FUNCs by their symbol). A kfunc whose FUNC was not kept gets no
/// tag: its `--explain` shows why the FUNC went. A graph that was not imported, or an input
/// without kfunc sets, is left as it is. Without DECL_TAG (or TYPE_TAG) in the target, the
/// tags (or attributes) are not written.
public struct TagKfuncs: Pass {
  public static let name = "tag-kfuncs"
  public static let summary =
    """
    tag the FUNCs of the kernel's kfuncs (.BTF_ids kfunc sets) with DECL_TAG bpf_kfunc/bpf_fastcall, and optionally their arena pointers \
    with TYPE_TAG address_space(1), as pahole does
    """
  /// A kfunc's FUNC is the one `select-symbols` kept for its name.
  public static let requires = ["select-symbols"]

  public enum Switch: String, Sendable, CaseIterable {
    case on, off
  }

  public var kfuncs: Bool
  public var attributes: Bool

  public init(kfuncs: Bool = true, attributes: Bool = false) {
    self.kfuncs = kfuncs
    self.attributes = attributes
  }

  public var parameterText: String {
    var parts: [String] = []
    if !kfuncs { parts.append("kfuncs=off") }
    if attributes { parts.append("attributes=on") }
    return parts.joined(separator: ";")
  }

  public static let descriptor = PassDescriptor(
    TagKfuncs.self,
    parameterHelp:
      """
      kfuncs=on|off (default on: DECL_TAG bpf_kfunc, and bpf_fastcall for KF_FASTCALL kfuncs); attributes=on|off (default off: TYPE_TAG \
      address_space(1), kind_flag 1, on the KF_ARENA_* pointers of kfuncs; Linux 6.15+)
      """
  ) { params in
    try params.checkKnown(["kfuncs", "attributes"])
    return TagKfuncs(
      kfuncs: try params.choice("kfuncs", default: Switch.on) == .on,
      attributes: try params.choice("attributes", default: Switch.off) == .on)
  }

  // The kernel's kfunc flags (include/linux/btf.h) this pass reads.
  public static let fastcall: UInt32 = 1 << 12
  public static let arenaReturn: UInt32 = 1 << 13
  public static let arenaArgument1: UInt32 = 1 << 14
  public static let arenaArgument2: UInt32 = 1 << 15
  static let arenaFlags = arenaReturn | arenaArgument1 | arenaArgument2

  static let kfuncTag = "bpf_kfunc"
  static let fastcallTag = "bpf_fastcall"
  static let arenaAttribute = "address_space(1)"

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    let symbols = graph.symbols
    guard symbols.imported, !symbols.kfuncNames.isEmpty else { return .unchanged }
    let tags = kfuncs && context.target.contains(.declTag)
    let arena = attributes && context.target.contains(.typeTag)
    guard tags || arena else { return .unchanged }

    // One scan of the kind column (millions of nodes on a vmlinux): the kfuncs' FUNCs in id
    // order (ids of existing nodes do not move: new nodes go at the end), and the FUNCs that
    // already carry a bpf_kfunc tag (a second run, or BTF that had them) so they get no second.
    let kfuncTag = graph.strings.intern(Self.kfuncTag)
    var found: [(function: TypeID, flags: UInt32)] = []
    var done = Set<TypeID>()
    graph.kinds.withUnsafeBufferPointer { kinds in
      graph.names.withUnsafeBufferPointer { names in
        for i in 1..<kinds.count {
          switch kinds[i] {
          case .function:
            if let flags = symbols.kfuncFlags(named: names[i]) { found.append((TypeID(i), flags)) }
          case .declTag:
            if names[i] == kfuncTag { done.insert(graph.refs[i]) }
          default: break
          }
        }
      }
    }
    guard !found.isEmpty else { return .unchanged }

    var arenaDecisions: [TypeID: Int] = [:]
    if arena {
      let candidates = found.filter { $0.flags & Self.arenaFlags != 0 }
      if !candidates.isEmpty {
        var rewriter = ArenaRewriter(graph: graph, functions: candidates.map(\.function))
        for (fn, flags) in candidates {
          if let d = rewriter.rewrite(fn, flags: flags, &graph, &context) { arenaDecisions[fn] = d }
        }
      }
    }
    var tagged = 0
    if tags {
      let fastcallTag = graph.strings.intern(Self.fastcallTag)
      for (fn, flags) in found where !done.contains(fn) {
        tagged += 1
        let fastcall = flags & Self.fastcall != 0
        graph.rewrite(fn, as: graph.shape(fn), pass: Self.name, reason: TagKfuncs.Reason.kfuncTagged(fastcall: fastcall))
        graph.add(.declTag, name: kfuncTag, ref: fn, aux: UInt32(bitPattern: -1), flags: .synthesized)
        if fastcall {
          graph.add(.declTag, name: fastcallTag, ref: fn, aux: UInt32(bitPattern: -1), flags: .synthesized)
        }
      }
    }
    return tagged > 0 || !arenaDecisions.isEmpty ? .changed : .unchanged
  }
}

/// Puts `address_space(1)` on the arena pointers of kfuncs: libbpf's `btf__add_type_attr`
/// as pahole's `btf__tag_bpf_arena_ptr` uses it (PTR -> TYPE_TAG kind_flag 1 -> old pointee).
struct ArenaRewriter {
  /// Per node: how many references the FUNC_PROTOs of the candidate kfuncs have (saturating);
  /// only those prototypes are counted.
  private var users: [UInt8]

  init(graph: TypeGraph, functions: [TypeID]) {
    users = [UInt8](repeating: 0, count: graph.count)
    var counted = [Bool](repeating: false, count: graph.count)
    for fn in functions { counted[graph.ref(fn).index] = true }
    for i in 1..<graph.count {
      let id = TypeID(i)
      guard graph.isLive(id) else { continue }
      for n in 0..<graph.referenceCount(of: id) {
        let t = graph.reference(of: id, at: n).index
        if counted[t] && users[t] < 255 { users[t] += 1 }
      }
    }
  }

  /// Rewrites the prototype of kfunc `fn` for `flags`; returns the decision, nil when nothing
  /// changed (a flagged slot that is not a pointer is left as it is, with a warning: pahole
  /// stops encoding there).
  mutating func rewrite(_ fn: TypeID, flags: UInt32, _ graph: inout TypeGraph, _ context: inout PassContext) -> Int? {
    let proto = graph.ref(fn)
    guard graph.kind(proto) == .functionProto else { return nil }
    let name = graph.nameString(fn)
    func warn(_ what: String) {
      context.diagnostics.append("\(TagKfuncs.name): kfunc '\(name)': \(what) is not a pointer; no address_space(1) attribute on it")
    }

    var returnType = graph.ref(proto)
    var members = graph.members(of: proto)
    var retagged = false
    var parameters: [Int] = []
    let attribute = graph.strings.intern(TagKfuncs.arenaAttribute)
    enum Slot { case pointer, alreadyTagged, other }
    // A pointer whose pointee already is the attribute (a second run) stays as it is.
    func slot(_ t: TypeID) -> Slot {
      guard graph.kind(t) == .pointer else { return .other }
      let p = graph.ref(t)
      return graph.kind(p) == .typeTag && graph.name(p) == attribute && graph.aux(p) != 0 ? .alreadyTagged : .pointer
    }
    func tagged(_ pointer: TypeID, _ graph: inout TypeGraph) -> TypeID {
      let tag = graph.add(.typeTag, name: attribute, ref: graph.ref(pointer), aux: 1, flags: .synthesized)
      return graph.add(.pointer, ref: tag, flags: .synthesized)
    }
    if flags & TagKfuncs.arenaReturn != 0 {
      switch slot(returnType) {
      case .pointer:
        returnType = tagged(returnType, &graph)
        retagged = true
      case .alreadyTagged: break
      case .other: warn("KF_ARENA_RET, but the return type")
      }
    }
    for (k, flag) in [(0, TagKfuncs.arenaArgument1), (1, TagKfuncs.arenaArgument2)] where flags & flag != 0 {
      // A trailing void member marks varargs, not a parameter.
      guard k < members.count, !members[k].type.isVoid else {
        warn("KF_ARENA_ARG\(k + 1), but parameter \(k) (there is none)")
        continue
      }
      switch slot(members[k].type) {
      case .pointer: break
      case .alreadyTagged: continue
      case .other:
        warn("KF_ARENA_ARG\(k + 1), but parameter \(k)")
        continue
      }
      members[k].type = tagged(members[k].type, &graph)
      parameters.append(k)
    }
    guard retagged || !parameters.isEmpty else { return nil }

    // The old prototype goes once its last user has a new one; until then the others keep it.
    let shared = users[proto.index] > 1
    let newProto = graph.add(.functionProto, ref: returnType, flags: graph.flags(proto).union(.synthesized), origin: graph.origin(proto))
    graph.replaceMembers(newProto, with: members, pass: TagKfuncs.name, changes: [])
    var shape = graph.shape(fn)
    shape.ref = newProto
    let decision = graph.rewrite(
      fn, as: shape, pass: TagKfuncs.name,
      reason: TagKfuncs.Reason.arenaAddressSpace(returnValue: retagged, parameters: parameters, sharedPrototype: shared))
    // A count that saturated is never known to reach zero: that prototype stays.
    if users[proto.index] < 255 {
      users[proto.index] -= 1
      if users[proto.index] == 0 { graph.prune(proto, pass: TagKfuncs.name, reason: TagKfuncs.Reason.prototypeReplaced, cause: decision) }
    }
    return decision
  }
}
