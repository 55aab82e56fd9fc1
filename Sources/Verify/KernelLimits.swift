/// The limits of the kernel's BTF checks that differ between kernels: the one place the
/// validator's version-dependent rules live.
///
/// - `maxTypes`: `BTF_MAX_TYPE`, 0xfffff in the UAPI header of Linux 4.18 through 6.x (type ids,
///   void included, stay below it: "Exceeded max num of types"). Some kernels take more: this
///   project's 6.18.44 host loads 1,100,000 types (measured with a 13 MB blob of PTRs), bounded
///   only by `BTF_MAX_SIZE`. nil: no count limit, only the size limit.
/// - `BTF_MAX_SIZE` (16 MiB for `BPF_BTF_LOAD`) has not changed and is not a parameter.
/// - `kindLayout`: the 32-byte header of Linux 7.1 (`layout_off`, `layout_len`: the kind layout
///   section, `KindLayout`). Kernels before 7.1 know a 24-byte header and refuse any non-zero
///   byte past it ("Unsupported btf_header"), as the host's 6.18 does.
public struct KernelLimits: Sendable, Equatable {
  public var maxTypes: UInt32?
  public var kindLayout: Bool

  public init(maxTypes: UInt32? = KernelLimits.btfMaxType, kindLayout: Bool = false) {
    self.maxTypes = maxTypes
    self.kindLayout = kindLayout
  }

  /// Linux 7.1 and later: the UAPI's type limit and the header with the kind layout section.
  public static let linux7_1 = KernelLimits(kindLayout: true)

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
