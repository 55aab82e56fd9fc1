import Prune

/// pahole's command line, as kernel builds call it (`make PAHOLE=rustbtf`): the BTF-encoding
/// subset of pahole 1.31's options, parsed with pahole's (argp's) spelling rules, and every
/// other pahole option refused by name.
///
/// What each option does is in `PaholeCommandLine.options`, the one table behind the parser,
/// `rustbtf --pahole-flags` and README's flag table.
public struct PaholeInvocation: Equatable, Sendable {
  /// `--version`: print pahole's version line (`PaholeCommandLine.version`) and nothing else.
  public var printVersion = false
  /// `--numeric_version`: print the version as one number (`124`).
  public var printNumericVersion = false
  /// `--supported_btf_features`: print the feature list, as pahole does.
  public var printFeatures = false
  /// `--help`, `-?`, `--usage`: print the options rustbtf honours and nothing else.
  public var printHelp = false
  /// `-J`: put the BTF into FILE's `.BTF` section, in place.
  public var encodeInPlace = false
  /// `--btf_encode_detached FILE`: write raw BTF to this file instead (FILE is not touched).
  public var detachedOutput: String?
  /// `--btf_base FILE`: write split BTF on top of FILE's BTF (an ELF file with `.BTF`, or raw BTF).
  public var base: String?
  /// `-j` / `-jN` / `--jobs[=N]`: accepted; 0 means "every core".
  public var jobs: Int?
  /// `--lang_exclude=LIST`, as given.
  public var languageExclude: String?
  /// BTF features asked for (`--btf_features`, or implied by the older flags).
  public var features = PaholeFeatures()
  /// `-V`: a summary line on standard error.
  public var verbose = false
  /// What pahole says only with `-V`: features ignored.
  public var notes: [String] = []
  /// The ELF file.
  public var file: String?

  public init() {}
}

public struct PaholeUsageError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ d: String) { description = d }
}

public enum PaholeCommandLine {
  /// The pahole version rustbtf reports: the highest whose kernel contract rustbtf honours in
  /// full (see README, "Which pahole version rustbtf stands in for"). Kernels give pahole 1.31
  /// `-j --btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,
  /// consistent_func,decl_tag_kfuncs` (6.12 on), `attributes` (after 6.12), `layout` (7.1 on)
  /// and `distilled_base` for out-of-tree modules.
  public static let version = "v1.31"
  public static var numericVersion: String { String(version.dropFirst().filter { $0 != "." }) }

  /// What rustbtf does with an option or a feature.
  public enum Handling: Equatable, Sendable {
    /// Does what pahole does.
    case honoured(String)
    /// Accepted; changes nothing (why).
    case accepted(String)
    /// Refused with this reason (exit 64).
    case refused(String)
  }

  public struct Option: Sendable {
    /// Long name without dashes; nil for short-only options.
    public var long: String?
    public var short: Character?
    public var argument: Argument
    public var handling: Handling

    public enum Argument: Sendable { case none, required, optional }

    /// How the option is written: `-j`, `--jobs[=N]`, `--btf_base=X`.
    public var spellings: [String] {
      var out: [String] = []
      if let short { out.append("-\(short)") }
      if let long {
        switch argument {
        case .none: out.append("--\(long)")
        case .required: out.append("--\(long)=X")
        case .optional: out.append("--\(long)[=N]")
        }
      }
      return out
    }
  }

  /// Every option of pahole 1.31, in pahole's order.
  public static let options: [Option] = {
    func o(_ long: String?, _ short: Character? = nil, _ argument: Option.Argument = .none, _ h: Handling) -> Option {
      Option(long: long, short: short, argument: argument, handling: h)
    }
    let prettyPrint = Handling.refused("a pahole pretty-printing option: rustbtf only encodes BTF (-J, --btf_encode_detached)")
    let otherOutput = Handling.refused("rustbtf writes BTF only (no CTF)")
    var out: [Option] = []
    for (long, short, arg) in [
      ("bit_holes", "B", true), ("cacheline_size", "c", true), ("class_name", "C", true), ("count", nil, true),
      ("skip", nil, true), ("seek_bytes", nil, true), ("size_bytes", nil, true), ("range", nil, true),
      ("header_type", nil, true), ("find_pointers_to", "f", true), ("format_path", "F", true), ("contains", "i", true),
      ("contains_enumerator", nil, true), ("show_decl_info", "I", false), ("holes", "H", true), ("padding_ge", nil, true),
      ("hole_size_ge", "z", true), ("packable", "P", false), ("with_flexible_array", nil, false),
      ("with_embedded_flexible_array", nil, false), ("expand_types", "E", false), ("nr_members", "n", false),
      ("rel_offset", "r", false), ("recursive", "d", false), ("reorganize", "R", false), ("show_reorg_steps", "S", false),
      ("class_name_len", "N", false), ("show_first_biggest_size_base_type_member", "l", false), ("nr_methods", "m", false),
      ("show_only_data_members", "M", false), ("expand_pointers", "p", false), ("sizes", "s", false),
      ("separator", "t", true), ("nr_definitions", "T", false), ("decl_exclude", "D", true), ("exclude", "x", true),
      ("prefix_filter", "y", true), ("cu_exclude", "X", true), ("anon_include", "a", false),
      ("nested_anon_include", "A", false), ("defined_in", "u", false), ("word_size", "w", true),
      ("flat_arrays", nil, false), ("suppress_aligned_attribute", nil, false), ("suppress_force_paddings", nil, false),
      ("suppress_packed", nil, false), ("show_private_classes", nil, false), ("fixup_silly_bitfields", nil, false),
      ("first_obj_only", nil, false), ("classes_as_structs", nil, false), ("hex", nil, false), ("kabi_prefix", nil, true),
      ("compile", nil, false), ("structs", nil, false), ("unions", nil, false), ("packed", nil, false),
      ("sort", nil, false), ("prettify", nil, true), ("hashbits", nil, true), ("ptr_table_stats", nil, false),
      ("skip_missing", nil, false), ("lang", nil, true), ("skip_emitting_atomic_typedefs", nil, false),
    ] as [(String, String?, Bool)] {
      out.append(o(long, short.map { Character($0) }, arg ? .required : .none, prettyPrint))
    }
    out += [
      o("quiet", "q", .none, .honoured("no warnings on standard error")),
      o("verbose", "V", .none, .honoured("a summary line on standard error (types in and out, what each pass did)")),
      o("ctf_encode", "Z", .none, otherOutput),
      o(
        "btf_base", nil, .required,
        .honoured(
          """
          split BTF on top of FILE's .BTF (an ELF file such as vmlinux, or raw BTF): ids and string offsets continue the base's, types \
          the base has are referred to, not repeated
          """
        )),
      o(
        "jobs", "j", .optional,
        .honoured(
          """
          reads the DWARF's compile units on N threads (every CPU without N; one thread without -j); the output is byte-identical for \
          every N
          """
        )),
      o(
        "btf_encode", "J", .none,
        .honoured("puts the BTF into FILE's .BTF section, in place and atomically (a failure leaves FILE as it was)")),
      o("btf_encode_detached", nil, .required, .honoured("writes raw BTF to this file, atomically; the ELF is not touched")),
      o(
        "skip_encoding_btf_vars", nil, .none,
        .honoured("feature var off: no per-CPU VARs (global_var still gives every section's, as in pahole)")),
      o(
        "btf_encode_force", nil, .none,
        .honoured("always on: a function or variable that cannot be encoded is left out with a reason, never the whole BTF")),
      o("btf_gen_floats", nil, .none, .honoured("feature float: floating-point types are FLOAT (always, with or without it)")),
      o("btf_gen_all", nil, .none, .honoured("pahole's default feature set (--btf_features=default)")),
      o("numeric_version", nil, .none, .honoured("prints \(numericVersion)")),
      o("skip_encoding_btf_decl_tag", nil, .none, .honoured("feature decl_tag off: no DECL_TAGs (no kfunc tags either)")),
      o(
        "skip_encoding_btf_type_tag", nil, .none,
        .refused("TYPE_TAGs (__user, __rcu, __percpu) are always written; BTF without them is for kernels before 5.17")),
      o(
        "lang_exclude", nil, .required,
        .honoured(
          """
          skips the compile units of these languages; RUSTBTF_KEEP_RUST=1 in the environment keeps Rust units anyway (README: keeping \
          Rust types in a kernel build)
          """
        )),
      o("skip_encoding_btf_enum64", nil, .none, .refused("64-bit enums are always ENUM64; BTF without it is for kernels before 6.0")),
      o(
        "btf_gen_optimized", nil, .none,
        .accepted(
          """
          feature optimized_func, which has no effect from pahole 1.31 on (clones are matched by the name before the first '.'; the \
          function rules decide)
          """
        )),
      o(
        "skip_encoding_btf_inconsistent_proto", nil, .none,
        .honoured("feature consistent_func, always on: pahole's function rules decide which functions get a FUNC")),
      o(
        "btf_features", nil, .required,
        .honoured(
          """
          pahole's rules: the first list resets every feature, lists add up, `default`/`+` add pahole's default set, unknown names are \
          ignored (noted with -V); see the feature table
          """
        )),
      o(
        "supported_btf_features", nil, .none,
        .honoured("prints the features rustbtf honours (pahole 1.31's, and 1.32's layout), comma-separated on one line, as pahole does")),
      o(
        "btf_features_strict", nil, .required,
        .honoured("as --btf_features, but a feature pahole 1.31 does not have is refused (exit 64) instead of ignored")),
      o("reproducible_build", nil, .none, .accepted("always on: the same input gives byte-identical BTF, whatever -j")),
      o("running_kernel_vmlinux", nil, .none, .refused("looks up the running kernel's vmlinux to pretty-print it")),
      o("btf_attributes", nil, .none, .honoured("feature attributes")),
      o("version", nil, .none, .honoured("prints \(version), the pahole version rustbtf stands in for")),
      o("help", "?", .none, .honoured("prints the options rustbtf honours in pahole mode, and exits")),
      o("usage", nil, .none, .honoured("as --help")),
    ]
    return out
  }()

  /// Options rustbtf's own command line has too (same meaning): they alone do not make a
  /// command line pahole's.
  static let shared: Set<String> = ["btf_encode_detached", "lang_exclude", "quiet", "q", "jobs", "help", "usage", "?", "btf_base"]

  /// True when `arguments` (without the program name) are pahole's rather than rustbtf's own:
  /// no rustbtf subcommand first (`subcommands`), and some option only pahole has.
  public static func applies(to arguments: [String], subcommands: Set<String> = []) -> Bool {
    if let first = arguments.first, subcommands.contains(first) { return false }
    for a in arguments {
      if a == "--" { break }
      guard a.hasPrefix("-"), a != "-" else { continue }
      if a.hasPrefix("--") {
        let name = String(a.dropFirst(2).prefix { $0 != "=" })
        if !shared.contains(name) && options.contains(where: { $0.long == name }) { return true }
      } else if let c = a.dropFirst().first, !shared.contains(String(c)), options.contains(where: { $0.short == c }) {
        return true
      }
    }
    return false
  }

  /// Parses pahole's command line (argp rules: `--name=value` or `--name value` for required
  /// arguments, `--name=value` only for optional ones; short options clustered, `-jN`, `-j N`
  /// is not an argument of -j).
  public static func parse(_ arguments: [String]) throws(PaholeUsageError) -> PaholeInvocation {
    var inv = PaholeInvocation()
    var i = 0
    var positional: [String] = []
    while i < arguments.count {
      let a = arguments[i]
      i += 1
      if a == "--" {
        positional += arguments[i...]
        break
      }
      if a.hasPrefix("--") {
        let body = a.dropFirst(2)
        let name = String(body.prefix { $0 != "=" })
        var value: String? = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
        guard let option = options.first(where: { $0.long == name }) else {
          throw PaholeUsageError("unknown pahole option '--\(name)'")
        }
        switch option.argument {
        case .none:
          if value != nil { throw PaholeUsageError("option '--\(name)' takes no argument") }
        case .required:
          if value == nil {
            guard i < arguments.count else { throw PaholeUsageError("option '--\(name)' requires an argument") }
            value = arguments[i]
            i += 1
          }
        case .optional: break
        }
        try apply(option, display: "--\(name)", value: value, to: &inv)
      } else if a.hasPrefix("-") && a.count > 1 {
        var rest = Substring(a.dropFirst())
        while let c = rest.first {
          rest = rest.dropFirst()
          guard let option = options.first(where: { $0.short == c }) else {
            throw PaholeUsageError("unknown pahole option '-\(c)'")
          }
          var value: String? = nil
          switch option.argument {
          case .none: break
          case .optional:
            if !rest.isEmpty { value = String(rest) }
            rest = ""
          case .required:
            if !rest.isEmpty {
              value = String(rest)
            } else {
              guard i < arguments.count else { throw PaholeUsageError("option '-\(c)' requires an argument") }
              value = arguments[i]
              i += 1
            }
            rest = ""
          }
          try apply(option, display: "-\(c)", value: value, to: &inv)
        }
      } else {
        positional.append(a)
      }
    }
    if positional.count > 1 {
      throw PaholeUsageError("one input file at a time (got \(positional.count): \(positional.joined(separator: " ")))")
    }
    inv.file = positional.first
    try checkAlwaysOn(inv.features)
    let printing = inv.printVersion || inv.printNumericVersion || inv.printFeatures || inv.printHelp
    if !printing {
      guard inv.file != nil else { throw PaholeUsageError("missing input FILE") }
      guard inv.encodeInPlace || inv.detachedOutput != nil else {
        throw PaholeUsageError("rustbtf only encodes BTF: give -J (into FILE's .BTF section) or --btf_encode_detached OUT")
      }
    }
    return inv
  }

  private static func apply(_ option: Option, display: String, value: String?, to inv: inout PaholeInvocation) throws(PaholeUsageError) {
    if case .refused(let why) = option.handling {
      throw PaholeUsageError("pahole option '\(display)' is not supported: \(why)")
    }
    switch option.long {
    case "version": inv.printVersion = true
    case "numeric_version": inv.printNumericVersion = true
    case "supported_btf_features": inv.printFeatures = true
    case "help", "usage": inv.printHelp = true
    case "btf_encode": inv.encodeInPlace = true
    case "btf_encode_detached": inv.detachedOutput = value
    case "btf_base": inv.base = value
    case "lang_exclude": inv.languageExclude = value
    case "verbose": inv.verbose = true
    case "skip_encoding_btf_vars": inv.features.set("var", false)
    case "jobs":
      if let value {
        guard let n = Int(value), n >= 0 else { throw PaholeUsageError("option '\(display)' takes a number of jobs, not '\(value)'") }
        inv.jobs = n
      } else {
        inv.jobs = 0
      }
    case "btf_features", "btf_features_strict":
      inv.notes += try applyFeatureList(
        value ?? "", strict: option.long == "btf_features_strict", display: display,
        to: &inv.features)
    // The older spellings set the same switches as the features.
    case "btf_gen_floats": inv.features.set("float", true)
    case "btf_encode_force": inv.features.set("encode_force", true)
    case "skip_encoding_btf_decl_tag": inv.features.set("decl_tag", false)
    case "btf_gen_optimized": inv.features.set("optimized_func", true)
    case "skip_encoding_btf_inconsistent_proto": inv.features.set("consistent_func", true)
    case "reproducible_build": inv.features.set("reproducible_build", true)
    case "btf_attributes": inv.features.set("attributes", true)
    case "btf_gen_all": _ = try applyFeatureList("default", strict: false, display: display, to: &inv.features)
    default: break // accepted
    }
  }

  /// The option and feature tables as Markdown (`rustbtf --pahole-flags`; README's table).
  public static func markdownTable() -> String {
    func text(_ h: Handling) -> (String, String) {
      switch h {
      case .honoured(let s): return ("honoured", s)
      case .accepted(let s): return ("accepted", s)
      case .refused(let s): return ("refused", s)
      }
    }
    var out = "| pahole option | rustbtf | what it does |\n|---|---|---|\n"
    for o in options {
      let spell = o.spellings.map { "`\($0)`" }
      let (what, why) = text(o.handling)
      out += "| \(spell.joined(separator: ", ")) | \(what) | \(why) |\n"
    }
    out += "\n| `--btf_features` feature | pahole | in pahole's default | rustbtf | what it does |\n|---|---|---|---|---|\n"
    for f in features {
      let (what, why) = text(f.handling)
      out += "| `\(f.name)` | \(f.since) | \(f.inDefault ? "yes" : "no") | \(what) | \(why) |\n"
    }
    return out
  }
}
