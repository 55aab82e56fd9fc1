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

/// The points of `all` where `PassRegistry.register(_:placement:)` puts a pass of your own, and
/// what holds there (PASSES.md, "Placing a pass in `all`").
extension PassPlacement {
  /// After `lower-rust`: Rust enums are structs of their variants, Rust base types typedefs of
  /// C-spelled INTs and FLOATs; every FUNC and VAR the DWARF has is still there, names are
  /// DWARF's, and graph-only nodes (`unrepresentable`) may remain.
  public static let afterLowering = PassPlacement(name: "after-lowering", anchor: .after(LowerRust.name))
  /// After `select-symbols`: the FUNCs and VARs left are those the BTF will have (a FUNC per
  /// ELF function symbol, the per-CPU VARs in their DATASEC); graph-only nodes may remain.
  public static let afterSymbolSelection = PassPlacement(name: "after-symbol-selection", anchor: .after(SelectSymbols.name))
  /// Before `sanitize-names` (after `demote-unrepresentable` and `merge-bindgen-copies`): no
  /// graph-only node is left (they are void, and what held them is not fixed yet); names are
  /// still DWARF's (Rust paths in `scope(id)`), so a rename here is sanitized and made unique
  /// like any other name.
  public static let beforeNaming = PassPlacement(name: "before-naming", anchor: .after(MergeBindgenCopies.name))
  /// Before `prune-dependents` (after `sanitize-names`): names are final and valid. A node the
  /// pass demotes (`graph.demote`) is fixed for by `prune-dependents`, which runs next: members
  /// of its type become opaque bytes, prototypes taking it by value go void.
  public static let beforePruning = PassPlacement(name: "before-pruning", anchor: .after(SanitizeNames.name))
  /// Before `dedup` (after `tag-kfuncs`): every type has the shape it is written with, each
  /// member, element and parameter has a size, and kfuncs are tagged; copies from different
  /// compile units are not merged yet. A pass that removes or demotes here must keep that true
  /// (`graph.cut(_:pass:reason:)` fixes the holders).
  public static let beforeDedup = PassPlacement(name: "before-dedup", anchor: .after(TagKfuncs.name))
  /// After every standard pass: the graph as it is encoded (with `--btf_base`, before its types
  /// are merged into the base's). As at `before-dedup`, a removal or a demotion must fix its
  /// holders (`cut`); a node the pass adds may repeat one dedup merged.
  public static let end = PassPlacement(name: "end", anchor: .end)
}
