// File names are bytes, and Swift Strings are Unicode: a name that is not UTF-8 (`caf\xe9.o`
// from a Latin-1 system) would lose its bytes in a String (CommandLine.arguments turns them into
// U+FFFD) and then name no file. `FileName` keeps them: each byte of an invalid sequence becomes
// one scalar of a private-use range no real name uses (U+10FF80 + byte - 0x80), and goes back to
// the byte where the name meets the C library (`FileName.withCString`). The rustbtf executable
// decodes its arguments this way; messages show the bytes as `\xNN` (`FileName.display`).

public enum FileName {
  /// The first scalar value of the escape range: byte 0x80 + n is U+10FF80 + n.
  static let escapeBase: UInt32 = 0x10FF00

  /// The String for a file name's (or any argument's) bytes: UTF-8 as it is, each other byte
  /// escaped. `bytes(of:)` gives back exactly `bytes`.
  public static func string(_ bytes: some Collection<UInt8>) -> String {
    let bytes = Array(bytes)
    if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: isEscape) { return text }
    var scalars = String.UnicodeScalarView()
    var i = 0
    while i < bytes.count {
      let length = sequenceLength(bytes[i])
      if length > 1, i + length <= bytes.count, let text = String(validating: bytes[i..<i + length], as: UTF8.self),
        let scalar = text.unicodeScalars.first, !isEscape(scalar)
      {
        scalars.append(scalar)
        i += length
      } else if bytes[i] < 0x80 {
        scalars.append(Unicode.Scalar(bytes[i]))
        i += 1
      } else {
        scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[i]))!)
        i += 1
      }
    }
    return String(scalars)
  }

  /// The bytes `name` stands for (escapes turned back into their bytes), without a NUL.
  public static func bytes(of name: String) -> [UInt8] {
    guard name.unicodeScalars.contains(where: isEscape) else { return Array(name.utf8) }
    var out: [UInt8] = []
    for scalar in name.unicodeScalars {
      if isEscape(scalar) {
        out.append(UInt8(scalar.value - escapeBase))
      } else {
        out += Array(String(scalar).utf8)
      }
    }
    return out
  }

  /// Calls `body` with `name`'s bytes as a NUL-terminated C string: the name the C library sees.
  public static func withCString<R>(_ name: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
    let raw = bytes(of: name).map { CChar(bitPattern: $0) } + [0]
    return try raw.withUnsafeBufferPointer { try body($0.baseAddress!) }
  }

  /// True when `name` holds bytes that are not UTF-8 (escaped).
  public static func hasEscapes(_ name: String) -> Bool { name.unicodeScalars.contains(where: isEscape) }

  /// `text` for a message: each escaped byte as `\xNN`.
  public static func display(_ text: String) -> String {
    guard hasEscapes(text) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
      if isEscape(scalar) {
        let byte = scalar.value - escapeBase
        out += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  static func isEscape(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= escapeBase + 0x80 && scalar.value <= escapeBase + 0xFF }

  /// The length of the UTF-8 sequence `lead` starts (1 for anything that starts none).
  private static func sequenceLength(_ lead: UInt8) -> Int {
    switch lead {
    case 0xC2...0xDF: 2
    case 0xE0...0xEF: 3
    case 0xF0...0xF4: 4
    default: 1
    }
  }
}
