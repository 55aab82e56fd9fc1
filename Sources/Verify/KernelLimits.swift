/// The limits of the kernel's BTF checks that differ between kernels: the one place the
/// validator's version-dependent rules live.
///
/// - `maxTypes`: `BTF_MAX_TYPE`, 0xfffff in the UAPI header of Linux 4.18 through 6.x (type ids,
///   void included, stay below it: "Exceeded max num of types"). Some kernels take more: this
///   project's 6.18.44 host loads 1,100,000 types (measured with a 13 MB blob of PTRs), bounded
///   only by `BTF_MAX_SIZE`. nil: no count limit, only the size limit.
/// - `BTF_MAX_SIZE` (16 MiB for `BPF_BTF_LOAD`) has not changed and is not a parameter.
public struct KernelLimits: Sendable, Equatable {
  public var maxTypes: UInt32?

  public init(maxTypes: UInt32? = KernelLimits.btfMaxType) { self.maxTypes = maxTypes }

  /// `BTF_MAX_TYPE` of the UAPI header.
  public static let btfMaxType: UInt32 = 0x000f_ffff
  /// What kernels with the UAPI's `BTF_MAX_TYPE` enforce: the default, so that BTF the validator
  /// accepts loads on them.
  public static let uapi = KernelLimits()
  /// A kernel that takes any number of types up to the size limit.
  public static let sizeOnly = KernelLimits(maxTypes: nil)

  /// `--max-types` text: a number, or `none`.
  public init?(maxTypesText text: String) {
    if text == "none" {
      self.init(maxTypes: nil)
    } else if let n = UInt32(text) {
      self.init(maxTypes: n)
    } else {
      return nil
    }
  }
}
