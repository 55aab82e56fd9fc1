import TypeGraph

// The reasons `merge-bindgen-copies` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension MergeBindgenCopies {
  /// Why `merge-bindgen-copies` decided what it did.
  public enum Reason: WordedReason {
    case sameLayout
  }
}

extension MergeBindgenCopies.Reason {
  public var pieces: [ReasonPiece] {
    switch self {
    case .sameLayout:
      return [
        .text("bindgen's copy of a C type with the same layout (kind, size, member names, offsets and sizes): merged into the C type")
      ]
    }
  }
}
