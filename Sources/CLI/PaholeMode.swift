import ArgumentParser
import RustBTF
import TypeGraph

#if canImport(Glibc)
  import Glibc
#endif

/// `rustbtf -J …`: rustbtf called with pahole's command line, as a kernel build calls
/// `$(PAHOLE)`. Prints nothing on success but warnings (none with -q; a summary line with -V);
/// errors are one line on standard error, exit 1 (64 for a usage error), and FILE is left as it
/// was.
enum PaholeMode {
  /// The environment variable that keeps Rust compile units despite `--lang_exclude=rust`, for
  /// kernel builds (`make PAHOLE=rustbtf RUSTBTF_KEEP_RUST=1`), whose Makefiles always pass it.
  static let keepRustVariable = "RUSTBTF_KEEP_RUST"

  static func run(_ arguments: [String]) -> Int32 {
    let inv: PaholeInvocation
    do { inv = try PaholeCommandLine.parse(arguments) } catch {
      standardError("rustbtf: \(error) (rustbtf pahole-flags lists pahole's options)")
      return ExitCode.validationFailure.rawValue
    }
    if inv.printHelp {
      print(help, terminator: "")
      return 0
    }
    if inv.printVersion || inv.printNumericVersion || inv.printFeatures {
      if inv.printVersion { print(PaholeCommandLine.version) }
      if inv.printNumericVersion { print(PaholeCommandLine.numericVersion) }
      if inv.printFeatures { print(PaholeCommandLine.supportedFeaturesLine) }
      return 0
    }
    let quiet = arguments.contains("-q") || arguments.contains("--quiet")
    guard let file = inv.file else { return 64 }
    // pahole says these only with -V.
    if inv.verbose { for note in inv.notes { standardError("rustbtf: \(note)") } }
    let keepRust: Bool
    let dedupAtImport: Bool
    do { (keepRust, dedupAtImport) = (try keepRustSetting(), try dedupAtImportSetting()) } catch {
      standardError("rustbtf: \(error)")
      return ExitCode.validationFailure.rawValue
    }
    var importOptions = DWARFImportOptions()
    importOptions.threads = inv.jobs ?? 1 // pahole: one thread unless -j
    importOptions.keepsCopyOrigins = false // no reports in pahole's command line
    if let spec = inv.languageExclude {
      guard var languages = DWARFImportOptions.languages(named: spec) else {
        standardError(
          "rustbtf: --lang_exclude: unknown language in '\(spec)' (known: rust, c, c89, c99, c11, c17, c++, or a DW_LANG number)")
        return ExitCode.validationFailure.rawValue
      }
      if keepRust && languages.contains(0x1c) {
        languages.removeAll { $0 == 0x1c }
        if !quiet {
          standardError("rustbtf: keeping Rust compile units despite --lang_exclude=\(spec) (\(keepRustVariable)=\(keepRustValue ?? ""))")
        }
      }
      importOptions.excludeLanguages = languages
    }
    do {
      let pipeline = try PassPipeline(
        parsing: PaholeCommandLine.pipelineText(for: inv.features), registry: StandardPasses.registry)
      // A bad output is found before the conversion, not after it.
      if let out = inv.detachedOutput {
        _ = try OutputTarget.check(out, input: file)
      } else if case .special = try OutputTarget.check(file, input: nil) {
        throw ConversionError("\(file): -J rewrites a regular ELF file in place; this is not a regular file")
      }
      try PaholeOutput.check(features: inv.features, hasBase: inv.base != nil, detached: inv.detachedOutput != nil, inputName: file)
      let base = try inv.base.map { try BaseBTF.read(path: try LibraryPath.of($0)) }
      var conversion = Conversion(pipeline: pipeline, instrumentation: [ReleaseFreedMemory()], importOptions: importOptions, base: base)
      conversion.baseName = inv.base
      conversion.dedupAtImport = dedupAtImport
      let result = try conversion.run(path: try LibraryPath.of(file))
      // distilled_base (.BTF.base) and layout change what is written (PaholeOutput).
      if let out = inv.detachedOutput {
        try writeAtomically(
          PaholeOutput.detached(btf: result.btf, base: base, features: inv.features, inputName: file), to: out, input: file)
      } else {
        try writeBTFSections(PaholeOutput.sections(btf: result.btf, base: base, features: inv.features, inputName: file), intoELF: file)
      }
      if !quiet { for d in result.diagnostics { standardError("rustbtf: warning: \(d)") } }
      if inv.verbose {
        // Whether dedup at import ran (RUSTBTF_DEDUP_AT_IMPORT): the summary line is the same either way.
        let copies = result.graph.decisions.copiesMergedAtImport.count
        let atImport = copies > 0 ? "; dedup at import: \(copies) of the merges made as the types were read" : ""
        standardError("rustbtf: \(file) -> \(inv.detachedOutput ?? file + " .BTF"): \(result.summary.line)\(atImport)")
      }
      return 0
    } catch {
      standardError("rustbtf: \(error)")
      return Exit.failure
    }
  }

  /// `RUSTBTF_KEEP_RUST` as set in the environment; nil when it is not.
  static var keepRustValue: String? { getenv(keepRustVariable).map { String(cString: $0) } }

  /// Whether `RUSTBTF_KEEP_RUST` asks to keep Rust: 1, true, yes (any case) do; unset, empty,
  /// 0, false, no do not; anything else is refused by name (a typo like `=no` or `=2` must not
  /// keep Rust quietly, nor drop it quietly).
  static func keepRustSetting() throws -> Bool {
    try yesNo(keepRustVariable, keepRustValue, to: "keep Rust compile units")
  }

  /// `RUSTBTF_DEDUP_AT_IMPORT`: `--dedup-at-import` (issue 19) in a kernel build, whose command
  /// line is pahole's. On when unset or empty; 0, false or no is `--no-dedup-at-import`, the
  /// reference path; read as `RUSTBTF_KEEP_RUST` is otherwise.
  static let dedupAtImportVariable = "RUSTBTF_DEDUP_AT_IMPORT"

  static func dedupAtImportSetting() throws -> Bool {
    try yesNo(
      dedupAtImportVariable, getenv(dedupAtImportVariable).map { String(cString: $0) }, to: "merge equal types as they are read",
      unset: true)
  }

  /// A yes/no environment variable: 1, true, yes (any case) are yes; 0, false, no are no; unset
  /// or empty is `unset`; anything else is refused by name.
  static func yesNo(_ variable: String, _ value: String?, to what: String, unset: Bool = false) throws -> Bool {
    guard let value, !value.isEmpty else { return unset }
    switch value.lowercased() {
    case "1", "true", "yes": return true
    case "0", "false", "no": return false
    default:
      throw ConversionError(
        """
        \(variable)='\(value)' is not a yes/no value: give 1, true or yes to \(what), 0, false or no not to (unset: \
        \(unset ? "yes" : "no"))
        """
      )
    }
  }

  /// `-J --help` (`-?`, `--usage`): pahole's options rustbtf honours, from the one table.
  static var help: String {
    var out = """
      Usage: rustbtf -J [OPTION...] FILE
             rustbtf --btf_encode_detached OUT [OPTION...] FILE
      pahole's command line, as kernel builds call it (make PAHOLE=rustbtf): FILE's DWARF as BTF,
      into FILE's .BTF section (-J) or a raw BTF file. The pahole options rustbtf honours:

      """
    for o in PaholeCommandLine.options {
      guard case .honoured(let what) = o.handling else { continue }
      let spell = o.spellings
      out += "  \(spell.joined(separator: ", "))\n      \(what)\n"
    }
    out += """

      \(keepRustVariable)=1 in the environment keeps Rust compile units despite --lang_exclude=rust.
      \(dedupAtImportVariable)=0 imports every copy of every type, as rustbtf --no-dedup-at-import does
      (the reference: the same BTF, more time and memory).
      Every other pahole option is refused by name (exit 64): `rustbtf pahole-flags` lists
      them all, and the BTF features, with what rustbtf does with each. `rustbtf --help`
      shows rustbtf's own command line.

      """
    return out
  }

}

struct PaholeFlags: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pahole-flags",
    abstract: "List every option and BTF feature of pahole 1.31 and what rustbtf does with it (Markdown).")

  func run() throws { print(PaholeCommandLine.markdownTable(), terminator: "") }
}
