import Sanitize
import TypeGraph

/// Whether a name written to BTF is what `sanitize-names` makes of a DWARF name, for the
/// retention report. The rules are `NamePolicy`'s (readable rewrite, bound with a hash,
/// `_h<hash>` made unique); this only recognises their results, so that a member renamed by
/// the sanitizer still counts as the same member, and it never needs the pass's parameters.
public enum RetentionNames {
  /// The kernel's longest name; a name valid under it is kept as it is by `sanitize-names`
  /// under any `max-length` that lets it through.
  static let maxLength = 512

  static func isIdentifier(_ name: NameID, _ graph: TypeGraph) -> Bool {
    graph.strings.withBytes(name) { BTFNameRule.isIdentifier($0, maxLength: maxLength) }
  }

  /// Whether `written` is a sanitized form of `original` (an original that is not a valid
  /// identifier; valid ones are written as they are).
  public static func matches(original: String, written: String) -> Bool {
    if written == original { return true }
    let readable = NamePolicy.readable(original)
    if written == readable { return true }
    let n = written.utf8.count
    // Bounded: cut to the pipeline's max-length with the original's hash at the end.
    if n < readable.utf8.count && written == NamePolicy.firstCandidate(scope: nil, name: original, maxLength: n) { return true }
    // Made unique: a prefix of the readable form, `_h` and the original's hash (and `_N`).
    let marker = Array(("_h" + NamePolicy.hash8(original)).utf8)
    let bytes = Array(written.utf8)
    guard bytes.count >= marker.count else { return false }
    for k in stride(from: bytes.count - marker.count, through: 1, by: -1) where bytes[k..<k + marker.count].elementsEqual(marker) {
      return readable.utf8.starts(with: bytes[..<k])
    }
    return false
  }
}
