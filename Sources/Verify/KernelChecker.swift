import Encode
import TypeGraph

/// A line-by-line port of the checks in the kernel's `kernel/bpf/btf.c` (Linux 6.x), working
/// on the raw blob. Function names follow the kernel's so each can be compared with its
/// original; the log it writes is the kernel's verbose (`log_level` 1) BTF log, of which it
/// keeps the last lines.
final class KernelChecker {
  enum Failure: Error { case inval, e2big, eexist, notsupp, loop }

  let b: [UInt8]
  let reader: ByteReader
  let mode: ValidationMode
  let limits: KernelLimits
  /// Write the kernel's log. Off, the checks run the same and only the log text is skipped,
  /// which is most of the time on a valid blob: `BTFValidator` checks without it and runs
  /// again with it only to report a problem.
  let verbose: Bool
  init(bytes: [UInt8], mode: ValidationMode, limits: KernelLimits = .uapi, verbose: Bool = true) {
    self.b = bytes
    self.reader = ByteReader(bytes: bytes)
    self.mode = mode
    self.limits = limits
    self.verbose = verbose
  }

  // Header (zero when hdr_len is short, like the kernel's kzalloc'ed copy).
  var hdrLen: UInt32 = 0, typeOff: UInt32 = 0, typeLen: UInt32 = 0, strOff: UInt32 = 0, strLen: UInt32 = 0
  /// Linux 7.1's header fields (`KernelLimits.kindLayout`): the kind layout section.
  var layoutOff: UInt32 = 0, layoutLen: UInt32 = 0
  // Hot state of the checks is `@exclusivity(unchecked)`: the checker is single-threaded and
  // never holds an access to one of these across a call that could reach the same property, and
  // the runtime's dynamic exclusivity bookkeeping cost a tenth of a module conversion's time.
  @exclusivity(unchecked) var strStart = 0
  /// Byte position of each type record; index 0 (void) is unused.
  @exclusivity(unchecked) var pos: [Int] = [0]
  var nrTypes: UInt32 { UInt32(pos.count) }

  // Resolve state.
  static let notVisited: UInt8 = 0, visited: UInt8 = 1, resolved: UInt8 = 2
  enum ResolveMode { case tbd, ptr, structOrArray }
  @exclusivity(unchecked) var visit: [UInt8] = []
  @exclusivity(unchecked) var resolvedIDs: [UInt32] = []
  @exclusivity(unchecked) var resolvedSizes: [UInt32] = []
  @exclusivity(unchecked) var stack: [(id: UInt32, next: Int)] = []
  @exclusivity(unchecked) var resolveMode = ResolveMode.tbd
  @exclusivity(unchecked) var checkMetaPhase = true
  @exclusivity(unchecked) var logTypeID: UInt32 = 0
  /// The first type id the resolve pass starts from (`BTFValidator.validate(split:…)`: the
  /// split's own types); ids below it are resolved only when a later type reaches them.
  var firstResolvedType: UInt32 = 1
  /// The first type whose record `btfCheckAllMetas` checks; those before are a split base's.
  var firstMetaCheckedType: UInt32 = 1

  // The log.
  var lines: [String] = []
  var current = ""
  var message = ""
  var messageTypeID: UInt32 = 0

  // MARK: Running

  func run() -> BTFProblem? {
    do {
      try btfParse()
      return nil
    } catch {
      return problem(error)
    }
  }

  /// `btfParseSplitHdr`'s verdict on a split blob's header.
  func runSplitHeader() -> BTFProblem? {
    do {
      try btfParseSplitHdr()
      return nil
    } catch {
      return problem(error)
    }
  }

  func problem(_ error: Failure) -> BTFProblem {
    var all = lines
    if !current.isEmpty { all.append(current) }
    let line = all.last ?? ""
    let context = Array(all.dropLast().suffix(6))
    var msg = message
    if msg.isEmpty {
      switch error {
      case .e2big: msg = "E2BIG: BTF over 16 MiB (BTF_MAX_SIZE)"
      case .loop: msg = "ELOOP"
      default: msg = "EINVAL without a log line"
      }
    }
    return BTFProblem(typeID: messageTypeID, message: msg, context: context, line: line.isEmpty ? msg : line)
  }

  func btfParse() throws(Failure) {
    if mode == .load && b.count > 16 << 20 {
      message = "E2BIG: BTF over 16 MiB (BTF_MAX_SIZE)"
      throw .e2big
    }
    try btfParseHdr()
    try btfParseStrSec()
    try btfParseLayoutSec()
    try btfParseTypeSec()
    try btfCheckTypeTags()
  }
}
