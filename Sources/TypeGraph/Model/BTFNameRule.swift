/// The identifier rule for the BTF names rustbtf writes: first byte an ASCII letter or `_`, the
/// rest ASCII letters, digits or `_`, at most `maxLength` bytes.
///
/// This is stricter than the kernel's `btf_name_valid_identifier`: the kernel also accepts `.`
/// since mid-2023 (and Latin-1 letters), but older kernels reject `.` and it breaks C header
/// generation (`bpftool btf dump format c`). The offline validator (`Verify`) mirrors the
/// kernel's own, looser check instead, since its job is to predict the kernel's verdict.
public enum BTFNameRule {
  @inlinable
  public static func isIdentifier(_ bytes: UnsafeRawBufferPointer, maxLength: Int) -> Bool {
    guard let first = bytes.first, bytes.count <= maxLength else { return false }
    if !(isLetter(first) || first == UInt8(ascii: "_")) { return false }
    for b in bytes.dropFirst() where !(isLetter(b) || isDigit(b) || b == UInt8(ascii: "_")) {
      return false
    }
    return true
  }

  public static func isIdentifier(_ s: String, maxLength: Int) -> Bool {
    var s = s
    return s.withUTF8 { isIdentifier(UnsafeRawBufferPointer($0), maxLength: maxLength) }
  }

  @inlinable static func isLetter(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
  }
  @inlinable static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
