import ArgumentParser
import Encode
import Reports
import RustBTF
import Sanitize
import TypeGraph
import Verify

#if canImport(Glibc)
  import Glibc
#endif

/// Exit codes (README "Exit codes" lists the same).
enum Exit {
  /// Bad input, I/O error, or a conversion that would give invalid BTF (nothing written).
  static let failure: Int32 = 1
  /// `verify`: the BTF is invalid, or the kernel rejected it.
  static let invalid: Int32 = 2
  /// `verify --kernel`: the kernel refused to load it for lack of privilege.
  static let notPermitted: Int32 = 3
}

struct RustBTFCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rustbtf",
    abstract: "Turn the DWARF of an ELF file holding Rust and C code into BTF the Linux kernel accepts.",
    discussion: """
      `rustbtf FILE -o OUT.btf` runs the default subcommand, convert; `rustbtf convert --help` \
      lists its options (--passes, --explain-pruned, --stats, --tag-original-names, --lang_exclude…).

      pahole's command line works too, as kernel builds call it (`make PAHOLE=rustbtf`): \
      `rustbtf -J [--btf_base vmlinux] [-j] [--btf_features=…] [--lang_exclude=rust] FILE`, \
      `rustbtf --version` (the pahole version it stands in for; `rustbtf --rustbtf-version` gives \
      rustbtf's own version, commit and build date). `rustbtf pahole-flags` lists \
      every pahole option and what rustbtf does with it; RUSTBTF_KEEP_RUST=1 in the environment \
      keeps Rust compile units despite --lang_exclude=rust.

      Exit codes: 0 success; 1 bad input or conversion error (no output written); 2 verify: \
      the BTF is invalid or the kernel rejected it; 3 verify --kernel: not permitted to load \
      BTF (needs root or CAP_BPF); 64 usage error.
      """,
    subcommands: [Convert.self, Dump.self, Verify.self, PaholeFlags.self],
    defaultSubcommand: Convert.self)
}

func fail(_ message: String, code: Int32 = Exit.failure) -> ExitCode {
  standardError("rustbtf: \(message)")
  return ExitCode(code)
}

/// Writes `text` to standard output, whole (explanations can be tens of megabytes); errors are
/// `StandardOutput.check()`'s.
func standardOutput(_ text: String) {
  var text = text
  text.withUTF8 { StandardOutput.write(UnsafeRawBufferPointer($0)) }
}

enum ExplainFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// Writes `line` to standard error, names that are not UTF-8 shown as `\xNN` (`FileName`).
func standardError(_ line: String) {
  var text = FileName.display(LibraryPath.named(line)) + "\n"
  text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

struct Convert: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Encode FILE's DWARF as BTF (the default subcommand: `rustbtf FILE` is `rustbtf convert FILE`).")

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Pipeline to run: 'all' or a comma-separated list such as 'demote-unrepresentable,sanitize-names<max-length=128>'.",
      valueName: "pipeline"))
  var passes: String = "all"

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp(
      "Output file (default: FILE's base name with .btf, in the current directory); - is standard output.", valueName: "out.btf"))
  var output: String?

  @Option(
    name: .customLong("btf_encode_detached"),
    help: ArgumentHelp("pahole's spelling of --output (- is a file named -, as in pahole).", valueName: "out.btf"))
  var btfEncodeDetached: String?

  @Flag(help: "List the registered passes and exit.")
  var listPasses = false

  @Flag(help: "Print the pipeline in canonical form and exit.")
  var printPipeline = false

  @Flag(help: "Check the graph invariants after every pass.")
  var verifyEach = false

  @Flag(help: "Print each pass's time and the graph size after it to standard error.")
  var timePasses = false

  @Flag(name: .shortAndLong, help: "No summary line.")
  var quiet = false

  @Flag(
    help:
      """
      Print to standard output why each type, member or function was demoted, renamed, pruned, made opaque or rewritten, with the chain \
      of causes (merges are counted; see --explain-merges).
      """
  )
  var explainPruned = false

  @Option(
    name: .customLong("explain"),
    help: ArgumentHelp(
      "Explain the type, function or variable of this original name (simple or path-qualified), kept or not, with its merges; repeatable.",
      valueName: "name"))
  var explainNames: [String] = []

  @Flag(help: "With --explain-pruned: also list merges (per kept node in text, one entry per merged node in JSON).")
  var explainMerges = false

  @Flag(
    help:
      """
      Print to standard output the retention report: how many of the input's named Rust struct, union and enum types reach the BTF with \
      all their members, with opaque placeholders, or pruned (with reasons), and how many Rust functions are FUNCs.
      """
  )
  var stats = false

  @Option(help: ArgumentHelp("Format of the explanation or the --stats report: text or json.", valueName: "format"))
  var format: ExplainFormat = .text

  @Flag(
    name: .customLong("tag-original-names"),
    help:
      """
      Keep the original name of every renamed type, function, variable, member and parameter in the BTF as a DECL_TAG (sets \
      sanitize-names<tag-original-names>).
      """
  )
  var tagOriginalNames = false

  @Option(
    name: .customLong("lang_exclude"),
    help: ArgumentHelp(
      """
      Skip the compile units of these languages, as pahole's --lang_exclude (comma-separated: rust, c, c89, c99, c11, c17, c++, or \
      DW_LANG numbers).
      """,
      valueName: "languages"))
  var langExclude: String?

  // No -j: a command line with -j is pahole's (whose -j takes no separate number).
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Threads that read the DWARF's compile units; 0 (the default) uses every CPU. The BTF is byte-identical for every N.", valueName: "N")
  )
  var jobs = 0

  @Option(
    name: .customLong("btf_base"),
    help: ArgumentHelp(
      "Write split BTF on top of this base (raw BTF, or an ELF file's .BTF, such as vmlinux), as pahole's --btf_base does for a module.",
      valueName: "vmlinux"))
  var btfBase: String?

  @Flag(
    name: .customLong("allow-incomplete-dwarf"),
    help:
      """
      Convert what can be read of DWARF that cannot be read completely (truncated or corrupt sections), with a warning counting what was \
      lost, instead of failing.
      """
  )
  var allowIncompleteDWARF = false

  @Flag(
    name: .customLong("dedup-at-import"),
    inversion: .prefixedNo,
    help:
      """
      Merge equal types of each range of compile units as they are read, so the passes see fewer copies (the default). The BTF is \
      the same, and so are --explain-pruned, --explain and --stats; --no-dedup-at-import imports every copy (the reference).
      """
  )
  var dedupAtImport = true

  @Argument(help: "ELF file with DWARF (executable, shared object, relocatable object or vmlinux).")
  var file: String?

  func validate() throws {
    if output != nil && btfEncodeDetached != nil {
      throw ValidationError("--output and --btf_encode_detached name the same thing; give one")
    }
    if jobs < 0 { throw ValidationError("--jobs takes a number of threads (0: every CPU), not \(jobs)") }
    if file == nil && !listPasses && !printPipeline {
      throw ValidationError("missing input FILE")
    }
    let explaining = explainPruned || !explainNames.isEmpty
    if explainMerges && !explaining {
      throw ValidationError("--explain-merges needs --explain-pruned or --explain NAME")
    }
    if format != .text && !explaining && !stats {
      throw ValidationError("--format applies to --explain-pruned, --explain NAME and --stats")
    }
    if format == .json && explaining && stats {
      throw ValidationError("--format json gives one document: ask for --stats or an explanation, not both")
    }
    if output == Self.standardOutputName && (explaining || stats) {
      throw ValidationError(
        "-o - writes the BTF to standard output, where --explain-pruned, --explain and --stats print too: write the BTF to a file")
    }
  }

  func run() throws {
    let registry = StandardPasses.registry
    if listPasses {
      print(registry.listing, terminator: "")
      return
    }
    var pipeline: PassPipeline
    do { pipeline = try PassPipeline(parsing: passes, registry: registry) } catch {
      throw ValidationError("--passes: \(error)")
    }
    if tagOriginalNames { pipeline.configure(SanitizeNames.self) { $0.tagOriginalNames = true } }
    // What --print-pipeline prints is a pipeline a conversion accepts.
    do { try Conversion.check(pipeline) } catch { throw ValidationError("--passes: \(error)") }
    if printPipeline {
      print(pipeline.text)
      return
    }
    guard let file else { return }
    var instrumentation: [any PassInstrumentation] = [ReleaseFreedMemory()]
    if verifyEach { instrumentation.append(VerifyEachPass()) }
    if timePasses { instrumentation.append(TimePasses()) }
    let out = output ?? btfEncodeDetached ?? defaultOutput(for: file)
    // `-o -` only: pahole's --btf_encode_detached writes a file named `-`.
    let toStandardOutput = output == Self.standardOutputName
    let result: Conversion.Result
    let explaining = explainPruned || !explainNames.isEmpty
    var unmatchedQuery = false
    var importOptions = DWARFImportOptions()
    importOptions.allowIncomplete = allowIncompleteDWARF
    importOptions.threads = jobs
    // Only the reports name the copies dedup at import merged.
    importOptions.keepsCopyOrigins = explaining || stats
    if let langExclude {
      guard let languages = DWARFImportOptions.languages(named: langExclude) else {
        throw ValidationError(
          "--lang_exclude: unknown language in '\(langExclude)' (known: rust, c, c89, c99, c11, c17, c++, or a DW_LANG number)")
      }
      importOptions.excludeLanguages = languages
    }
    do {
      // A bad output is found before the conversion, not after it.
      if !toStandardOutput { _ = try OutputTarget.check(out, input: file) }
      var conversion = Conversion(
        pipeline: pipeline, instrumentation: instrumentation, importOptions: importOptions,
        retentionReport: stats, base: try btfBase.map { try BaseBTF.read(path: try LibraryPath.of($0)) })
      conversion.baseName = btfBase
      conversion.dedupAtImport = dedupAtImport
      let display = Progress.reporter(quiet: quiet)
      let phases = timePasses ? PhaseTimes(threads: importOptions.threadCount) : nil
      conversion.progress = phases.map { $0.observing(display) } ?? display
      defer { if display != nil { Progress.clear() } }
      result = try conversion.run(path: try LibraryPath.of(file))
      phases?.finished()
      if toStandardOutput {
        result.btf.withUnsafeBytes { StandardOutput.write($0) }
        StandardOutput.check()
      } else {
        try writeAtomically(result.btf, to: out, input: file)
      }
    } catch {
      throw fail("\(error)")
    }
    for d in result.diagnostics { standardError("rustbtf: warning: \(d)") }
    if explaining {
      let explanation = Explanation(graph: result.graph, importedScopes: result.importedScopes)
      let filter = ExplainFilter(names: explainNames, includeMerges: explainMerges)
      standardOutput(format == .json ? explanation.json(filter: filter) : explanation.text(filter: filter))
      if !explainNames.isEmpty {
        let found = explanation.entries(filter: filter)
        for q in explainNames where !found.contains(where: { Explanation.entry($0, answers: q) }) {
          standardError("rustbtf: --explain: \(explanation.notFoundLine(q))")
          unmatchedQuery = true
        }
      }
    }
    if let retention = result.retention {
      let name = FileName.display(file)
      standardOutput(format == .json ? retention.json(inputName: name) : retention.text(inputName: name))
    }
    if !quiet { standardError("rustbtf: \(file) -> \(toStandardOutput ? "standard output" : out): \(result.summary.line)") }
    // The BTF is written; a name that matched nothing still makes the run fail, so scripts
    // asking about a type notice a typo.
    if unmatchedQuery { throw ExitCode(Exit.failure) }
  }

  /// `-o -`: the BTF goes to standard output.
  static let standardOutputName = "-"

  private func defaultOutput(for file: String) -> String {
    let base = file.split(separator: "/").last.map(String.init) ?? file
    return base + ".btf"
  }
}

struct Dump: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a BTF file in bpftool's raw format (`bpftool btf dump file F format raw`).")

  @Option(
    name: [.customShort("B"), .long],
    help: ArgumentHelp(
      "FILE is split BTF on top of this base (raw BTF, or an ELF file's .BTF, such as vmlinux); as bpftool's -B.", valueName: "base"))
  var base: String?

  @Argument(help: "A raw BTF file, or an ELF file whose .BTF section is read.")
  var file: String

  func run() throws {
    let input: BTFInput
    do { input = try readBTF(file, base: base) } catch { throw fail("\(error)") }
    if let problem = input.splitHeaderProblem { throw fail("\(file): split BTF the kernel refuses: \(problem.message)") }
    do {
      let graph = try BTFDecoder.decode(input.bytes)
      // With a base, the split's own types, as bpftool -B prints them.
      var text = graph.dump()
      if let firstID = input.firstSplitID {
        let marker = "[\(firstID)] "
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        text = lines.firstIndex { $0.hasPrefix(marker) }.map { lines[$0...].joined(separator: "\n") } ?? ""
      }
      print(text, terminator: "")
    } catch {
      throw fail("\(file): \(error)")
    }
  }
}

struct Verify: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a BTF file against the kernel's BPF_BTF_LOAD rules, offline; with --kernel also load it into the running kernel.")

  @Flag(help: "Also load the BTF with BPF_BTF_LOAD (needs root or CAP_BPF) and show the kernel's log on rejection.")
  var kernel = false

  @Flag(help: "Check as the kernel checks vmlinux BTF at boot (no resolve pass) instead of as BPF_BTF_LOAD.")
  var embedded = false

  @Option(
    name: [.customShort("B"), .long],
    help: ArgumentHelp(
      """
      FILE is split BTF on top of this base (raw BTF, or an ELF file's .BTF, such as vmlinux): it is checked, and loaded, in the base's \
      type and string space, as the kernel checks a module's BTF.
      """,
      valueName: "base"))
  var base: String?

  @Option(
    help: ArgumentHelp(
      """
      The kernel's type-count limit to check against: a number, or 'none' (only the 16 MiB size limit). Default: BTF_MAX_TYPE (1048575), \
      or with --kernel the running kernel's: a kernel that accepts more types is checked without the limit.
      """,
      valueName: "n|none"))
  var maxTypes: String?

  @Argument(help: "A raw BTF file, or an ELF file whose .BTF section is read.")
  var file: String

  func run() throws {
    let input: BTFInput
    do { input = try readBTF(file, base: base) } catch { throw fail("\(error)") }
    let bytes = input.bytes
    let mode: ValidationMode = embedded ? .embedded : .load
    var limits = KernelLimits.uapi
    if let maxTypes {
      guard let l = KernelLimits(maxTypesText: maxTypes) else {
        throw fail("--max-types: '\(maxTypes)' is neither a number nor 'none'", code: 64)
      }
      limits = l
    }
    // The validator follows the kernel it is asked about: one that loads a blob over
    // BTF_MAX_TYPE has no such limit (KernelLimits).
    let loaded = kernel ? KernelBTF.load(bytes) : nil
    if maxTypes == nil, case .accepted = loaded,
      BTFValidator.validate(bytes, mode: mode, limits: limits).first?.message == "Exceeded max num of types"
    {
      limits = .sizeOnly
      print(
        """
        \(file): the running kernel takes more than \(KernelLimits.btfMaxType) types (BTF_MAX_TYPE); checked without that limit, which \
        older kernels enforce
        """
      )
    }
    // Split BTF's own header first, as the kernel checks a module's.
    let problems = input.splitHeaderProblem.map { [$0] } ?? BTFValidator.validate(bytes, mode: mode, limits: limits)
    if let p = problems.first {
      print("\(file): invalid (offline validator):")
      for line in p.context { print(line) }
      print(p.message)
    } else {
      print("\(file): valid (offline validator)")
    }
    var code: Int32 = problems.isEmpty ? 0 : Exit.invalid
    if let loaded {
      switch loaded {
      case .accepted:
        print("\(file): accepted by the running kernel")
      case .rejected(let errno, let log):
        print("\(file): rejected by the running kernel (errno \(errno)): \(KernelBTF.lastLine(of: log))")
        if !log.isEmpty { print(log) }
        code = Exit.invalid
      case .notPermitted(let errno):
        standardError(
          "rustbtf: \(file): the kernel refused BPF_BTF_LOAD for lack of privilege (errno \(errno)); run as root or with CAP_BPF")
        code = max(code, Exit.notPermitted)
      case .unavailable(let why):
        standardError("rustbtf: \(file): cannot load into the kernel: \(why)")
        code = max(code, Exit.notPermitted)
      }
    }
    if code != 0 { throw ExitCode(code) }
  }
}

/// A BTF file as `dump` and `verify` read it.
struct BTFInput {
  /// A raw BTF file; with a base, the standalone view of base + split (`SplitBTF.concatenate`).
  /// Split ids and string offsets continue the base's, so the dump shows the ids the kernel uses.
  var bytes: [UInt8]
  /// With a base: the first id of the split's own types.
  var firstSplitID: UInt32? = nil
  /// With a base: what the kernel says of the split's own header before its types, as it
  /// checks a module's (nil: nothing).
  var splitHeaderProblem: BTFProblem? = nil
}

/// FILE's bytes, on top of the base's when there is one. Something that is not BTF at all (an
/// ELF file, say) is a wrong input for `dump` and `verify` alike, not an invalid blob; so is a
/// base the kernel would not have booted with (`BaseBTF.problem`).
func readBTF(_ file: String, base: String?) throws -> BTFInput {
  let bytes = try readBTFFile(file)
  if let why = BTFSections.notBTF(bytes) { throw ConversionError("\(file): \(why)") }
  guard let base else { return BTFInput(bytes: bytes) }
  let baseBytes = try BaseBTF.read(path: try LibraryPath.of(base))
  if let problem = BaseBTF.problem(baseBytes) { throw ConversionError("--btf_base \(base): \(problem.line)") }
  return BTFInput(
    bytes: try SplitBTF.concatenate(base: baseBytes, split: bytes),
    firstSplitID: try SplitBTF.typeCount(of: baseBytes),
    splitHeaderProblem: BTFValidator.validateSplitHeader(bytes))
}
