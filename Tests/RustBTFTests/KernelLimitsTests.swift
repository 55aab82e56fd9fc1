import Foundation
import Testing
import Verify

/// The validator's version-dependent limit (`KernelLimits`): BTF_MAX_TYPE by default, none when
/// asked, and with `verify --kernel` the running kernel's, so offline and kernel verdicts agree.
@Suite struct KernelLimitsTests {
  /// 1,100,000 PTRs to void (13 MB): over BTF_MAX_TYPE, under BTF_MAX_SIZE.
  static let manyTypes: [UInt8] = {
    let n = 1_100_000
    var b = [UInt8](repeating: 0, count: 24 + 12 * n + 1)
    func put(_ o: Int, _ v: UInt32) { for k in 0..<4 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) } }
    b[0] = 0x9f
    b[1] = 0xeb
    b[2] = 1
    put(4, 24)
    put(8, 0)
    put(12, UInt32(12 * n))
    put(16, UInt32(12 * n))
    put(20, 1)
    for i in 0..<n { put(24 + 12 * i + 4, 2 << 24) } // PTR, type 0
    return b
  }()

  @Test func typeCountLimitIsAParameter() {
    #expect(BTFValidator.validate(Self.manyTypes).first?.message == "Exceeded max num of types")
    #expect(BTFValidator.validate(Self.manyTypes, limits: .sizeOnly).isEmpty)
    #expect(BTFValidator.validate(Self.manyTypes, limits: KernelLimits(maxTypes: 2_000_000)).isEmpty)
  }

  /// `verify --kernel` never says "invalid" and "accepted" (or "valid" and "rejected") together.
  @Test func verifyKernelAgreesWithItself() throws {
    let path = try temporaryDirectory() + "/many.btf"
    try Data(Self.manyTypes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let run = try runCLI(["verify", "--kernel", path])
    let accepted = run.stdout.contains("accepted by the running kernel")
    let rejected = run.stdout.contains("rejected by the running kernel")
    #expect(accepted != rejected, "\(run.stdout)\(run.stderr)")
    if accepted {
      #expect(run.status == 0 && run.stdout.contains("valid (offline validator)") && !run.stdout.contains("invalid"), "\(run.stdout)")
    } else {
      #expect(run.status == 2 && run.stdout.contains("Exceeded max num of types"), "\(run.stdout)")
    }
    #expect(try runCLI(["verify", path]).status == 2)
    #expect(try runCLI(["verify", "--max-types", "none", path]).status == 0)
  }
}
