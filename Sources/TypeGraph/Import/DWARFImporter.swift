internal import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

/// Options of `DWARFImporter.importFile`.
public struct DWARFImportOptions: Sendable {
  /// `DW_AT_language` values whose compile units are skipped whole (pahole's
  /// `--lang_exclude`): their DIEs are not walked, and references into them resolve to void.
  /// Empty by default (every unit is imported); the CLI sets it from `--lang_exclude`.
  public var excludeLanguages: [UInt16] = []
  /// Import what can be read of DWARF that cannot be read completely (DIEs libdw cannot parse,
  /// names outside `.debug_str`), instead of failing; `ImportStatistics` counts what was lost
  /// and the CLI warns. Off by default: a corrupt input must not pass for a good one.
  public var allowIncomplete = false
  /// Told, now and then, how many compile units of how many have been walked (the first call
  /// has 0 done): for a progress display. Nil: nothing is counted.
  public var unitProgress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
  /// Threads that walk compile units: 1 (the default) walks on the calling thread, 0 uses
  /// every online CPU (pahole's `-j`). The graph is the same for every value: units are walked
  /// in contiguous ranges whose results are merged in file order (`DWARFWalker.absorb`).
  public var threads = 1

  /// How many unit ranges each thread gets. nil (the default): 32 per thread, and with dedup at
  /// import none under `UnitList.minimumAutomaticRangeBytes` (`UnitList.ranges(threads:…)`). Tests
  /// set it to put several units in a range, or one, whatever their size; rustbtf-order-audit's
  /// `ranges` mode to measure other splits.
  package var rangesPerThread: Int? = nil

  /// Dedup at import (issue 19, `--dedup-at-import`): called by each range's walker on the graph
  /// of its units before the range joins the others, with the nodes that must stay apart (they
  /// hold references the range could not resolve); merges copies and says how many it merged
  /// away (tombstones with merge rows, which `DWARFWalker.absorb` leaves out). Set, the units are
  /// walked in ranges even on one thread. `Dedup.canonicalizeRange` is the one the product uses.
  package var canonicalizeRange: (@Sendable (inout TypeGraph, ContiguousArray<Bool>) -> RangeCanonicalization)? = nil

  /// Measurement only (rustbtf-order-audit's `ranges` mode, issue 19): told about each range of
  /// a parallel walk as it is absorbed. Nil (the default) in the product; it changes nothing in
  /// the walk or its graph.
  package var rangeObserver: (any RangeWalkObserver)? = nil

  /// Release the pages of the input the walk has left behind (`WalkedPages`); tests turn it
  /// off to compare, and read what was released, per section, from `releasedPages`.
  var releaseWalkedPages = true
  var releasedPages: ReleasedPages? = nil

  /// Dedup at import keeps each copy it merges with its DIE, unit and path
  /// (`CopiesMergedAtImport`), for the reports (`--explain`, `--explain-pruned`, `--stats`). false:
  /// only how many copies each representative stands for, which is all the summary needs; rustbtf
  /// asks for no more when no report is asked for. The records took a sixth of the absorbing
  /// thread's time on Debian's vmlinux and 20 MB.
  public var keepsCopyOrigins = true

  /// Tests: no thread can be started, as under `ulimit -u 1` (the walk must still finish).
  var failThreadStarts = false

  /// Tests: the walk takes a fresh stack after this many bytes of each (`DWARFWalker.descend`),
  /// so that a few thousand levels of nesting exercise it; and the log of fresh stacks taken.
  var stackBudget: Int? = nil
  var freshStacks: FreshStackLog? = nil

  /// `threads`, with 0 made the number of online CPUs.
  public var threadCount: Int {
    if threads > 0 { return threads }
    return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  }

  /// How the walk steps over the DIEs: `.fast` (the default) computes where the next sibling
  /// starts (`Sources/CDwarf/fastwalk.h`) and reads a DIE's attributes through its unit's
  /// abbreviation table (`abbrevs.h`); `.publicLibdw` asks libdw's `dwarf_siblingof` (which
  /// re-parses subtrees on DWARF without `DW_AT_sibling`) and `dwarf_getattrs` only. Both visit
  /// the same DIEs and import the same graph (ImporterWalkTests); the environment variable RUSTBTF_PUBLIC_WALK=1
  /// selects `.publicLibdw` for the benchmark (scripts/bench.sh) and parity checks.
  package var siblingWalk = SiblingWalk.fromEnvironment()

  public init() {}

  public init(excludeLanguages: [UInt16]) { self.excludeLanguages = excludeLanguages }

  /// Parses pahole's `--lang_exclude` list: `rust`, `c` (every C standard), `c89`, `c99`, `c11`,
  /// `c17`, `c++` or a `DW_LANG_*` number (decimal or 0x hex). Nil when a name is unknown.
  public static func languages(named spec: String) -> [UInt16]? {
    var out: [UInt16] = []
    for part in spec.split(separator: ",") {
      let name = String(part.filter { $0 != " " }).lowercased()
      switch name {
      case "rust": out.append(lang(DW_LANG_Rust))
      case "c": out += [DW_LANG_C89, DW_LANG_C, DW_LANG_C99, DW_LANG_C11].map(lang) + [langC17]
      case "c89": out.append(lang(DW_LANG_C89))
      case "c99": out.append(lang(DW_LANG_C99))
      case "c11": out.append(lang(DW_LANG_C11))
      case "c17": out.append(langC17)
      case "c++", "c_plus_plus":
        out += [DW_LANG_C_plus_plus, DW_LANG_C_plus_plus_11, DW_LANG_C_plus_plus_14].map(lang) + [langCPlusPlus20]
      default:
        if name.hasPrefix("0x"), let v = UInt16(name.dropFirst(2), radix: 16) {
          out.append(v)
        } else if let v = UInt16(name) {
          out.append(v)
        } else {
          return nil
        }
      }
    }
    return out
  }

  private static func lang(_ value: Int) -> UInt16 { UInt16(value) }
  /// Language codes newer than elfutils 0.188's dwarf.h (DWARF 5 errata / DWARF 6).
  private static let langCPlusPlus20: UInt16 = 0x2b
  private static let langC17: UInt16 = 0x2c
}

/// See `DWARFImportOptions.siblingWalk`.
package enum SiblingWalk {
  case fast, publicLibdw

  /// `.publicLibdw` when RUSTBTF_PUBLIC_WALK is 1.
  static func fromEnvironment() -> SiblingWalk {
    guard let value = getenv("RUSTBTF_PUBLIC_WALK") else { return .fast }
    return strcmpEquals(value, "1") ? .publicLibdw : .fast
  }
}

/// Why a file could not be imported: one line naming the file, e.g.
/// `x.o: not an ELF file` or `x: no DWARF debug information (.debug_info missing)`.
public struct ImportError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Counts of what the importer met, for diagnostics and tests.
public struct ImportStatistics: Sendable, Hashable {
  /// Compile units walked.
  public var units = 0
  /// DIEs whose tag was read (DIEs inside functions that cannot hold types are not counted).
  public var dies = 0
  /// Nodes added to the graph.
  public var nodes = 0
  /// Nodes merged into an equal node of their range of units as they were read
  /// (`DWARFImportOptions.canonicalizeRange`); not in the graph, nor in `nodes`.
  public var mergedAtImport = 0
  /// The definitions the ranges resolved forward declarations to, in the graph's numbering
  /// (`RangeCanonicalization.forwardTargets`), for the conversion to check against the whole input.
  package var forwardTargetsAtImport: [TypeID] = []
  /// References (DW_AT_type…) to a DIE that was not imported (not a type, a skipped DIE, or an
  /// offset outside `.debug_info`); they resolve to void.
  public var referencesToNonTypes = 0
  /// DIEs libdw could not read (corrupt DWARF); skipped with their children.
  public var unreadableDIEs = 0
  /// `DW_AT_name` values libdw could not read (an offset past the end of `.debug_str`, a bad
  /// form); the node is imported without its name.
  public var unreadableNames = 0
  /// Units whose length runs past the end of `.debug_info` (a truncated section).
  public var truncatedUnits = 0
  /// References (`DW_AT_type`…) to an offset where no DIE starts: past the end of
  /// `.debug_info`, or into the middle of a DIE (corrupt DWARF); they resolve to void.
  public var danglingReferences = 0
  /// Cycles of pointers, typedefs, qualifiers and arrays (a pointer to itself: corrupt DWARF);
  /// each is broken, the reference that closes it made void.
  public var typeCycles = 0
  /// The first place something could not be read, for the error message.
  public var firstUnreadable: String? = nil
  /// What `allowIncomplete` let through: nothing when the DWARF was read completely.
  public var incompleteSummary: String? {
    if unreadableDIEs == 0 && unreadableNames == 0 && truncatedUnits == 0 && danglingReferences == 0 && typeCycles == 0 {
      return nil
    }
    var parts: [String] = []
    if truncatedUnits > 0 { parts.append("\(truncatedUnits) units cut short") }
    if unreadableDIEs > 0 { parts.append("\(unreadableDIEs) DIEs could not be read") }
    if unreadableNames > 0 { parts.append("\(unreadableNames) names could not be read") }
    if danglingReferences > 0 { parts.append("\(danglingReferences) references point to no DIE") }
    if typeCycles > 0 { parts.append("\(typeCycles) type cycles broken") }
    return parts.joined(separator: ", ") + (firstUnreadable.map { " (first: \($0))" } ?? "")
  }
  /// Members skipped because their offset could not be computed (a location expression other
  /// than a constant); they are imported at offset 0.
  public var unsupportedMemberLocations = 0
  /// Arrays whose element count (the product of their dimensions) does not fit 32 bits (node
  /// made unrepresentable).
  public var oversizedArrays = 0
  /// DIEs whose children were not walked: nested deeper than the thread's stack, with no
  /// thread to walk them on a fresh stack (`DWARFWalker.descend`); the import then fails.
  public var tooDeep = 0
  /// Sibling steps that fell back to libdw's subtree skipping (a DIE with children that were not
  /// walked, or an attribute form the fast path does not know).
  public var siblingFallbacks = 0
  /// Sibling steps the fast path took itself (0 under `SiblingWalk.publicLibdw`).
  public var siblingFastSteps = 0
  /// DIEs whose attributes were read through their unit's abbreviation table
  /// (`Sources/CDwarf/abbrevs.h`), not by libdw's `dwarf_getattrs` (0 under
  /// `SiblingWalk.publicLibdw`).
  public var attributeTableReads = 0
  /// DIEs whose attributes were read by `dwarf_getattrs`: each unit's own DIE (read before its
  /// table), DIEs of other units, and any the table cannot read.
  public var attributeLibdwReads = 0
  /// Units skipped because of `DWARFImportOptions.excludeLanguages`.
  public var excludedUnits = 0
  /// Global variables without a name (clang's string-literal constants), not imported: no
  /// one can look them up, and pahole skips them too.
  public var anonymousVariables = 0
  public init() {}
}

extension ImportStatistics {
  /// These counts without those of the steps the importer takes itself or leaves to libdw
  /// (`siblingFallbacks`, `siblingFastSteps`, `attributeTableReads`, `attributeLibdwReads`):
  /// what must be the same whichever walk (`SiblingWalk`) read the file.
  package var withoutOwnStepCounts: ImportStatistics {
    var s = self
    (s.siblingFallbacks, s.siblingFastSteps) = (0, 0)
    (s.attributeTableReads, s.attributeLibdwReads) = (0, 0)
    return s
  }
}

/// Reads the DWARF of an ELF file (executable, shared object, relocatable object, vmlinux) into
/// a `TypeGraph`: one node per type DIE, function and global variable, in DIE order, each with
/// its `Origin`. This is the only code that calls libdw.
///
/// Relocatable objects are opened through libdwfl's offline reporting, which applies
/// `.rela.debug_*`; the same path serves executables and shared objects.
///
/// - Complexity: O(DIEs + references · log(types)); no allocation per DIE.
public enum DWARFImporter {
  public static func importFile(path: String, options: DWARFImportOptions = .init()) throws(ImportError)
    -> TypeGraph
  {
    var statistics = ImportStatistics()
    return try importFile(path: path, options: options, statistics: &statistics)
  }

  public static func importFile(
    path: String, options: DWARFImportOptions = .init(), statistics: inout ImportStatistics
  ) throws(ImportError) -> TypeGraph {
    var trace: ContiguousArray<UInt64>? = nil
    return try importFile(path: path, options: options, statistics: &statistics, trace: &trace)
  }

  /// `importFile`; when `trace` is not nil, the offset of every DIE the walk visits is appended
  /// to it in visiting order (ImporterWalkTests compares the two sibling walks with it).
  static func importFile(
    path: String, options: DWARFImportOptions, statistics: inout ImportStatistics,
    trace: inout ContiguousArray<UInt64>?
  ) throws(ImportError) -> TypeGraph {
    let check = try ELFFileCheck.check(path: path)
    elf_version(UInt32(EV_CURRENT))
    // libelf, libdw and libdwfl keep their last error per thread until it is read, and some
    // failures set none: cleared here, so that a message names this import's failure and not
    // one an earlier call in the process left behind (the differential fuzzer saw an earlier
    // input's "invalid section" where a fresh process says "unknown error").
    _ = elf_errno()
    _ = dwarf_errno()
    _ = dwfl_errno()
    guard let dwfl = rb_dwfl_begin_offline() else {
      throw ImportError("\(path): cannot start libdwfl: \(dwflError())")
    }
    defer { dwfl_end(dwfl) }
    dwfl_report_begin(dwfl)
    let module = dwfl_report_offline(dwfl, path, path, -1)
    dwfl_report_end(dwfl, nil, nil)
    guard let module else {
      throw ImportError("\(path): cannot read ELF file: \(dwflError())")
    }
    if check.hasZstdDebugSections, !libelfSupportsZstd(dwfl) {
      throw ImportError("\(path): zstd-compressed debug sections are not supported by this libelf")
    }
    var bias: Dwarf_Addr = 0
    guard let dwarf = dwfl_module_getdwarf(module, &bias) else {
      if check.hasZstdDebugSections {
        throw ImportError("\(path): zstd-compressed debug sections are not supported by this libelf")
      }
      throw ImportError("\(path): cannot read DWARF: \(dwflError())")
    }
    // dwz: types several files share live in a supplementary file, which libdw opens from the
    // link's path (relative to this file's directory) or by build id under /usr/lib/debug.
    var alt: OpaquePointer? = nil
    if check.hasSupplementaryFile {
      alt = dwarf_getalt(dwarf)
      if alt == nil {
        let why = dwarfError()
        let link = rb_alt_link_name(dwarf).map { String(cString: $0) }
        let name = link.map { "'\(oneLine($0))'" } ?? "(unnamed)"
        // The link is absolute or relative to the input's directory.
        let resolved = link.map { $0.hasPrefix("/") ? $0 : (path.contains("/") ? String(path[...path.lastIndex(of: "/")!]) : "") + $0 }
        if let resolved, access(resolved, R_OK) == 0 {
          throw ImportError(
            """
            \(path): DWARF compressed by dwz: its supplementary file \(name) (.gnu_debugaltlink) is there, but libdw cannot read it as \
            DWARF (\(why); a supplementary file with only shared strings and no .debug_info is one such); convert the file from before dwz
            """
          )
        }
        let place = resolved.map { "is not at '\(oneLine($0))'" } ?? "cannot be found"
        throw ImportError(
          """
          \(path): DWARF compressed by dwz: its supplementary file \(name) (.gnu_debugaltlink) \(place) nor under \
          /usr/lib/debug/.build-id; put it where the link points, or convert the file from before dwz
          """
        )
      }
    }
    var walker = DWARFWalker(dwarf: dwarf, path: path, bigEndian: check.bigEndian)
    walker.alt = alt
    walker.excludeLanguages = options.excludeLanguages
    walker.addressBias = bias
    walker.publicSiblingWalk = options.siblingWalk == .publicLibdw
    walker.failThreadStarts = options.failThreadStarts
    walker.stackBudget = options.stackBudget.map { UInt($0) }
    walker.freshStacks = options.freshStacks
    if let report = options.unitProgress {
      // Unit headers only: a cheap count next to the walk.
      walker.unitProgress = UnitProgress(
        total: DWARFWalker.unitCount(dwarf) + (alt.map(DWARFWalker.unitCount) ?? 0), report: report)
    }
    walker.trace = trace
    if options.releaseWalkedPages {
      walker.walkedPages = WalkedPages(dwarf, relocatable: check.elfType == ET_REL, log: options.releasedPages)
    }
    defer { walker.deallocate() }
    // Symbols first: the walk asks them about inlined functions (`DWARFWalker.subprogram`).
    ELFSymbolReader.read(module, isRelocatable: check.elfType == ET_REL, into: &walker.graph)
    walker.walkedPages?.releaseSymbolTable()
    try walker.checkUnitExtents(allowIncomplete: options.allowIncomplete)
    walker.canonicalizeRange = options.canonicalizeRange
    walker.keepsCopyOrigins = options.keepsCopyOrigins
    let units = options.threadCount > 1 || options.canonicalizeRange != nil ? UnitList(dwarf) : nil
    if let units, let failure = units.failure {
      // As one thread meets it: the units before the broken one first (they may fail for a
      // reason of their own), then the broken one, in the walker's words.
      try walker.walkUnits(of: dwarf, count: units.count)
      throw ImportError("\(path): corrupt DWARF: cannot read unit \(walker.stats.units + 1): \(failure)")
    }
    walker.walkedPages?.releaseAll()
    // Dedup at import works on ranges: a single unit is a range of its own.
    if let units, units.count > 1 || (options.canonicalizeRange != nil && units.count == 1) {
      try walker.walkUnitsInParallel(
        units, threads: options.threadCount, rangesPerThread: options.rangesPerThread, observer: options.rangeObserver)
    } else {
      try walker.walkUnits(of: dwarf)
    }
    try walker.finish()
    walker.unitProgress?.finished()
    if walker.stats.tooDeep > 0 {
      let at = walker.firstTooDeep.map { " (first at DIE 0x\(String($0 & ~UInt64(RB_ALT_OFFSET_BIT), radix: 16)))" } ?? ""
      throw ImportError(
        """
        \(path): DWARF nested too deep for the stack: the children of \(walker.stats.tooDeep) DIEs were not walked\(at), and no thread \
        could be started to walk them on a fresh stack; nothing written
        """
      )
    }
    if let cycle = walker.firstTypeCycle, !options.allowIncomplete {
      throw ImportError("\(path): corrupt DWARF: \(cycle); nothing written (--allow-incomplete-dwarf breaks the cycle)")
    }
    if let lost = walker.stats.incompleteSummary, !options.allowIncomplete {
      throw ImportError(
        "\(path): corrupt or truncated DWARF: \(lost); nothing written (--allow-incomplete-dwarf converts what can be read)")
    }
    DatasecPlacement.addDataSections(to: &walker.graph)
    statistics = walker.stats
    trace = walker.trace
    statistics.nodes = walker.graph.count - 1
    statistics.forwardTargetsAtImport = Array(walker.forwardTargets)
    return walker.takeGraph()
  }

  /// elfutils decompresses zstd sections from 0.189 on.
  static func libelfSupportsZstd(_ dwfl: OpaquePointer) -> Bool {
    guard let v = dwfl_version(dwfl) else { return false }
    let parts = String(cString: v).split(separator: ".").map { Int($0) ?? 0 }
    guard parts.count >= 2 else { return false }
    return parts[0] > 0 || parts[1] >= 189
  }

  static func dwflError() -> String {
    guard let m = dwfl_errmsg(-1) else { return "unknown error" }
    return oneLine(String(cString: m))
  }

  /// Error texts from C libraries, made safe for a one-line message.
  static func oneLine(_ s: String) -> String {
    String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
  }
}

/// What `DWARFImportOptions.canonicalizeRange` did to a range's graph.
package struct RangeCanonicalization: Sendable {
  /// Nodes merged away.
  package var merged: Int
  /// The definitions forward declarations were resolved to (merged into), in the range's numbering.
  package var forwardTargets: [TypeID]
  package init(merged: Int, forwardTargets: [TypeID]) {
    self.merged = merged
    self.forwardTargets = forwardTargets
  }
}
