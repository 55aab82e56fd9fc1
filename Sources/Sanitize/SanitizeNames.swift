import TypeGraph

/// `sanitize-names`: every name becomes what the kernel accepts for its kind, following
/// `NamePolicy`; names the kernel forbids (pointers, modifiers, arrays, prototypes) are removed;
/// parameters of a FUNC's prototype get names (`arg0`…), since the kernel requires them; struct
/// members are sorted by offset, because the kernel rejects offsets that go backwards and rustc
/// lists fields in source order.
///
/// Rust names are qualified by their namespace path (`core::fmt::Error` becomes
/// `core__fmt__Error`) where one simple name stands for types of different paths
/// (`qualify=ambiguous`, the default), everywhere (`qualify=all`) or nowhere (`qualify=none`).
/// Names of C compile units are never qualified. With `tag-original-names`, every renamed node
/// keeps its original (path-qualified) name in a DECL_TAG. PASSES.md has the whole policy.
public struct SanitizeNames: Pass {
  public static let name = "sanitize-names"
  public static let summary =
    "make every name a valid BTF identifier (readable, bounded, injective, qualified where ambiguous) and sort members by offset"

  /// Where Rust names get their namespace path in front.
  public enum Qualify: String, Sendable, CaseIterable {
    /// Never: simple names only (collisions are still resolved with hash suffixes).
    case none
    /// Where one simple name stands for nodes of different namespace paths (the default).
    case ambiguous
    /// Every Rust node that has a namespace path.
    case all
  }

  /// Longest name written; the kernel's limit is 512 since Linux 6.1, 128 before.
  public var maxLength: Int
  public var qualify: Qualify
  /// Keep the original names of renamed nodes, members and parameters as DECL_TAGs.
  public var tagOriginalNames: Bool

  public init(maxLength: Int = 512, qualify: Qualify = .ambiguous, tagOriginalNames: Bool = false) {
    self.maxLength = maxLength
    self.qualify = qualify
    self.tagOriginalNames = tagOriginalNames
  }

  /// Canonical order: `tag-original-names;qualify=…;max-length=…`, defaults left out.
  public var parameterText: String {
    var parts: [String] = []
    if tagOriginalNames { parts.append("tag-original-names") }
    if qualify != .ambiguous { parts.append("qualify=\(qualify.rawValue)") }
    if maxLength != 512 { parts.append("max-length=\(maxLength)") }
    return parts.joined(separator: ";")
  }

  public static let descriptor = PassDescriptor(
    SanitizeNames.self,
    parameterHelp:
      """
      tag-original-names (keep original names as DECL_TAGs); qualify=none|ambiguous|all (default ambiguous); max-length=N (16...512, \
      default 512)
      """
  ) { params in
    try params.checkKnown(["tag-original-names", "qualify", "max-length"])
    return SanitizeNames(
      maxLength: try params.int("max-length", default: 512, range: 16...512),
      qualify: try params.choice("qualify", default: Qualify.ambiguous),
      tagOriginalNames: try params.flag("tag-original-names"))
  }

  /// Reason texts (stable: tools and goldens read them).
  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    let limit = min(maxLength, context.target.maxNameLength)
    let tagging = tagOriginalNames && context.target.contains(.declTag)
    var changed = false

    // Members first take their final order, so that member indexes (decisions, DECL_TAG
    // component indexes) are those the encoder writes.
    for id in graph.ids where graph.kind(id) == .structure {
      changed = sortMembersByOffset(id, in: &graph) || changed
    }

    let plan = QualificationPlan(graph: graph, mode: qualify)
    var renamer = Renamer(graph: graph, maxLength: limit, baseStrings: context.splitBaseStrings)
    var tags = TagList()
    let earlier = tagging ? EarlierNames(graph, pass: Self.name) : EarlierNames()

    // Prototypes that FUNCs point at: their parameters must be named.
    var funcsOfProto: [Int32: [TypeID]] = [:]
    var funcProtos = [Bool](repeating: false, count: graph.count)
    for id in graph.ids where graph.kind(id) == .function {
      funcProtos[graph.ref(id).index] = true
      if tagging { funcsOfProto[graph.ref(id).rawValue, default: []].append(id) }
    }

    for id in graph.ids {
      let k = graph.kind(id)
      let old = graph.name(id)
      var new = old
      var reason = Reason.invalidName
      let qualified = plan.isQualified(id, in: graph) || qualifiedInBase(id, graph, context, limit)
      // What the kind's name may be is its row's name rule (`KindInfo.NameRule`).
      switch k.info.name {
      case .forbidden:
        new = .empty
      case .optionalIdentifier, .identifier:
        if old.isEmpty {
          if k.info.name == .identifier {
            new = graph.strings.intern(Self.anonymousName(graph, id))
            reason = .anonymousNeedsName
          }
        } else if qualified {
          let scope = graph.scopes[id.index]
          new = renamer.qualified(scope: scope, name: old, in: &graph)
          // A keyword qualified is no keyword any more: only the qualification is the reason.
          let wasValid = renamer.isReservedAsIs(old) || renamer.isKeyword(old)
          reason = .qualified(qualify == .all ? .all : .ambiguous, alsoInvalid: !wasValid)
        } else {
          new = renamer.valid(old, in: &graph)
          reason = renamer.rewriteReason(old)
        }
      case .any, .value, .section:
        break
      }
      if new != old {
        changed = true
        // A qualified name now holds the path: a second run must not qualify it again.
        let scope: NameID? = qualified ? .empty : nil
        if k.info.name == .forbidden {
          // Kinds BTF writes without a name: the DWARF name is dropped, not a rename to explain.
          graph.dropName(id, scope: scope)
        } else {
          let original =
            tagging && !old.isEmpty
            ? plan.pathQualifiedOriginal(id, name: earlier.original(id, old, graph), in: &graph) : nil
          graph.rename(id, to: new, scope: scope, pass: Self.name, reason: reason)
          if let original { tags.add(id, kind: k, original: original) }
        }
      } else if tagging, case let first = earlier.original(id, old, graph), first != old, !earlier.tagged.contains(id) {
        // Renamed by an earlier pass only (a Rust FUNC named by its ELF symbol): the tag still
        // carries the name the input gave it.
        tags.add(id, kind: k, original: plan.pathQualifiedOriginal(id, name: first, in: &graph))
      }
      changed =
        renameMembers(
          of: id, kind: k, funcProto: funcProtos[id.index], renamer: &renamer, graph: &graph,
          tagMembers: tagging ? memberTargets(id, kind: k, funcsOfProto: funcsOfProto, graph: graph) : [],
          tags: &tags) || changed
    }
    if !tags.isEmpty {
      tags.emit(into: &graph)
      changed = true
    }
    return changed ? .changed : .unchanged
  }

  /// Split BTF: `qualify=ambiguous` decides by what is ambiguous in the whole kernel, not in
  /// one module, so a name the base holds path-qualified is qualified here too (vmlinux has
  /// two `Formatter`s and writes `core__fmt__Formatter`; a module that sees only one must
  /// still call it that for its copy to merge into the base's).
  private func qualifiedInBase(_ id: TypeID, _ graph: TypeGraph, _ context: PassContext, _ limit: Int) -> Bool {
    guard qualify == .ambiguous, let base = context.splitBaseStrings else { return false }
    let scope = graph.scopes[id.index]
    let name = graph.name(id)
    guard !scope.isEmpty, !name.isEmpty else { return false }
    switch graph.kind(id) {
    case .structure, .union, .enumeration, .enum64, .typedef, .forward, .function, .variable: break
    default: return false
    }
    return base.contains(
      NamePolicy.firstCandidate(
        scope: graph.strings.string(scope), name: graph.strings.string(name), maxLength: limit))
  }

  /// The nodes DECL_TAGs of renamed members of `id` go to: the struct or union itself, or the
  /// FUNCs of a prototype. Empty for a struct that `prune-dependents` may shorten (a member of
  /// no size, or one ending past the end): its member indexes could move after this pass.
  private func memberTargets(_ id: TypeID, kind: Kind, funcsOfProto: [Int32: [TypeID]], graph: TypeGraph) -> [TypeID] {
    switch kind {
    case .structure, .union:
      let bits = UInt64(graph.size(id)) * 8
      for i in graph.memberRange(id) {
        guard let size = graph.byteSize(of: graph.memberTypes[i]) else { return [] }
        let end = graph.member(at: i).bitField.end(typeBytes: size)
        if end > bits { return [] }
      }
      return [id]
    case .functionProto:
      return funcsOfProto[id.rawValue] ?? []
    default:
      return []
    }
  }

  private func renameMembers(
    of id: TypeID, kind: Kind, funcProto: Bool, renamer: inout Renamer, graph: inout TypeGraph,
    tagMembers: [TypeID], tags: inout TagList
  ) -> Bool {
    var changed = false
    // Members with names: fields, enumerators, parameters (`KindInfo.MemberRole`).
    switch kind.info.members {
    case .fields, .enumerators, .parameters:
      let range = graph.memberRange(id)
      for (n, i) in range.enumerated() {
        let old = graph.memberNames[i]
        var new: NameID
        if kind.info.members == .parameters {
          let isVararg = n == range.count - 1 && graph.memberTypes[i].isVoid
          if isVararg {
            new = .empty
          } else if old.isEmpty {
            new = funcProto ? graph.strings.intern("arg\(n)") : .empty
          } else {
            new = renamer.valid(old, in: &graph)
          }
        } else if kind.info.members == .enumerators && old.isEmpty {
          new = graph.strings.intern("_\(n)")
        } else {
          new = renamer.valid(old, in: &graph)
        }
        if new != old {
          // Systematic names of anonymous parameters and enumerators are not recorded one by one.
          let recorded = !old.isEmpty && !new.isEmpty
          graph.renameMember(of: id, at: n, to: new, pass: Self.name, reason: recorded ? renamer.rewriteReason(old) : nil)
          changed = true
          if recorded {
            for target in tagMembers { tags.add(target: target, original: old, component: n) }
          }
        }
      }
    case .none, .entries, .variantEntries:
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
      let offset = graph.member(at: i).bitField.offset
      if offset < previous {
        sorted = false
        break
      }
      previous = offset
    }
    if sorted { return false }
    let members = graph.members(of: id).enumerated().sorted { a, b in
      let x = a.element.bitField.offset
      let y = b.element.bitField.offset
      return x != y ? x < y : a.offset < b.offset
    }.map(\.element)
    // The order alone changes, which explains itself: nothing to record.
    graph.replaceMembers(id, with: members, pass: Self.name, changes: [])
    return true
  }
}

/// Which nodes get their namespace path in their name.
///
/// A node takes part when it is a STRUCT, UNION, ENUM, ENUM64, TYPEDEF or FWD (the *type*
/// group) or a FUNC or VAR (the *value* group) and has a name. Its *path* is its scope
/// (`graph.scopes`), except for nodes of C compile units, whose path counts as empty: C names
/// are never qualified (kernel tools look C types and functions up by their plain names), even
/// C types nested in a struct. A (group, simple name) is *ambiguous* when its nodes have more
/// than one distinct path. A node is qualified when its path is not empty and the mode is
/// `all`, or the mode is `ambiguous` and its (group, simple name) is. So qualification depends
/// only on a node's own (group, path, name) and on the input as a whole, never on node ids.
struct QualificationPlan {
  let mode: SanitizeNames.Qualify
  /// Per (group, simple name) key (name raw value * 2 + group): whether it is ambiguous. Dense,
  /// by key: the plan looks up every node of the graph.
  private var ambiguous = ContiguousArray<Bool>()

  init(graph: TypeGraph, mode: SanitizeNames.Qualify) {
    self.mode = mode
    guard mode == .ambiguous else { return }
    ambiguous = ContiguousArray(repeating: false, count: 2 * graph.strings.count)
    // Per key: the path of its first node (-1: none yet).
    var firstPath = ContiguousArray<Int32>(repeating: -1, count: 2 * graph.strings.count)
    for id in graph.ids {
      guard let key = Self.key(id, graph) else { continue }
      let path = Self.path(id, graph).rawValue
      if firstPath[Int(key)] < 0 {
        firstPath[Int(key)] = path
      } else if firstPath[Int(key)] != path {
        ambiguous[Int(key)] = true
      }
    }
  }

  /// The (group, simple name) key, nil for nodes that take no part.
  static func key(_ id: TypeID, _ graph: TypeGraph) -> Int64? {
    let name = graph.name(id)
    if name.isEmpty || graph.flags(id).contains(.symbolName) { return nil }
    let group: Int64
    switch graph.kind(id) {
    case .structure, .union, .enumeration, .enum64, .typedef, .forward: group = 0
    case .function, .variable: group = 1
    default: return nil
    }
    return Int64(name.rawValue) * 2 + group
  }

  /// The namespace path that counts for qualification: empty for nodes of C compile units.
  static func path(_ id: TypeID, _ graph: TypeGraph) -> NameID {
    let scope = graph.scopes[id.index]
    if scope.isEmpty { return scope }
    if graph.flags(id).contains(.rust) { return scope }
    let unit = graph.units[id.index]
    if unit == .none { return scope } // synthesized or hand-built: judged by its scope
    let u = Int(unit.rawValue)
    if u >= 0 && u < graph.compileUnits.count && graph.compileUnits[u].isRust { return scope }
    return .empty
  }

  func isQualified(_ id: TypeID, in graph: TypeGraph) -> Bool {
    if mode == .none || graph.flags(id).contains(.symbolName) { return false }
    guard let key = Self.key(id, graph), !Self.path(id, graph).isEmpty else { return false }
    // A name interned after the plan was made (a rename) is no ambiguous key.
    return mode == .all || (Int(key) < ambiguous.count && ambiguous[Int(key)])
  }

  /// The original name with its path (`core::option::Option<u32>`), whole, as a tag carries
  /// it: the kernel takes DECL_TAG strings of any length.
  func pathQualifiedOriginal(_ id: TypeID, name: NameID, in graph: inout TypeGraph) -> NameID {
    let path = Self.path(id, graph)
    if path.isEmpty { return name }
    return graph.strings.intern(NamePolicy.qualifiedOriginal(scope: graph.strings.string(path), name: graph.strings.string(name)))
  }
}

/// What earlier passes renamed, for `--tag-original-names`: the name each node had before its
/// first rename, and the nodes a tag of their own already names (a second run adds none).
struct EarlierNames {
  var first: [TypeID: NameID] = [:]
  var tagged: Set<TypeID> = []

  /// The name a tag on `id` shows with the node's path: for a node named by its ELF symbol,
  /// the name before select-symbols renamed it (its path still the one DWARF gave); for any
  /// other node its current name `name`, since a pass that renames otherwise (lower-rust's
  /// `Option<u32>::Some` in `core::option`) keeps path and name the original qualified name.
  func original(_ id: TypeID, _ name: NameID, _ graph: TypeGraph) -> NameID {
    guard graph.flags(id).contains(.symbolName), let f = first[id], !f.isEmpty else { return name }
    return f
  }

  init() {}

  init(_ graph: TypeGraph, pass: String) {
    for d in graph.decisions.entries where d.pass != pass {
      if case .renamed(let from) = d.action, first[d.subject] == nil { first[d.subject] = from }
    }
    for id in graph.ids where graph.kind(id) == .declTag && graph.declTagComponent(id) == nil {
      tagged.insert(graph.ref(id))
    }
  }
}

/// DECL_TAGs to add once all names are final (added at the end, so ids of existing nodes do
/// not move while the pass runs).
struct TagList {
  private var entries: [(target: TypeID, original: NameID, component: Int32, carrier: Bool)] = []
  var isEmpty: Bool { entries.isEmpty }

  /// The tag of a renamed node of kind `kind`: a DECL_TAG on it, or for an enum (the kernel
  /// takes no DECL_TAG on an ENUM) a TYPEDEF of the enum's new name carrying it. FWDs take
  /// none: they take the name of their definition.
  mutating func add(_ id: TypeID, kind: Kind, original: NameID) {
    switch kind {
    case .structure, .union, .typedef, .function, .variable: add(target: id, original: original)
    case .enumeration, .enum64: addCarrier(enumeration: id, original: original)
    default: break
    }
  }

  mutating func add(target: TypeID, original: NameID, component: Int = -1) {
    entries.append((target, original, Int32(component), false))
  }

  mutating func addCarrier(enumeration: TypeID, original: NameID) {
    entries.append((enumeration, original, -1, true))
  }

  func emit(into graph: inout TypeGraph) {
    for e in entries {
      var target = e.target
      if e.carrier {
        target = graph.add(.typedef, name: graph.name(e.target), ref: e.target, flags: .synthesized)
      }
      graph.add(.declTag, name: e.original, ref: target, aux: UInt32(bitPattern: e.component), flags: .synthesized)
    }
  }
}

/// A set of `NameID`s as one flag per id, growing with the ids: a graph's strings are numbered
/// densely, and a hashed `Set` cost sanitize-names a third of its time on a kernel.
struct DenseNameSet {
  private var flags: [Bool]

  init(capacity: Int = 0) { flags = [Bool](repeating: false, count: capacity) }

  func contains(_ raw: Int32) -> Bool { Int(raw) < flags.count && flags[Int(raw)] }

  mutating func insert(_ raw: Int32) {
    let i = Int(raw)
    if i >= flags.count { flags.append(contentsOf: repeatElement(false, count: max(i + 1, 2 * flags.count) - flags.count)) }
    flags[i] = true
  }
}

/// Maps each distinct original name to one valid name, injectively: names already valid keep
/// themselves and are reserved first; rewritten names that would collide get a hash suffix.
/// Plain names are indexed by `NameID`, so each distinct string is examined once; qualified
/// names by (path, name), kept apart from plain ones, so that a literal `core::fmt::Error`
/// and `Error` qualified by `core::fmt` are different originals.
struct Renamer {
  let maxLength: Int
  /// new name per original NameID; -1 not yet computed.
  private var mapped: [Int32]
  /// Which rewritten or reserved names are taken, by the new NameID.
  private var taken = DenseNameSet()
  /// Whether an original NameID was reserved as it stands (valid already).
  private var reservedAsIs: [Bool]
  private var qualifiedMap: [Int64: NameID] = [:]
  /// Original names that are valid identifiers but C keywords (`CKeywords`), for the reasons.
  private var keywords: Set<Int32> = []

  /// The base's strings when writing split BTF (`PassContext.splitBaseStrings`).
  private let baseStrings: StringSectionIndex?

  init(graph: TypeGraph, maxLength: Int, baseStrings: StringSectionIndex? = nil) {
    self.maxLength = maxLength
    self.baseStrings = baseStrings
    mapped = [Int32](repeating: -1, count: graph.strings.count)
    reservedAsIs = [Bool](repeating: false, count: graph.strings.count)
    taken = DenseNameSet(capacity: graph.strings.count)
    // Reserve every name that is valid as it stands, wherever it is used. Each distinct string
    // is examined once (`NameState`), however many nodes and members use it: a kernel's
    // invalid and keyword names recur thousands of times.
    var state = [NameState](repeating: .unexamined, count: graph.strings.count)
    let strings = graph.strings
    for id in graph.ids {
      graph.forEachName(of: id) { n in
        guard !n.isEmpty, state[n.index] == .unexamined else { return }
        state[n.index] = strings.withBytes(n) { bytes in
          guard BTFNameRule.isIdentifier(bytes, maxLength: maxLength) else { return .rewritten }
          // A C keyword is a valid BTF identifier but not a name a C header can use: rewritten.
          return CKeywords.contains(bytes) ? .keyword : .valid
        }
      }
    }
    for (i, s) in state.enumerated() {
      switch s {
      case .valid:
        mapped[i] = Int32(i)
        reservedAsIs[i] = true
        taken.insert(Int32(i))
      case .keyword: keywords.insert(Int32(i))
      case .unexamined, .rewritten: break
      }
    }
  }

  /// What `init` found a string to be, for the names nodes and members use.
  private enum NameState: UInt8 {
    case unexamined, valid, keyword, rewritten
  }

  func isReservedAsIs(_ n: NameID) -> Bool { n.index < reservedAsIs.count && reservedAsIs[n.index] }
  func isKeyword(_ n: NameID) -> Bool { keywords.contains(n.rawValue) }

  /// Why `old` was rewritten when it was not qualified: a C keyword, or not an identifier.
  func rewriteReason(_ old: NameID) -> SanitizeNames.Reason {
    isKeyword(old) ? .cKeyword : .invalidName
  }

  mutating func valid(_ old: NameID, in graph: inout TypeGraph) -> NameID {
    if old.isEmpty { return old }
    if old.index < mapped.count, mapped[old.index] >= 0 { return NameID(rawValue: mapped[old.index]) }
    // Interned after this renamer started (names a pass made): valid by construction.
    if old.index >= mapped.count { return old }
    let id = assign(scope: nil, name: graph.strings.string(old), in: &graph)
    mapped[old.index] = id.rawValue
    return id
  }

  mutating func qualified(scope: NameID, name: NameID, in graph: inout TypeGraph) -> NameID {
    let key = Int64(scope.rawValue) << 32 | Int64(name.rawValue)
    if let id = qualifiedMap[key] { return id }
    let id = assign(scope: graph.strings.string(scope), name: graph.strings.string(name), in: &graph)
    qualifiedMap[key] = id
    return id
  }

  /// The first candidate, or when that is taken, `_h` and the hash of the (path-qualified)
  /// original appended (and `_1`, `_2`… if even that is taken).
  /// With a split base, the hashed name comes first when the base has it: the base (vmlinux,
  /// a larger graph with more names taken) gave this same original that name, and the module's
  /// copy must be named alike to merge into the base's type.
  private mutating func assign(scope: String?, name: String, in graph: inout TypeGraph) -> NameID {
    // Made only when needed: most names get their first candidate.
    var suffix: String { "_h" + NamePolicy.hash8(NamePolicy.qualifiedOriginal(scope: scope ?? "", name: name)) }
    if let baseStrings {
      let hashed = NamePolicy.compose(scope: scope, name: name, suffix: suffix, maxLength: maxLength)
      let id = graph.strings.intern(hashed)
      if baseStrings.contains(hashed) && !taken.contains(id.rawValue) {
        taken.insert(id.rawValue)
        return id
      }
    }
    var id = graph.strings.intern(NamePolicy.firstCandidate(scope: scope, name: name, maxLength: maxLength))
    if taken.contains(id.rawValue) {
      let suffix = suffix
      var n = 0
      repeat {
        let tail = n == 0 ? suffix : suffix + "_\(n)"
        id = graph.strings.intern(NamePolicy.compose(scope: scope, name: name, suffix: tail, maxLength: maxLength))
        n += 1
      } while taken.contains(id.rawValue)
    }
    taken.insert(id.rawValue)
    return id
  }
}

extension SanitizeNames {
  /// The name of an anonymous node whose kind needs one: `anon_` and its DIE offset in hex
  /// (`anon_2b1`), or `anon` for a node no DIE gave. Not its node id: the ids depend on which
  /// copies were merged before (dedup at import), and the name must not (found by the fuzzer).
  static func anonymousName(_ g: TypeGraph, _ id: TypeID) -> String {
    let offset = g.origin(id).dieOffset
    return offset == 0 ? "anon" : "anon_" + String(offset, radix: 16)
  }
}
