import CBPF

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What the running kernel said to a `BPF_BTF_LOAD`.
public enum KernelLoadResult: Sendable, Equatable {
  case accepted
  /// The kernel refused the blob; `log` is its BTF verifier log (the reason is its last line,
  /// see `KernelBTF.lastLine(of:)`).
  case rejected(errno: Int32, log: String)
  /// No privilege to load BTF (EPERM/EACCES: not root, no CAP_BPF, or unprivileged BPF off).
  case notPermitted(errno: Int32)
  /// No bpf(2) here (ENOSYS, seccomp…), or the blob is too big to try.
  case unavailable(String)
}

/// Loads BTF into the running kernel: the judge of last resort.
public enum KernelBTF {
  /// The environment variable that lets tests run where BPF_BTF_LOAD is not permitted.
  public static let skipVariable = "RUSTBTF_SKIP_KERNEL"

  /// `BPF_BTF_LOAD` of `bytes`. Loads without a log first (a log too small for a valid blob
  /// would turn success into ENOSPC); on failure loads again with a log, growing the buffer
  /// from 1 MiB up to 256 MiB while the kernel answers ENOSPC, to explain the failure. Closes
  /// the BTF object's fd.
  public static func load(_ bytes: [UInt8]) -> KernelLoadResult {
    if bytes.count > Int(UInt32.max) { return .unavailable("blob of \(bytes.count) bytes is too big for bpf(2)") }
    var err: Int32 = 0
    let fd = bytes.withUnsafeBytes { buf in
      cbpf_btf_load(buf.baseAddress, UInt32(buf.count), nil, 0, 0, &err)
    }
    if fd >= 0 {
      _ = cbpf_close(fd)
      return .accepted
    }
    switch err {
    case 1, 13: return .notPermitted(errno: err) // EPERM, EACCES
    case 38: return .unavailable("bpf(2) is not implemented (ENOSYS)")
    default: break
    }
    // Explain: the kernel keeps the tail of an overlong log (rotating log since 6.4), and
    // answers ENOSPC when it did not fit.
    var size = 1 << 20
    var log = ""
    while true {
      var logErr: Int32 = 0
      var buffer = [CChar](repeating: 0, count: size)
      let fd2 = bytes.withUnsafeBytes { buf in
        buffer.withUnsafeMutableBufferPointer { logBuf in
          cbpf_btf_load(buf.baseAddress, UInt32(buf.count), logBuf.baseAddress, UInt32(size - 1), 1, &logErr)
        }
      }
      if fd2 >= 0 { _ = cbpf_close(fd2) }
      log = buffer.withUnsafeBufferPointer { p in
        String(decoding: UnsafeRawBufferPointer(p).prefix { $0 != 0 }, as: UTF8.self)
      }
      if logErr == 28 /* ENOSPC */ && size < 256 << 20 {
        size *= 4
        continue
      }
      break
    }
    return .rejected(errno: err, log: log)
  }

  /// The kernel's reason: the last non-empty line of a verifier log, e.g.
  /// "[2] STRUCT Foo<u8> size=8 vlen=2 Invalid name".
  public static func lastLine(of log: String) -> String {
    for line in log.split(separator: "\n", omittingEmptySubsequences: true).reversed() {
      if !line.allSatisfy({ $0 == " " || $0 == "\t" }) { return String(line) }
    }
    return ""
  }

  /// Whether tests should skip kernel loads (`RUSTBTF_SKIP_KERNEL=1`).
  public static var skipRequested: Bool {
    guard let v = getenv(skipVariable) else { return false }
    let s = String(cString: v)
    return s == "1" || s == "true" || s == "yes"
  }

  /// The test policy in one place: nil when the kernel accepted `bytes` (or kernel checks are
  /// skipped with `RUSTBTF_SKIP_KERNEL=1`), otherwise a message to fail the test with, which
  /// says when the failure is only missing privilege.
  public static func acceptanceFailure(_ bytes: [UInt8]) -> String? {
    if skipRequested { return nil }
    switch load(bytes) {
    case .accepted: return nil
    case .rejected(let errno, let log):
      if errno == 7 && bytes.count > 16 << 20 {
        return "the kernel rejected the BTF (E2BIG): \(bytes.count) bytes exceeds BPF_BTF_LOAD's 16 MiB limit"
      }
      return "the kernel rejected the BTF (errno \(errno)): \(lastLine(of: log))"
    case .notPermitted(let errno):
      return "BPF_BTF_LOAD not permitted (errno \(errno)): run as root / with CAP_BPF, or set \(skipVariable)=1 to skip kernel checks"
    case .unavailable(let why):
      return "BPF_BTF_LOAD unavailable: \(why); set \(skipVariable)=1 to skip kernel checks"
    }
  }

  /// The kernel's verdict for a blob a test expects to be rejected: `.rejected` with the
  /// reason line, `.skipped` under `RUSTBTF_SKIP_KERNEL=1`, or `.failure` with a message
  /// (accepted, or no privilege).
  public static func rejection(_ bytes: [UInt8]) -> KernelRejection {
    if skipRequested { return .skipped }
    switch load(bytes) {
    case .accepted: return .failure("the kernel accepted the BTF")
    case .rejected(let errno, let log): return .rejected(errno: errno, reasonLine: lastLine(of: log), log: log)
    case .notPermitted(let errno):
      return .failure(
        "BPF_BTF_LOAD not permitted (errno \(errno)): run as root / with CAP_BPF, or set \(skipVariable)=1 to skip kernel checks")
    case .unavailable(let why): return .failure("BPF_BTF_LOAD unavailable: \(why); set \(skipVariable)=1 to skip kernel checks")
    }
  }
}

public enum KernelRejection: Sendable, Equatable {
  case rejected(errno: Int32, reasonLine: String, log: String)
  case skipped
  case failure(String)
}
