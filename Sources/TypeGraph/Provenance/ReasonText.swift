/// A reason whose sentence is made of pieces: wording, and the names it quotes. `sentence` and
/// `pattern` both come from `pieces`, so that the one place a reason becomes text also says what
/// `--stats` leaves out when it counts causes. The standard passes' reasons conform through it.
public protocol WordedReason: DecisionReason {
  /// The sentence as pieces: wording (and payloads that tell causes apart, such as a DWARF tag)
  /// and quoted names, which `pattern` leaves out.
  var pieces: [ReasonPiece] { get }
}

extension WordedReason {
  /// The sentence, without a trailing period ("DW_TAG_variant_part has no BTF kind").
  public var sentence: String {
    var out = ""
    for piece in pieces {
      switch piece {
      case .text(let s): out += s
      case .quoted(let s, let q):
        out.append(q)
        out += s
        out.append(q)
      }
    }
    return out
  }

  /// The cause without what varies from node to node, so that equal causes count together
  /// (`--stats`' root causes): quoted names become `'…'`, digit runs `N` (in the wording too,
  /// as the report has always printed them: `a N-byte ENUMN`).
  public var pattern: String {
    var out = ""
    var lastWasDigit = false
    for piece in pieces {
      switch piece {
      case .quoted(_, let q):
        out.append(q)
        out += "…"
        out.append(q)
        lastWasDigit = false
      case .text(let s):
        for c in s {
          let digit = c.isASCII && c.isNumber
          if !digit { out.append(c) } else if !lastWasDigit { out.append("N") }
          lastWasDigit = digit
        }
      }
    }
    return out
  }
}

/// One piece of a `WordedReason`'s sentence.
public enum ReasonPiece: Hashable, Sendable {
  case text(String)
  /// A name between `quote`s (`'x'`), shown as `'…'` in the pattern.
  case quoted(String, Character)

  /// A name in single quotes: `'x'`.
  public static func name(_ s: String) -> ReasonPiece { .quoted(s, "'") }
  /// Code in backquotes, as `core::option::Option<u8>` is quoted in explanations.
  public static func code(_ s: String) -> ReasonPiece { .quoted(s, "`") }
  /// `0x2a`.
  public static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}
