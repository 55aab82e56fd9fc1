import TypeGraph

/// How an invalid name becomes a BTF identifier. The policy is:
/// - *readable*: punctuation of Rust and C type names maps to short tokens, so
///   `Option<&mut u8>` reads `Option_ref_mut_u8_` and `()` reads `unit`;
/// - *bounded*: names longer than `maxLength` keep their first bytes and end in `_` plus the
///   8-hex-digit FNV-1a-32 hash of the original name (fixed and documented, so the same on every
///   toolchain and version);
/// - *injective within one input*: `SanitizeNames` reserves every name that is valid as it
///   stands first; a rewritten name that would equal a reserved or already assigned one gets
///   `_h` and the hash of its original appended (and a counter if even that is taken);
/// - *not a C keyword*: `bpftool btf dump format c` prints names as they are, so a name that is
///   a C keyword (`char`, `default`; `CKeywords`) is rewritten with `_` appended (`char_`).
public enum NamePolicy {
  /// The readable rewrite of `original` (not yet bounded or made unique).
  public static func readable(_ original: String) -> String {
    switch original {
    case "()": return "unit"
    case "!": return "never"
    default: break
    }
    // Built as bytes (every byte written is ASCII): appending to a String one character at a
    // time costs more than the rest of name sanitizing together.
    var out: [UInt8] = []
    out.reserveCapacity(original.utf8.count + 8)
    func put(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
    for b in original.utf8 {
      switch b {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
        out.append(b)
      case UInt8(ascii: ":"):
        // `::` becomes `__`; a lone `:` becomes `_` too.
        out.append(UInt8(ascii: "_"))
      case UInt8(ascii: "&"): put("ref_")
      case UInt8(ascii: "*"): put("ptr_")
      case UInt8(ascii: "["): put("arr_")
      case UInt8(ascii: "("): put("tuple_")
      case UInt8(ascii: "!"): put("never")
      case UInt8(ascii: "="): put("_eq_")
      case UInt8(ascii: "{"), UInt8(ascii: "}"): break
      case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: " "),
        UInt8(ascii: "]"), UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "#"),
        UInt8(ascii: "-"), UInt8(ascii: "'"), UInt8(ascii: "."), UInt8(ascii: "\""),
        UInt8(ascii: "$"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "\\"):
        out.append(UInt8(ascii: "_"))
      default:
        out.append(UInt8(ascii: "_"))
        out.append(contentsOf: hex2(b).utf8)
      }
    }
    if out.isEmpty { out = [UInt8(ascii: "_")] }
    if out[0] >= UInt8(ascii: "0") && out[0] <= UInt8(ascii: "9") { out.insert(UInt8(ascii: "_"), at: 0) }
    return String(decoding: out, as: UTF8.self)
  }

  /// `name` cut to `maxLength` bytes with the stable hash of `original` as its suffix, when
  /// it is longer than that.
  public static func bounded(_ name: String, original: String, maxLength: Int) -> String {
    if name.utf8.count <= maxLength { return name }
    let suffix = "_" + hash8(original)
    let keep = maxLength - suffix.utf8.count
    return String(decoding: name.utf8.prefix(keep), as: UTF8.self) + suffix
  }

  /// The path-qualified original of a node: `scope::name`, or `name` at top level.
  public static func qualifiedOriginal(scope: String, name: String) -> String {
    scope.isEmpty ? name : scope + "::" + name
  }

  /// A valid name of at most `maxLength` bytes made of the readable rewrite of `name`, when
  /// `scope` is given the readable rewrite of the scope in front of it (`core__fmt__Error`),
  /// and `suffix` (empty, or `_` plus a hash, which must start with `_`). What is cut when it
  /// does not fit is the end of the scope part, so the simple name stays readable at the end
  /// (`core__option__Opt…__Some_1a2b3c4d`); only a simple name too long by itself is cut from
  /// its end. All parts are ASCII, so cutting bytes never splits a character.
  public static func compose(scope: String?, name: String, suffix: String, maxLength: Int) -> String {
    guard let scope else { return notKeyword(cut(readable(name), maxLength - suffix.utf8.count) + suffix) }
    let full = readable(scope + "::" + name)
    if full.utf8.count + suffix.utf8.count <= maxLength { return notKeyword(full + suffix) }
    let nameR = readable(name)
    let scopeR = readable(scope)
    let room = maxLength - nameR.utf8.count - 2 - suffix.utf8.count
    if room >= 16 { return notKeyword(cut(scopeR, room) + "__" + nameR + suffix) }
    return notKeyword(cut(full, maxLength - suffix.utf8.count) + suffix)
  }

  /// The first name of a node (before any collision): the readable rewrite of the (qualified)
  /// original, and when that is longer than `maxLength`, cut and ended by `_` and the hash of
  /// the (path-qualified) original.
  public static func firstCandidate(scope: String?, name: String, maxLength: Int) -> String {
    let plain = compose(scope: scope, name: name, suffix: "", maxLength: Int.max)
    if plain.utf8.count <= maxLength { return plain }
    let original = qualifiedOriginal(scope: scope ?? "", name: name)
    return compose(scope: scope, name: name, suffix: "_" + hash8(original), maxLength: maxLength)
  }

  /// `name`, or `name_` when `name` is a C keyword (`CKeywords`): C headers made from the BTF
  /// print names as they are. Every name this policy writes goes through here; `_` after a
  /// keyword is never a keyword, and a literal `char_` elsewhere is reserved first, so the
  /// collision machinery keeps the names apart.
  public static func notKeyword(_ name: String) -> String {
    CKeywords.contains(name) ? name + "_" : name
  }

  private static func cut(_ s: String, _ n: Int) -> String {
    s.utf8.count <= n ? s : String(decoding: s.utf8.prefix(max(n, 0)), as: UTF8.self)
  }

  /// The FNV-1a-32 hash of the UTF-8 bytes, as 8 lowercase hex digits.
  public static func hash8(_ s: String) -> String {
    var h: UInt32 = 0x811c_9dc5
    for b in s.utf8 {
      h ^= UInt32(b)
      h = h &* 0x0100_0193
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
  }

  private static func hex2(_ b: UInt8) -> String {
    let d = Array("0123456789abcdef")
    return String([d[Int(b >> 4)], d[Int(b & 15)]])
  }
}
