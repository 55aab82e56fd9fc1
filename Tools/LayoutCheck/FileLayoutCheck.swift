import RustBTF
import TypeGraph

/// Both comparisons on one file, as `rustbtf-layout-check` and
/// `LayoutTests.layoutsOfGivenFilesMatchLLVMDwarfdump` run them: the file converted on its own
/// (`--passes all`, each pass verified), every struct and union but data-carrying enums compared
/// by layout, and every data-carrying enum by discriminant and variants.
package struct FileLayoutCheck {
  package var layouts: LayoutReport
  package var enums: EnumReport

  package init(file: String, units: DwarfdumpTree.Units = .all) throws {
    let tree = try DwarfdumpTree(file: file, units: units)
    let result = try Conversion(instrumentation: [VerifyEachPass()]).run(path: file)
    layouts = try compareLayouts(file: file, tree: tree, result: result) { tree, i in
      !tree[i].children.contains(where: { tree[$0].tag == "DW_TAG_variant_part" })
    }
    enums = try compareRustEnums(file: file, tree: tree, result: result)
  }

  /// Something was compared and nothing differs.
  package var passed: Bool { layouts.compared > 0 && layouts.mismatches.isEmpty && enums.problems.isEmpty }
}
