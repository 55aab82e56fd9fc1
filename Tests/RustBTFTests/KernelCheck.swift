import Testing
import Verify

/// `KernelBTF`'s test policy, with a skipped kernel check made visible: under
/// `RUSTBTF_SKIP_KERNEL=1` each check the kernel did not judge is recorded as a known issue, so
/// the test reports "passed after N known issues" (and the run counts them) instead of passing
/// as if the kernel had accepted. Swift Testing's only runtime skip, `Test.cancel`, would end the
/// test there and drop its offline checks, which still run. Without the variable nothing changes:
/// the BTF is loaded into the running kernel and a rejection fails the test.
enum KernelCheck {
  /// Records that a kernel check of `what` did not run (`RUSTBTF_SKIP_KERNEL=1`).
  static func skipped(_ what: String = "this BTF", sourceLocation: SourceLocation = #_sourceLocation) {
    withKnownIssue("kernel check skipped (\(KernelBTF.skipVariable)=1)") {
      Issue.record("not loaded into the kernel: \(what)", sourceLocation: sourceLocation)
    }
  }

  /// `KernelBTF.acceptanceFailure`, recording a skip under `RUSTBTF_SKIP_KERNEL=1`.
  static func acceptanceFailure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    if KernelBTF.skipRequested { skipped(sourceLocation: sourceLocation) }
    return KernelBTF.acceptanceFailure(bytes)
  }

  /// `KernelBTF.rejection`, recording a skip under `RUSTBTF_SKIP_KERNEL=1`.
  static func rejection(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> KernelRejection {
    let verdict = KernelBTF.rejection(bytes)
    if verdict == .skipped { skipped(sourceLocation: sourceLocation) }
    return verdict
  }
}
