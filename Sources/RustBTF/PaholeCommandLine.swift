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
  /// The ELF file.
  public var file: String?

  public init() {}
}

/// pahole's BTF feature switches that change what rustbtf writes. Features rustbtf always
/// honours (FLOAT, ENUM64, TYPE_TAG kinds, consistent prototypes, reproducible output, forced
/// encoding) have no switch: their omission is refused instead (see `PaholeCommandLine`).
public struct PaholeFeatures: Equatable, Sendable {
  /// `var`: per-CPU VARs in a `.data..percpu` DATASEC (pahole writes them unless
  /// `--skip_encoding_btf_vars`).
  public var variables = true
  public init() {}
}

public struct PaholeUsageError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ d: String) { description = d }
}

public enum PaholeCommandLine {
  /// The pahole version rustbtf reports: the highest whose kernel contract rustbtf honours in
  /// full (see README, "Which pahole version rustbtf stands in for"). Linux 6.12 gives v1.24 the
  /// flags `-J --btf_gen_floats -j --lang_exclude=rust` (and `--btf_base vmlinux` per module);
  /// v1.25 adds `--btf_gen_optimized`, which rustbtf refuses.
  public static let version = "v1.24"
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
      o("btf_base", nil, .required, .honoured("split BTF on top of FILE's .BTF (an ELF file such as vmlinux, or raw BTF): ids and string offsets continue the base's, types the base has are referred to, not repeated")),
      o("jobs", "j", .optional, .honoured("reads the DWARF's compile units on N threads (every CPU without N; one thread without -j); the output is byte-identical for every N")),
      o("btf_encode", "J", .none, .honoured("puts the BTF into FILE's .BTF section, in place and atomically (a failure leaves FILE as it was)")),
      o("btf_encode_detached", nil, .required, .honoured("writes raw BTF to this file, atomically; the ELF is not touched")),
      o("skip_encoding_btf_vars", nil, .none, .honoured("no VARs and no DATASEC (feature var off)")),
      o("btf_encode_force", nil, .none, .honoured("always on: a function or variable that cannot be encoded is left out with a reason, never the whole BTF")),
      o("btf_gen_floats", nil, .none, .honoured("always on: floating-point types are FLOAT")),
      o("btf_gen_all", nil, .none, .refused("asks for every feature, including optimized_func and decl_tag_kfuncs, which rustbtf does not implement")),
      o("numeric_version", nil, .none, .honoured("prints \(numericVersion)")),
      o("skip_encoding_btf_decl_tag", nil, .none, .honoured("no DECL_TAGs (rustbtf writes them only with --tag-original-names)")),
      o("skip_encoding_btf_type_tag", nil, .none, .refused("TYPE_TAGs (__user, __rcu, __percpu) are always written; BTF without them is for kernels before 5.17")),
      o("lang_exclude", nil, .required, .honoured("skips the compile units of these languages; RUSTBTF_KEEP_RUST=1 in the environment keeps Rust units anyway (README: keeping Rust types in a kernel build)")),
      o("skip_encoding_btf_enum64", nil, .none, .refused("64-bit enums are always ENUM64; BTF without it is for kernels before 6.0")),
      o("btf_gen_optimized", nil, .none, .refused("FUNCs for functions the compiler optimized into clones (.isra, .constprop) are not written: their DWARF prototypes may not match how they are called")),
      o("skip_encoding_btf_inconsistent_proto", nil, .none, .honoured("always on: a name whose functions have different prototypes gets no FUNC")),
      o("btf_features", nil, .required, .honoured("see the feature table")),
      o("supported_btf_features", nil, .none, .honoured("prints the features rustbtf honours")),
      o("btf_features_strict", nil, .required, .honoured("as --btf_features (unknown features are always refused)")),
      o("reproducible_build", nil, .none, .honoured("always on: the same input gives byte-identical BTF")),
      o("running_kernel_vmlinux", nil, .none, .refused("looks up the running kernel's vmlinux to pretty-print it")),
      o("btf_attributes", nil, .none, .refused("feature attributes is not implemented")),
      o("version", nil, .none, .honoured("prints \(version), the pahole version rustbtf stands in for")),
    ]
    return out
  }()

  /// pahole 1.31's BTF features and what rustbtf does with each (`--btf_features=LIST`).
  public static let features: [(name: String, inDefault: Bool, handling: Handling)] = [
    ("encode_force", true, .honoured("always on (see --btf_encode_force)")),
    ("var", true, .honoured("per-CPU VARs in a .data..percpu DATASEC; without it, none")),
    ("float", true, .honoured("always on: FLOAT kind")),
    ("decl_tag", true, .honoured("DECL_TAG kind allowed (written with --tag-original-names)")),
    ("type_tag", true, .honoured("always on: TYPE_TAG kind")),
    ("enum64", true, .honoured("always on: ENUM64 kind")),
    ("optimized_func", true, .refused("FUNCs of functions the compiler optimized into clones (.isra, .constprop) are not written: their DWARF prototypes may not match how they are called")),
    ("consistent_func", true, .honoured("always on: a name whose functions have different prototypes gets no FUNC")),
    ("decl_tag_kfuncs", true, .refused("bpf_kfunc DECL_TAGs from the kernel's .BTF_ids kfunc sets are not implemented")),
    ("reproducible_build", false, .honoured("always on: output is byte-identical for the same input")),
    ("distilled_base", false, .refused("distilled base BTF (for out-of-tree modules built against another vmlinux) is not implemented; build the module against the vmlinux it will run with")),
    ("global_var", false, .refused("VARs of global variables in .data/.bss DATASECs are not implemented (per-CPU variables are, with var)")),
    ("attributes", false, .refused("attribute DECL_TAG/TYPE_TAG kinds (kind_flag 1, Linux 6.14) are not implemented")),
  ]

  /// Features that rustbtf cannot turn off: a `--btf_features` list that leaves one out asks
  /// for BTF for an older kernel, which is refused.
  static let alwaysOn: [(String, String)] = [
    ("float", "FLOAT (Linux 5.13)"), ("type_tag", "TYPE_TAG (Linux 5.17)"), ("enum64", "ENUM64 (Linux 6.0)"),
  ]

  /// Options rustbtf's own command line has too (same meaning): they alone do not make a
  /// command line pahole's.
  static let shared: Set<String> = ["btf_encode_detached", "lang_exclude", "quiet", "q", "jobs", "btf_base"]

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
    let printing = inv.printVersion || inv.printNumericVersion || inv.printFeatures
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
    case "btf_encode": inv.encodeInPlace = true
    case "btf_encode_detached": inv.detachedOutput = value
    case "btf_base": inv.base = value
    case "lang_exclude": inv.languageExclude = value
    case "verbose": inv.verbose = true
    case "skip_encoding_btf_vars": inv.features.variables = false
    case "jobs":
      if let value {
        guard let n = Int(value), n >= 0 else { throw PaholeUsageError("option '\(display)' takes a number of jobs, not '\(value)'") }
        inv.jobs = n
      } else {
        inv.jobs = 0
      }
    case "btf_features", "btf_features_strict":
      inv.features = try parseFeatures(value ?? "", display: display)
    default: break  // honoured by always being on, or accepted
    }
  }

  /// `--btf_features=LIST`: pahole's rules (`default`, `+extra` = default plus extra, a plain
  /// list = exactly those), with every feature rustbtf does not implement refused by name, and
  /// unknown names refused too (pahole ignores them unless strict; silently dropping a request
  /// is what rustbtf never does).
  static func parseFeatures(_ list: String, display: String) throws(PaholeUsageError) -> PaholeFeatures {
    var names: [String] = []
    var text = Substring(list)
    var withDefault = false
    if text.hasPrefix("+") {
      withDefault = true
      text = text.dropFirst()
    }
    for part in text.split(separator: ",") {
      let name = String(part)
      if name == "default" { withDefault = true; continue }
      guard let feature = features.first(where: { $0.name == name }) else {
        let known = features.map(\.name).joined(separator: ", ")
        throw PaholeUsageError("\(display): unknown BTF feature '\(name)' (pahole 1.31's features: \(known))")
      }
      if case .refused(let why) = feature.handling {
        throw PaholeUsageError("\(display): BTF feature '\(name)' is not supported: \(why)")
      }
      names.append(name)
    }
    if withDefault {
      for f in features where f.inDefault {
        if case .refused(let why) = f.handling {
          throw PaholeUsageError("\(display): BTF feature '\(f.name)' (in pahole's default set) is not supported: \(why)")
        }
        names.append(f.name)
      }
    }
    for (name, kind) in alwaysOn where !names.contains(name) {
      throw PaholeUsageError("\(display): the list leaves out '\(name)', but rustbtf always writes \(kind) kinds (BTF for older kernels is not supported)")
    }
    var out = PaholeFeatures()
    out.variables = names.contains("var")
    return out
  }

  /// The select-symbols parameters that give `features`.
  public static func pipelineText(for features: PaholeFeatures) -> String {
    features.variables ? "all" : StandardPasses.all().passes.map { p in
      p.name == SelectSymbols.name ? "\(p.name)<variables=none>" : p.name
    }.joined(separator: ",")
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
      var spell: [String] = []
      if let s = o.short { spell.append("`-\(s)`") }
      if let l = o.long {
        switch o.argument {
        case .none: spell.append("`--\(l)`")
        case .required: spell.append("`--\(l)=X`")
        case .optional: spell.append("`--\(l)[=N]`")
        }
      }
      let (what, why) = text(o.handling)
      out += "| \(spell.joined(separator: ", ")) | \(what) | \(why) |\n"
    }
    out += "\n| `--btf_features` feature | in pahole's default | rustbtf | what it does |\n|---|---|---|---|\n"
    for f in features {
      let (what, why) = text(f.handling)
      out += "| `\(f.name)` | \(f.inDefault ? "yes" : "no") | \(what) | \(why) |\n"
    }
    return out
  }
}
