import Annotate
import Prune

/// pahole's BTF features (`--btf_features=LIST`, and the older options that set the same
/// switches), with pahole's rules:
///
/// - Without any `--btf_features`, pahole's built-in defaults hold: VARs, DECL_TAGs, TYPE_TAGs
///   and ENUM64 on, everything else off until an option turns it on (`--btf_gen_floats`…).
/// - The first `--btf_features` resets every feature to off; each list then turns on what it
///   names (`default`, or a leading `+`, adds pahole's default set). Several lists add up: a
///   kernel passes `--btf_features=encode_force,… --btf_features=attributes`.
/// - A name pahole does not know is ignored (noted with `-V`): kernels add features by pahole
///   version without checking. `--btf_features_strict` refuses it instead.
///
/// (pahole.c `btf_features[]`, `init_btf_features`, `parse_btf_features`.)
public struct PaholeFeatures: Equatable, Sendable {
  /// The features whose effect is on, by pahole's name.
  public private(set) var on: Set<String>
  /// True once a `--btf_features` list was given (pahole's `set_btf_features_initial`).
  var listGiven = false

  /// pahole's built-in defaults, before any option.
  public init() { on = ["var", "decl_tag", "type_tag", "enum64"] }

  public func isOn(_ feature: String) -> Bool { on.contains(feature) }
  public mutating func set(_ feature: String, _ value: Bool) {
    if value { on.insert(feature) } else { on.remove(feature) }
  }

  /// `var`: per-CPU VARs in a `.data..percpu` DATASEC.
  public var variables: Bool {
    get { isOn("var") }
    set { set("var", newValue) }
  }
  /// `global_var`: VARs and DATASECs for every global variable (pahole writes them with or
  /// without `var`).
  public var globalVariables: Bool { isOn("global_var") }
  /// `decl_tag`: DECL_TAGs may be written at all.
  public var declTags: Bool { isOn("decl_tag") }
  /// `decl_tag_kfuncs`: `bpf_kfunc` / `bpf_fastcall` DECL_TAGs on kfuncs (needs `decl_tag`).
  public var kfuncTags: Bool { isOn("decl_tag_kfuncs") && isOn("decl_tag") }
  /// `attributes`: the arena `address_space(1)` TYPE_TAGs on KF_ARENA kfuncs. pahole adds them
  /// only while it collects kfuncs (btf_encoder's tag_kfuncs && encode_attributes), so they need
  /// `decl_tag_kfuncs` too (but not `decl_tag`).
  public var attributes: Bool { isOn("attributes") && isOn("decl_tag_kfuncs") }
  /// `distilled_base`: with `--btf_base` and `-J`, a `.BTF.base` section beside `.BTF`.
  public var distilledBase: Bool { isOn("distilled_base") }
  /// `layout` (pahole 1.32, Linux 7.1): the kind layout section in the BTF header.
  public var layout: Bool { isOn("layout") }
}

extension PaholeCommandLine {
  public struct Feature: Sendable {
    public var name: String
    /// In pahole's default set (`--btf_features=default`, `+…`).
    public var inDefault: Bool
    /// The pahole version that introduced it.
    public var since: String
    public var handling: Handling
  }

  /// pahole's BTF features (1.31, and 1.32's) and what rustbtf does with each.
  public static let features: [Feature] = [
    Feature(
      name: "encode_force", inDefault: true, since: "1.26",
      handling: .honoured("always on: a function or variable that cannot be encoded is left out with a reason, never the whole BTF")),
    Feature(
      name: "var", inDefault: true, since: "1.26", handling: .honoured("per-CPU VARs in a .data..percpu DATASEC; without it, no VARs")),
    Feature(
      name: "float", inDefault: true, since: "1.26",
      handling: .honoured("always on: FLOAT kind (a list without it is refused: BTF for kernels before 5.13)")),
    Feature(
      name: "decl_tag", inDefault: true, since: "1.26",
      handling: .honoured("DECL_TAGs may be written (kfunc tags, --tag-original-names); without it, none")),
    Feature(
      name: "type_tag", inDefault: true, since: "1.26",
      handling: .honoured("always on: TYPE_TAG kind (a list without it is refused: BTF for kernels before 5.17)")),
    Feature(
      name: "enum64", inDefault: true, since: "1.26",
      handling: .honoured("always on: ENUM64 kind (a list without it is refused: BTF for kernels before 6.0)")),
    Feature(
      name: "optimized_func", inDefault: true, since: "1.26",
      handling: .accepted(
        """
        as in pahole 1.31, where it has no effect: clones (.isra, .constprop) are matched to their function by the name before the first \
        '.', and the function rules decide (see select-symbols)
        """
      )),
    Feature(
      name: "consistent_func", inDefault: true, since: "1.26",
      handling: .honoured(
        """
        always on: pahole's function rules (inconsistent prototypes, unexpected registers, reordered or optimized-out parameters, \
        ambiguous addresses) decide which functions get a FUNC
        """
      )),
    Feature(
      name: "decl_tag_kfuncs", inDefault: true, since: "1.27",
      handling: .honoured("DECL_TAG bpf_kfunc (and bpf_fastcall) on each kfunc of the .BTF_ids kfunc sets")),
    Feature(
      name: "reproducible_build", inDefault: false, since: "1.27",
      handling: .accepted("rustbtf's output is always reproducible: byte-identical for the same input, whatever -j")),
    Feature(
      name: "distilled_base", inDefault: false, since: "1.28",
      handling: .honoured(
        """
        with --btf_base and -J: a .BTF.base section (the distilled base) beside .BTF, for modules built against another vmlinux; none for \
        --btf_encode_detached, as in pahole
        """
      )),
    Feature(
      name: "global_var", inDefault: false, since: "1.28",
      handling: .honoured("VARs and DATASECs for every global variable, with pahole's filter")),
    Feature(
      name: "attributes", inDefault: false, since: "1.30",
      handling: .honoured(
        """
        with decl_tag_kfuncs: TYPE_TAG address_space(1) (kind_flag 1, Linux 6.15) on the pointers KF_ARENA kfuncs take and return \
        (tag-kfuncs<attributes=on>)
        """
      )),
    Feature(
      name: "layout", inDefault: false, since: "1.32",
      handling: .honoured(
        """
        pahole 1.32's, which Linux 7.1 passes to pahole 1.31 and later: base BTF gets the kind layout section and the 32-byte header of \
        Linux 7.1 (kernels before 7.1 refuse it), checked with 7.1's header rules; split BTF gets none, as with pahole
        """
      )),
    Feature(
      name: "true_signature", inDefault: false, since: "1.32",
      handling: .accepted("a pahole 1.32 feature: ignored, as pahole 1.31 ignores it")),
  ]

  /// Features rustbtf cannot turn off: a `--btf_features` list that leaves one out asks for BTF
  /// for an older kernel, which is refused.
  static let alwaysOn: [(String, String)] = [
    ("float", "FLOAT (Linux 5.13)"), ("type_tag", "TYPE_TAG (Linux 5.17)"), ("enum64", "ENUM64 (Linux 6.0)"),
  ]

  /// One `--btf_features[_strict]=LIST`, applied to `features` as pahole applies it. Returns the
  /// notes for `-V` (names ignored).
  static func applyFeatureList(_ list: String, strict: Bool, display: String, to features: inout PaholeFeatures)
    throws(PaholeUsageError) -> [String]
  {
    if !features.listGiven {
      features = PaholeFeatures()
      for f in Self.features { features.set(f.name, false) }
      features.listGiven = true
    }
    var text = Substring(list)
    if text.hasPrefix("+") {
      enableDefaults(&features)
      text = text.dropFirst()
    }
    var notes: [String] = []
    for part in text.split(separator: ",") {
      let name = String(part)
      if name == "default" {
        enableDefaults(&features)
        continue
      }
      guard let feature = Self.features.first(where: { $0.name == name }) else {
        if strict {
          throw PaholeUsageError("\(display): BTF feature '\(name)' is not supported (supported: \(supportedFeaturesLine))")
        }
        notes.append("ignoring unknown BTF feature '\(name)' (--btf_features_strict refuses it)")
        continue
      }
      if case .refused(let why) = feature.handling {
        throw PaholeUsageError("\(display): BTF feature '\(name)' is not supported: \(why)")
      }
      if case .accepted(let why) = feature.handling, feature.since == "1.32" {
        if strict { throw PaholeUsageError("\(display): BTF feature '\(name)' is not supported: \(why)") }
        notes.append("ignoring BTF feature '\(name)': \(why)")
        continue
      }
      features.set(name, true)
    }
    return notes
  }

  private static func enableDefaults(_ features: inout PaholeFeatures) {
    for f in Self.features where f.inDefault { features.set(f.name, true) }
  }

  /// A list that left out a kind rustbtf always writes.
  static func checkAlwaysOn(_ features: PaholeFeatures) throws(PaholeUsageError) {
    guard features.listGiven else { return }
    for (name, kind) in alwaysOn where !features.isOn(name) {
      throw PaholeUsageError(
        "--btf_features: the list leaves out '\(name)', but rustbtf always writes \(kind) kinds (BTF for older kernels is not supported)")
    }
  }

  /// What `--supported_btf_features` prints: pahole's one comma-separated line.
  public static var supportedFeaturesLine: String {
    features.filter { f in
      switch f.handling {
      case .refused: return false
      case .accepted: return f.since != "1.32" // a newer pahole's feature, ignored
      case .honoured: return true
      }
    }.map(\.name).joined(separator: ",")
  }

  /// The standard pipeline with the pass parameters `features` ask for. A pass the registry
  /// does not have is left out of the overrides (a library's own registry).
  public static func pipelineText(for features: PaholeFeatures, registry: PassRegistryNames = StandardPasses.registryNames) -> String {
    var overrides: [String: [String]] = [:]
    if features.globalVariables {
      overrides[SelectSymbols.name, default: []].append("variables=global")
    } else if !features.variables {
      overrides[SelectSymbols.name, default: []].append("variables=none")
    }
    // Canonical text: the pass's defaults (kfuncs on, attributes off) left out.
    let kfuncs = TagKfuncs(kfuncs: features.kfuncTags, attributes: features.attributes).parameterText
    overrides[TagKfuncs.name] = kfuncs.isEmpty ? nil : [kfuncs]
    let standard = registry.standard
    guard standard.contains(where: { overrides[$0] != nil }) else { return "all" }
    return standard.map { name in
      guard let params = overrides[name] else { return name }
      return "\(name)<\(params.joined(separator: ";"))>"
    }.joined(separator: ",")
  }
}

/// The names of a registry's standard passes, in order: all `pipelineText(for:)` needs.
public struct PassRegistryNames: Sendable {
  public var standard: [String]
  public init(standard: [String]) { self.standard = standard }
}

extension StandardPasses {
  public static var registryNames: PassRegistryNames { PassRegistryNames(standard: registry.standard.map(\.name)) }
}
