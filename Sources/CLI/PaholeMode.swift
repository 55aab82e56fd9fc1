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
    if inv.printVersion || inv.printNumericVersion || inv.printFeatures {
      if inv.printVersion { print(PaholeCommandLine.version) }
      if inv.printNumericVersion { print(PaholeCommandLine.numericVersion) }
      if inv.printFeatures {
        for f in PaholeCommandLine.features {
          if case .refused = f.handling { continue }
          print(f.name)
        }
      }
      return 0
    }
    let quiet = arguments.contains("-q") || arguments.contains("--quiet")
    guard let file = inv.file else { return 64 }
    var importOptions = DWARFImportOptions()
    importOptions.threads = inv.jobs ?? 1  // pahole: one thread unless -j
    if let spec = inv.languageExclude {
      guard var languages = DWARFImportOptions.languages(named: spec) else {
        standardError("rustbtf: --lang_exclude: unknown language in '\(spec)' (known: rust, c, c89, c99, c11, c17, c++, or a DW_LANG number)")
        return ExitCode.validationFailure.rawValue
      }
      if keepRust && languages.contains(0x1c) {
        languages.removeAll { $0 == 0x1c }
        if !quiet { standardError("rustbtf: keeping Rust compile units despite --lang_exclude=\(spec) (\(keepRustVariable)=1)") }
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
      let base = try inv.base.map { try BaseBTF.read(path: $0) }
      var conversion = Conversion(pipeline: pipeline, instrumentation: [ReleaseFreedMemory()], importOptions: importOptions, base: base)
      conversion.baseName = inv.base
      let result = try conversion.run(path: file)
      if let out = inv.detachedOutput {
        try writeAtomically(result.btf, to: out, input: file)
      } else {
        try writeBTFSection(result.btf, intoELF: file)
      }
      if !quiet { for d in result.diagnostics { standardError("rustbtf: warning: \(d)") } }
      if inv.verbose { standardError("rustbtf: \(file) -> \(inv.detachedOutput ?? file + " .BTF"): \(result.summary.line)") }
      return 0
    } catch {
      standardError("rustbtf: \(error)")
      return Exit.failure
    }
  }

  static var keepRust: Bool {
    guard let v = getenv(keepRustVariable) else { return false }
    let s = String(cString: v)
    return !s.isEmpty && s != "0"
  }

}

struct PaholeFlags: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pahole-flags",
    abstract: "List every option and BTF feature of pahole 1.31 and what rustbtf does with it (Markdown).")

  func run() throws { print(PaholeCommandLine.markdownTable(), terminator: "") }
}
