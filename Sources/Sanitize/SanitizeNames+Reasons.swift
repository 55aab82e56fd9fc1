import TypeGraph

// The reasons `sanitize-names` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension SanitizeNames {
  /// Why `sanitize-names` decided what it did.
  public enum Reason: WordedReason {
    case invalidName
    case cKeyword
    case anonymousNeedsName
    /// Qualified by the namespace path; `alsoInvalid` when the name was not a valid identifier
    /// either (a keyword qualified is none any more, so only the qualification counts).
    case qualified(Qualification, alsoInvalid: Bool)
  }
}

extension SanitizeNames.Reason {
  /// Why `sanitize-names` qualified a name.
  public enum Qualification: Hashable, Sendable {
    /// Its name stands for nodes of different namespace paths.
    case ambiguous
    /// `qualify=all`.
    case all
  }

  public var pieces: [ReasonPiece] {
    switch self {
    case .invalidName: return [.text(Self.invalidText)]
    case .cKeyword: return [.text("a C keyword, which C headers made from the BTF cannot use as a name")]
    case .anonymousNeedsName: return [.text("anonymous, and the kernel requires a name for its kind")]
    case .qualified(let why, let alsoInvalid):
      let text =
        why == .all
        ? "qualified by its namespace path (qualify=all)"
        : "qualified by its namespace path: its name stands for nodes of different namespace paths"
      return [.text(alsoInvalid ? Self.invalidText + "; " + text : text)]
    }
  }

  private static let invalidText = "not a valid BTF identifier"
}
