import Encode
import Verify

/// What `pahole` writes for a conversion's BTF, by the features that change the output's shape
/// (`--btf_features=distilled_base`, `layout`); each result is checked as the kernel will check
/// it before anything is written.
public enum PaholeOutput {
  /// The ELF sections `-J` writes: `.BTF`, and with `distilled_base` `.BTF.base` too.
  ///
  /// - `btf`: the conversion's BTF (split BTF on `base` when `base` is given).
  /// - `base`: the `--btf_base` BTF, or nil.
  ///
  /// `distilled_base` without `--btf_base` is an error, as with pahole 1.31 ("could not
  /// generate distilled base BTF"): there is no base to distil.
  public static func sections(btf: [UInt8], base: [UInt8]?, features: PaholeFeatures, inputName: String) throws
    -> [(name: String, bytes: [UInt8])]
  {
    if features.distilledBase {
      guard let base else { throw missingBase(inputName) }
      let d = try distill(split: btf, base: base, inputName: inputName)
      return [(".BTF", d.split), (".BTF.base", d.base)]
    }
    return [(".BTF", try withLayout(btf, base: base, features: features, inputName: inputName))]
  }

  /// Refuses, before a conversion, what `sections` would refuse after it: `-J` with
  /// `distilled_base` and no `--btf_base`.
  public static func check(features: PaholeFeatures, hasBase: Bool, detached: Bool, inputName: String) throws {
    if features.distilledBase && !hasBase && !detached { throw missingBase(inputName) }
  }

  static func missingBase(_ inputName: String) -> ConversionError {
    ConversionError(
      """
      \(inputName): --btf_features=distilled_base distils the --btf_base BTF for split BTF, and there is no --btf_base (pahole fails the \
      same way)
      """
    )
  }

  /// The raw BTF `--btf_encode_detached` writes: with `layout`, base BTF gets the kind layout
  /// section; `distilled_base` changes nothing, as with pahole (a raw file has no place for a
  /// second section).
  public static func detached(btf: [UInt8], base: [UInt8]?, features: PaholeFeatures, inputName: String) throws -> [UInt8] {
    try withLayout(btf, base: base, features: features, inputName: inputName)
  }

  /// `btf` with the kind layout section when `layout` is asked for and `btf` is base BTF
  /// (pahole master: "only add layout to base BTF"), checked with Linux 7.1's header rules.
  static func withLayout(_ btf: [UInt8], base: [UInt8]?, features: PaholeFeatures, inputName: String) throws -> [UInt8] {
    guard features.layout, base == nil else { return btf }
    let out: [UInt8]
    do { out = try KindLayout.adding(to: btf) } catch { throw ConversionError("\(inputName): \(error.description)") }
    if let problem = BTFValidator.validate(out, mode: .load, limits: .linux7_1).first {
      throw ConversionError("\(inputName): the kind layout section leaves BTF Linux 7.1 would reject: \(problem.line); output not written")
    }
    return out
  }

  /// libbpf's `btf__distill_base` of `base` for `split`, checked as the kernel checks a module
  /// with `.BTF.base`: the distilled base and the split on it pass the checks of
  /// `btf_parse_module` (header, strings, each type's record, type-tag chains: no resolve pass),
  /// and the split relocates onto the base it was built against (`btf_relocate`).
  public static func distill(split: [UInt8], base: [UInt8], inputName: String) throws -> DistilledBase.Result {
    let d: DistilledBase.Result
    do {
      d = try DistilledBase.distill(split: split, base: base)
      let onDistilled = try SplitBTF.concatenate(base: d.base, split: d.split)
      if let problem = BTFValidator.validate(onDistilled, mode: .embedded).first {
        throw ConversionError(
          "\(inputName): the distilled base and the split BTF on it would be rejected: \(problem.line); output not written")
      }
      _ = try SplitRelocation.relocate(split: d.split, distilledBase: d.base, onto: base)
    } catch let error as EncodeError {
      throw ConversionError("\(inputName): distilled base: \(error.description); output not written")
    }
    return d
  }
}
