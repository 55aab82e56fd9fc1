import Annotate
import Lower
import Merge
import Prune
import Sanitize
import TypeGraph

/// The passes rustbtf ships, in the order `all` runs them. Library users start from this
/// registry and `register` passes of their own.
public enum StandardPasses {
  public static let registry = PassRegistry([
    LowerRust.descriptor,
    SelectSymbols.descriptor,
    DemoteUnrepresentable.descriptor,
    MergeBindgenCopies.descriptor,
    SanitizeNames.descriptor,
    PruneDependents.descriptor,
    TagKfuncs.descriptor,
    Dedup.descriptor,
  ])

  /// `all`, parsed: what the CLI runs when `--passes` is left out.
  public static func all() -> PassPipeline {
    // The registry's own passes all parse without parameters, so this cannot fail.
    try! PassPipeline(parsing: "all", registry: registry)
  }
}
