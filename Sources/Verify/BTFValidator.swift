/// One reason the kernel would refuse a BTF blob, in the kernel's words.
public struct BTFProblem: Sendable, Equatable, CustomStringConvertible {
  /// The BTF id the kernel was checking (0 for header and string-section problems).
  public var typeID: UInt32
  /// The kernel's reason, e.g. "Invalid name", "Member exceeds struct_size", "Invalid arg#2".
  public var message: String
  /// The log lines the kernel prints before the reason line (the last few), e.g. the struct
  /// line before a member's line.
  public var context: [String]
  /// The whole last line of the kernel's verifier log, e.g.
  /// "[5] STRUCT Foo<u8> size=8 vlen=2 Invalid name": what `KernelBTF.lastLine(of:)` returns
  /// for the same blob.
  public var line: String

  public init(typeID: UInt32, message: String, context: [String] = [], line: String = "") {
    self.typeID = typeID
    self.message = message
    self.context = context
    self.line = line.isEmpty ? message : line
  }

  public var description: String { line }
}

/// Which kernel path to mirror.
public enum ValidationMode: Sendable {
  /// `BPF_BTF_LOAD`: header, strings, per-type meta checks, the resolve pass, type-tag chains.
  case load
  /// vmlinux BTF at boot (and module BTF): the same without the resolve pass.
  case embedded
}

/// An offline mirror of the kernel's BTF verifier (`kernel/bpf/btf.c`: `btf_parse`,
/// `btf_parse_hdr`, `btf_parse_str_sec`, `btf_check_all_metas`, `btf_check_all_types`,
/// `btf_check_type_tags`), reporting the first problem the kernel would report, with the
/// same log line.
public enum BTFValidator {
  /// The problems in `bytes`; empty when the kernel would accept it (a kernel with `limits`). Like the kernel, stops at
  /// the first problem, so the result has at most one element.
  /// - Complexity: O(blob size); the resolve pass visits each type a bounded number of times.
  public static func validate(_ bytes: [UInt8], mode: ValidationMode = .load, limits: KernelLimits = .uapi) -> [BTFProblem] {
    // Without the log first (a valid blob needs none); a problem is then found again with the
    // log, which the checks do not depend on, to report it in the kernel's words.
    guard let found = KernelChecker(bytes: bytes, mode: mode, limits: limits, verbose: false).run() else { return [] }
    return [KernelChecker(bytes: bytes, mode: mode, limits: limits).run() ?? found]
  }

  /// `validate(_:mode: .load)` of split BTF concatenated after its base (`SplitBTF.concatenate`),
  /// whose first `baseTypeCount` ids (void included) are the base's: the same verdict, faster.
  ///
  /// The base's types are the kernel's own, accepted when it booted, and the kernel does not
  /// check them again when it loads a module's BTF. So the first check does what it does: the
  /// base's records are placed without their meta checks, and the resolve pass, most of the
  /// work on a vmlinux-sized base, runs over the split's own types only, resolving the base
  /// types they reach as it goes. A blob that passes is accepted. One that does not is checked
  /// again whole, as `validate` does, and that verdict is returned: for the split's types the
  /// first check can only be stricter (a base type resolved from inside a split type's chain
  /// has less of the 32-deep resolve stack left), never more lenient.
  public static func validate(split bytes: [UInt8], baseTypeCount: UInt32, limits: KernelLimits = .uapi) -> [BTFProblem] {
    let quick = KernelChecker(bytes: bytes, mode: .load, limits: limits, verbose: false)
    quick.firstResolvedType = max(1, baseTypeCount)
    quick.firstMetaCheckedType = max(1, baseTypeCount)
    if quick.run() == nil { return [] }
    return validate(bytes, mode: .load, limits: limits)
  }

  /// What the kernel says of split BTF's own header and sections before its types, as it
  /// checks a module's BTF (`btf_parse_module`: `btf_parse_hdr`, then the string section and the
  /// type section's alignment as they are with a base); nil when it says nothing. The split's
  /// types are checked in the blob base + split (`SplitBTF.concatenate`), whose header is the
  /// split's.
  public static func validateSplitHeader(_ split: [UInt8]) -> BTFProblem? {
    KernelChecker(bytes: split, mode: .load).runSplitHeader()
  }
}
