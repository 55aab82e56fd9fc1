/// The kernel's identifier rule for BTF names (`btf_name_valid_identifier` in kernel/bpf/btf.c):
/// first byte a letter or `_`, the rest letters, digits or `_`, at most `maxLength` bytes.
///
/// The kernel also accepts `.` since mid-2023, but older kernels reject it and it breaks C
/// header generation (`bpftool btf dump format c`), so rustbtf never produces it and treats it
/// as invalid here. This is the one definition the passes and the offline validator share.
public enum BTFNameRule {
  @inlinable
  public static func isIdentifier(_ bytes: UnsafeRawBufferPointer, maxLength: Int, allowDot: Bool = false) -> Bool {
    guard let first = bytes.first, bytes.count <= maxLength else { return false }
    if !(isLetter(first) || first == UInt8(ascii: "_") || (allowDot && first == UInt8(ascii: "."))) { return false }
    for b in bytes.dropFirst() where !(isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") || (allowDot && b == UInt8(ascii: "."))) {
      return false
    }
    return true
  }

  public static func isIdentifier(_ s: String, maxLength: Int, allowDot: Bool = false) -> Bool {
    var s = s
    return s.withUTF8 { isIdentifier(UnsafeRawBufferPointer($0), maxLength: maxLength, allowDot: allowDot) }
  }

  @inlinable static func isLetter(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
  }
  @inlinable static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
