import TypeGraph

// The reasons `prune-dependents` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension PruneDependents {
  /// Why `prune-dependents` decided what it did.
  public enum Reason: WordedReason {
    case byValueCycle(through: TypeGraph.NodeText)
    /// A member whose type lost its size, kept as opaque bytes (`namedAs`: the name an
    /// anonymous one was given).
    case memberOpaque(MemberLabel, bytes: UInt64, namedAs: String?)
    case memberUnsizedDropped(MemberLabel)
    case memberPastEnd(MemberLabel, typeBytes: UInt64)
    case floatMisaligned(MemberLabel, bytes: UInt64, namedAs: String?)
    case memberUnsizedStrict(MemberLabel)
    case elementUnsizedStrict
    case elementsOpaque(bytes: UInt64)
    case elementUnsized
    case parameterUnsized(index: Int)
    case returnUnsized
    case prototypeRemoved
    case variableTypeUnsized
    case targetRemoved
    case emptyDataSection
  }
}

extension PruneDependents.Reason {
  /// A member as reasons name it: `'name'`, or `(anon)@8` by byte offset.
  public enum MemberLabel: Hashable, Sendable {
    case named(String)
    case anonymous(byte: UInt64)
  }

  public var pieces: [ReasonPiece] {
    switch self {
    case .byValueCycle(let n):
      return [
        .text("part of a by-value reference cycle (through \(n.kind) "), .name(n.name),
        .text(" \(n.id) [die \(ReasonPiece.hex(n.dieOffset))])"),
      ]
    case .memberOpaque(let m, let bytes, let namedAs):
      return Self.member(m) + [.text(" has no BTF type; kept as \(bytes) opaque bytes")] + Self.named(namedAs)
    case .memberUnsizedDropped(let m): return Self.member(m) + [.text(" has no BTF type and no size; dropped")]
    case .memberPastEnd(let m, let bytes): return Self.member(m) + [.text(" ends past the end of the \(bytes)-byte type; dropped")]
    case .floatMisaligned(let m, let bytes, let namedAs):
      return [.text("FLOAT ")] + Self.member(m)
        + [.text(" is not aligned as the kernel requires; kept as \(bytes) opaque bytes")] + Self.named(namedAs)
    case .memberUnsizedStrict(let m): return Self.member(m) + [.text(" has no sized BTF type (policy=strict)")]
    case .elementUnsizedStrict: return [.text("element type has no sized BTF type (policy=strict)")]
    case .elementsOpaque(let bytes): return [.text("element type has no BTF type; kept as \(bytes) opaque bytes")]
    case .elementUnsized: return [.text("element type has no BTF type and no known size")]
    case .parameterUnsized(let n): return [.text("parameter \(n) has no sized BTF type")]
    case .returnUnsized: return [.text("return type has no sized BTF type")]
    case .prototypeRemoved: return [.text("its prototype has no BTF type")]
    case .variableTypeUnsized: return [.text("its type has no sized BTF type")]
    case .targetRemoved: return [.text("its target was removed")]
    case .emptyDataSection: return [.text("DATASEC has no variable left")]
    }
  }

  /// `member 'x'` or `member (anon)@8`.
  private static func member(_ m: MemberLabel) -> [ReasonPiece] {
    switch m {
    case .named(let n): [.text("member "), .name(n)]
    case .anonymous(let byte): [.text("member (anon)@\(byte)")]
    }
  }

  private static func named(_ namedAs: String?) -> [ReasonPiece] {
    namedAs.map { [.text(" named "), .name($0)] } ?? []
  }
}
