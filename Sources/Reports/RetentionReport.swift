import TypeGraph

/// How much of the input's Rust type information reaches BTF (`rustbtf --stats`): of the
/// distinct named Rust struct, union and enum types of the DWARF (distinct by original
/// qualified name and byte size), how many are written with all their members, how many with
/// opaque placeholders or members missing, how many were pruned, each with its reason from the
/// decision log; and how many Rust functions with a linkage name are written as FUNCs.
///
/// A type is *complete* when one of its copies survives (after dedup's merges) with the same
/// kind and size and every DWARF member present with the same name (after sanitizing), bit
/// offset and size, none of them an opaque placeholder; members are compared flattened as C
/// sees them (`FlattenedMembers`). Renames do not count against it. A data-carrying enum is
/// complete when, besides that, its discriminant is a member at its DWARF offset with its size
/// (named `discriminant`, or its DWARF name, or `__discriminant` when that is a variant's name:
/// `lower-rust`'s naming) and every variant is a member named after the variant at its offset
/// whose struct has the variant's fields at their offsets.
///
/// `README.md` ("Retention report") documents the text and the JSON.
public struct RetentionReport: Sendable {
  public enum Status: String, Sendable, CaseIterable {
    /// Every member, with its name, offset and size.
    case complete
    /// Kept, but with opaque placeholders or members missing, moved or resized.
    case opaque
    /// Demoted to void, removed, or rewritten to a kind without its members.
    case pruned
  }

  /// What is wrong with one DWARF member in the BTF.
  public enum Problem: String, Sendable {
    /// Present, but as an opaque placeholder (bytes of the same size).
    case opaque
    /// No member of that name.
    case missing
    /// Present at another offset (for an enumerator: with another value).
    case offset
    /// Present at the offset with another size.
    case size
    /// Of the wrong kind: a variant whose type is not a struct, or the type itself resized.
    case type
  }

  /// The decision that explains an outcome, and the root of its chain of causes (the first
  /// decision of the chain; this one when it has no cause).
  public struct Reason: Hashable, Sendable {
    public var pass: String
    public var reason: AnyDecisionReason
    public var rootPass: String
    public var rootReason: AnyDecisionReason
    public var text: String { reason.sentence }
    /// `pass: reason` of the root.
    public var root: String { "\(rootPass): \(rootReason.sentence)" }
    public var description: String { "\(pass): \(text)" }
    /// The root as causes are counted: what varies from node to node left out
    /// (`DecisionReason.pattern`), so equal causes count together.
    var rootCause: String { "\(rootPass): \(rootReason.pattern)" }
  }

  public struct MemberIssue: Hashable, Sendable {
    /// The member's DWARF name; a variant's field as `Variant.field`, the type itself as
    /// `(type)`, an anonymous discriminant as `discriminant`.
    public var member: String
    public var problem: Problem
    /// What differs, e.g. `bit 64 in DWARF, bit 96 in BTF`; empty when nothing more to say.
    public var detail: String
    /// Nil when no decision explains it (which points at a bug).
    public var reason: Reason?
  }

  public struct TypeEntry: Hashable, Sendable {
    /// Original name with its namespace path (`core::option::Option<u8>`).
    public var name: String
    /// `struct`, `union` or `enum`, as DWARF had it (a data-carrying enum is a DWARF struct).
    public var kind: String
    public var bytes: UInt32
    /// How many nodes of the input were copies of it (one per compile unit that has it).
    public var copies: Int
    /// A Rust enum with data (its DWARF struct holds a `DW_TAG_variant_part`).
    public var dataCarrying: Bool
    public var status: Status
    /// What became of the copy the status was taken from: `kept`, `void`, `removed`, or
    /// `rewritten` (kept as another kind).
    public var state: String
    /// The BTF kind written (`STRUCT`…), nil when void or removed.
    public var btfKind: String?
    /// For `pruned`: the decision that removed, demoted or rewrote it.
    public var reason: Reason?
    /// For `opaque`: one entry per member that is not kept as DWARF had it, in DWARF order.
    public var issues: [MemberIssue]
  }

  public struct ReasonCount: Hashable, Sendable {
    public var reason: String
    public var count: Int
  }

  public struct Functions: Hashable, Sendable {
    /// Distinct linkage names of the Rust function DIEs of the input.
    public var withLinkageName: Int
    /// Of those, how many are written as a FUNC.
    public var emitted: Int
    /// Of those, how many have an ELF function symbol of that name (nil when the input gave no
    /// symbol table, as for a hand-built graph).
    public var withSymbol: Int?
    /// Of those with a symbol, how many are written as a FUNC.
    public var emittedWithSymbol: Int?
    /// FUNCs of Rust functions in the output.
    public var rustFuncsOut: Int
    /// Why the others are not, by root cause, most frequent first.
    public var missingReasons: [ReasonCount]
    /// Each function not written, by linkage name (sorted), with its root cause as recorded.
    public var missing: [NamedReason] = []
    /// Rust FUNCs in the output that no Rust function DIE with a linkage name accounts for
    /// (the difference between `rustFuncsOut` and `emitted`), by name, sorted.
    public var unaccountedFuncs: [String] = []
  }

  /// One item a count is made of: what it is called and why it is there.
  public struct NamedReason: Hashable, Sendable {
    public var name: String
    public var reason: String
  }

  /// Every distinct type, sorted by name, then size.
  public var types: [TypeEntry]
  public var functions: Functions
  /// Root causes of the incomplete and pruned types (a type counted once per distinct cause),
  /// as `DecisionReason.pattern` gives them (quoted names `'…'`, numbers `N`), most frequent first.
  public var topReasons: [ReasonCount]

  public var total: Int { types.count }
  public func count(_ status: Status) -> Int { types.reduce(0) { $0 + ($1.status == status ? 1 : 0) } }
  public var dataCarryingEnums: Int { types.reduce(0) { $0 + ($1.dataCarrying ? 1 : 0) } }
  public var dataCarryingEnumsComplete: Int { types.reduce(0) { $0 + ($1.dataCarrying && $1.status == .complete ? 1 : 0) } }

  /// Text used for an outcome no decision explains.
  public static let unexplained = "no decision explains it"

  /// Follows every node of `snapshot` into `graph`, the graph the passes left
  /// (`Conversion.Result.graph`) of the input the snapshot was taken of.
  public init(snapshot: RetentionSnapshot, graph: TypeGraph) {
    precondition(graph.count >= snapshot.nodeCount, "the graph is not the one the snapshot was taken of")
    var classifier = RetentionClassifier(graph: graph, snapshot: snapshot)
    var entries: [TypeEntry] = []
    entries.reserveCapacity(snapshot.records.count)
    for r in snapshot.records.indices { entries.append(classifier.entry(for: r)) }
    entries.sort { $0.name != $1.name ? $0.name < $1.name : $0.bytes < $1.bytes }
    types = entries
    functions = classifier.functions()
    topReasons = Self.rootCauseCounts(entries)
  }

  private static func rootCauseCounts(_ entries: [TypeEntry]) -> [ReasonCount] {
    var counts: [String: Int] = [:]
    for e in entries where e.status != .complete {
      var roots: Set<String> = []
      if e.status == .pruned {
        roots.insert(e.reason?.rootCause ?? unexplained)
      } else {
        for i in e.issues { roots.insert(i.reason?.rootCause ?? unexplained) }
      }
      for r in roots { counts[r, default: 0] += 1 }
    }
    return sortedCounts(counts)
  }

  static func sortedCounts(_ counts: [String: Int]) -> [ReasonCount] {
    counts.map { ReasonCount(reason: $0.key, count: $0.value) }
      .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
  }
}
