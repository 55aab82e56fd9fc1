import Testing

@testable import Encode
@testable import Verify

/// Every kernel error string an encoder can meet, each on a tiny hand-made blob: our validator
/// and the running kernel must both reject it, with the same last log line.
// BTF kind numbers.
private let INT: UInt32 = 1
private let PTR: UInt32 = 2
private let ARRAY: UInt32 = 3
private let STRUCT: UInt32 = 4
private let UNION: UInt32 = 5
private let ENUM: UInt32 = 6
private let FWD: UInt32 = 7
private let TYPEDEF: UInt32 = 8
private let VOLATILE: UInt32 = 9
private let CONST: UInt32 = 10
private let RESTRICT: UInt32 = 11
private let FUNC: UInt32 = 12
private let PROTO: UInt32 = 13
private let VAR: UInt32 = 14
private let DATASEC: UInt32 = 15
private let FLOAT: UInt32 = 16
private let DECL_TAG: UInt32 = 17
private let TYPE_TAG: UInt32 = 18
private let ENUM64: UInt32 = 19

@Suite struct ValidatorTests {
  // MARK: A blob builder independent of the encoder

  struct Blob {
    var strings: [UInt8] = [0]
    var words: [UInt32] = []
    private(set) var count: UInt32 = 0

    mutating func str(_ s: String) -> UInt32 {
      let off = UInt32(strings.count)
      strings += Array(s.utf8) + [0]
      return off
    }

    /// Appends one type record; returns its id.
    @discardableResult
    mutating func type(
      _ name: UInt32 = 0, _ kind: UInt32, vlen: UInt32 = 0, kflag: Bool = false, _ sizeOrType: UInt32 = 0,
      _ extra: [UInt32] = []
    ) -> UInt32 {
      words += [name, (kflag ? 1 << 31 : 0) | kind << 24 | vlen, sizeOrType] + extra
      count += 1
      return count
    }

    /// INT "int" (4 bytes, signed), the usual first type.
    @discardableResult
    mutating func int(_ name: String = "int", size: UInt32 = 4, bits: UInt32 = 32, encoding: UInt32 = 1) -> UInt32 {
      type(str(name), 1, size, [encoding << 24 | bits])
    }

    struct Header {
      var magic: UInt16 = 0xEB9F
      var version: UInt8 = 1
      var flags: UInt8 = 0
      var hdrLen: UInt32 = 24
      var typeOff: UInt32? = nil
      var typeLen: UInt32? = nil
      var strOff: UInt32? = nil
      var strLen: UInt32? = nil
    }

    func bytes(extraHeader: [UInt8] = [], stringsFirst: Bool = false, _ edit: (inout Header) -> Void = { _ in })
      -> [UInt8]
    {
      var t: [UInt8] = []
      for w in words { t += [UInt8(w & 0xff), UInt8(w >> 8 & 0xff), UInt8(w >> 16 & 0xff), UInt8(w >> 24)] }
      var h = Header()
      h.hdrLen = UInt32(24 + extraHeader.count)
      h.typeOff = stringsFirst ? UInt32(strings.count) : 0
      h.typeLen = UInt32(t.count)
      h.strOff = stringsFirst ? 0 : UInt32(t.count)
      h.strLen = UInt32(strings.count)
      edit(&h)
      var out: [UInt8] = []
      func u32(_ v: UInt32) { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
      out += [UInt8(h.magic & 0xff), UInt8(h.magic >> 8), h.version, h.flags]
      u32(h.hdrLen)
      u32(h.typeOff ?? 0)
      u32(h.typeLen ?? UInt32(t.count))
      u32(h.strOff ?? UInt32(t.count))
      u32(h.strLen ?? UInt32(strings.count))
      out += extraHeader
      out += stringsFirst ? strings + t : t + strings
      return out
    }
  }

  /// A named bad blob and the kernel's reason for refusing it.
  struct Case: Sendable, CustomTestStringConvertible {
    var label: String
    var bytes: [UInt8]
    var message: String
    var testDescription: String { "\(label): \(message)" }
    init(_ label: String, _ message: String, _ build: (inout Blob) -> [UInt8]) {
      self.label = label
      self.message = message
      var b = Blob()
      self.bytes = build(&b)
    }
  }

  static let cases: [Case] = [
    // Header and sections.
    Case("tiny blob", "hdr_len not found") { _ in [0x9f, 0xeb, 1, 0] },
    Case("hdr_len past the end", "btf_header not found") { b in
      b.int()
      return b.bytes { $0.hdrLen = 4096 }
    },
    Case("32-byte header with data", "Unsupported btf_header") { b in
      b.int()
      return b.bytes(extraHeader: [1, 0, 0, 0, 0, 0, 0, 0])
    },
    Case("magic", "Invalid magic") { b in
      b.int()
      return b.bytes { $0.magic = 0x9FEB }
    },
    Case("version", "Unsupported version") { b in
      b.int()
      return b.bytes { $0.version = 2 }
    },
    Case("flags", "Unsupported flags") { b in
      b.int()
      return b.bytes { $0.flags = 1 }
    },
    Case("header only", "No data") { b in
      Array(
        b.bytes {
          $0.typeLen = 0
          $0.strLen = 0
        }.prefix(24))
    },
    Case("section beyond the blob", "Invalid section offset") { b in
      b.int()
      return b.bytes { $0.strOff = 4096 }
    },
    Case("gap between sections", "Unsupported section found") { b in
      b.int()
      return b.bytes { $0.typeLen! -= 4 }
    },
    Case("overlapping sections", "Section overlap found") { b in
      b.int()
      return b.bytes { $0.strOff! -= 4 }
    },
    Case("section too long", "Total section length too long") { b in
      b.int()
      return b.bytes { $0.strLen! += 4 }
    },
    Case("strings before types", "String section is not at the end") { b in
      b.int()
      return b.bytes(stringsFirst: true)
    },
    Case("strings not starting with NUL", "Invalid string section") { b in
      b.int()
      var out = b.bytes()
      out[24 + 16] = UInt8(ascii: "x")
      return out
    },
    Case("strings not ending with NUL", "Invalid string section") { b in
      b.int()
      var out = b.bytes()
      out[out.count - 1] = UInt8(ascii: "x")
      return out
    },
    Case("unaligned type_off", "Unaligned type_off") { b in
      b.strings = [0, 0]
      return b.bytes {
        $0.strOff = 0
        $0.strLen = 2
        $0.typeOff = 2
        $0.typeLen = 0
      }
    },
    Case("no types", "No type found") { b in b.bytes() },
    // Meta checks of every kind.
    Case("truncated record", "meta_left:8 meta_needed:12") { b in
      b.int()
      b.words += [0, 1 << 24]
      return b.bytes()
    },
    Case("info bits", "Invalid btf_info:2100000") { b in
      b.type(0, PTR, 0)
      b.words[1] |= 1 << 20
      return b.bytes()
    },
    Case("kind 20", "Invalid kind:20") { b in
      b.type(0, 20, 0)
      return b.bytes()
    },
    Case("name offset", "Invalid name_offset:999") { b in
      b.type(999, PTR, 0)
      return b.bytes()
    },
    Case("int vlen", "vlen != 0") { b in
      b.type(b.str("int"), INT, vlen: 1, 4, [32])
      return b.bytes()
    },
    Case("int kind_flag", "Invalid btf_info kind_flag") { b in
      b.type(b.str("int"), INT, kflag: true, 4, [32])
      return b.bytes()
    },
    Case("int data", "Invalid int_data:10000020") { b in
      b.type(b.str("int"), INT, 4, [0x1000_0020])
      return b.bytes()
    },
    Case("int of 129 bits", "nr_bits exceeds 128") { b in
      b.int("u129", size: 32, bits: 129, encoding: 0)
      return b.bytes()
    },
    Case("int wider than its size", "nr_bits exceeds type_size") { b in
      b.int("u64", size: 4, bits: 64, encoding: 0)
      return b.bytes()
    },
    Case("int encoding", "Unsupported encoding") { b in
      b.int("x", encoding: 3)
      return b.bytes()
    },
    Case("named pointer", "Invalid name") { b in
      let i = b.int()
      b.type(b.str("p"), PTR, i)
      return b.bytes()
    },
    Case("anonymous typedef", "Invalid name") { b in
      let i = b.int()
      b.type(0, TYPEDEF, i)
      return b.bytes()
    },
    Case("typedef with a Rust path", "Invalid name") { b in
      let i = b.int()
      b.type(b.str("core::fmt::Result"), TYPEDEF, i)
      return b.bytes()
    },
    Case("empty type tag", "Invalid name") { b in
      let i = b.int()
      b.type(0, TYPE_TAG, i)
      return b.bytes()
    },
    Case("type id out of range", "Invalid type_id") { b in
      b.type(0, CONST, 0x10_0000)
      return b.bytes()
    },
    Case("fwd with size", "type != 0") { b in
      b.type(b.str("F"), FWD, 4)
      return b.bytes()
    },
    Case("anonymous fwd", "Invalid name") { b in
      b.type(0, FWD, 0)
      return b.bytes()
    },
    Case("named array", "Invalid name") { b in
      let i = b.int()
      b.type(b.str("a"), ARRAY, 0, [i, i, 4])
      return b.bytes()
    },
    Case("array with size", "size != 0") { b in
      let i = b.int()
      b.type(0, ARRAY, 16, [i, i, 4])
      return b.bytes()
    },
    Case("array of void", "Invalid elem") { b in
      let i = b.int()
      b.type(0, ARRAY, 0, [0, i, 4])
      return b.bytes()
    },
    Case("array without index type", "Invalid index") { b in
      let i = b.int()
      b.type(0, ARRAY, 0, [i, 0, 4])
      return b.bytes()
    },
    Case("generic struct name", "Invalid name") { b in
      let i = b.int()
      b.type(b.str("Foo<u8>"), STRUCT, vlen: 1, 4, [b.str("a"), i, 0])
      return b.bytes()
    },
    Case("513-byte struct name", "Invalid name") { b in
      b.type(b.str(String(repeating: "a", count: 513)), STRUCT, 0)
      return b.bytes()
    },
    Case("UTF-8 struct name", "Invalid name") { b in
      b.type(b.str("Größe"), STRUCT, 0)
      return b.bytes()
    },
    Case("member name", "Invalid name") { b in
      let i = b.int()
      b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("0"), i, 0])
      return b.bytes()
    },
    Case("member name offset", "Invalid member name_offset:999") { b in
      let i = b.int()
      b.type(b.str("S"), STRUCT, vlen: 1, 4, [999, i, 0])
      return b.bytes()
    },
    Case("void member", "Invalid type_id") { b in
      b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("a"), 0, 0])
      return b.bytes()
    },
    Case("union member not at 0", "Invalid member bits_offset") { b in
      let i = b.int()
      b.type(b.str("U"), UNION, vlen: 1, 8, [b.str("a"), i, 32])
      return b.bytes()
    },
    Case("members out of order", "Invalid member bits_offset") { b in
      let i = b.int()
      b.type(b.str("S"), STRUCT, vlen: 2, 8, [b.str("a"), i, 32, b.str("b"), i, 0])
      return b.bytes()
    },
    Case("member past the end", "Member bits_offset exceeds its struct size") { b in
      let i = b.int()
      b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("a"), i, 64])
      return b.bytes()
    },
    Case("enum of 3 bytes", "Unexpected size") { b in
      b.type(b.str("E"), ENUM, vlen: 1, 3, [b.str("A"), 1])
      return b.bytes()
    },
    Case("empty enum of size 0", "Unexpected size") { b in
      b.type(b.str("E"), ENUM, 0)
      return b.bytes()
    },
    Case("enum64 of 16 bytes", "Unexpected size") { b in
      b.type(b.str("E"), ENUM64, vlen: 1, 16, [b.str("A"), 1, 0])
      return b.bytes()
    },
    Case("anonymous enumerator", "Invalid name") { b in
      b.type(b.str("E"), ENUM, vlen: 1, 4, [0, 1])
      return b.bytes()
    },
    Case("enumerator with a Rust path", "Invalid name") { b in
      b.type(b.str("E"), ENUM64, vlen: 1, 8, [b.str("E::A"), 1, 0])
      return b.bytes()
    },
    Case("enumerator name offset", "Invalid name_offset:999") { b in
      b.type(b.str("E"), ENUM, vlen: 1, 4, [999, 1])
      return b.bytes()
    },
    Case("anonymous func", "Invalid name") { b in
      let p = b.type(0, PROTO, 0)
      b.type(0, FUNC, p)
      return b.bytes()
    },
    Case("extern func", "Invalid func linkage") { b in
      let p = b.type(0, PROTO, 0)
      b.type(b.str("f"), FUNC, vlen: 2, p)
      return b.bytes()
    },
    Case("named func proto", "Invalid name") { b in
      b.type(b.str("fn"), PROTO, 0)
      return b.bytes()
    },
    Case("anonymous var", "Invalid name") { b in
      let i = b.int()
      b.type(0, VAR, i, [1])
      return b.bytes()
    },
    Case("void var", "Invalid type_id") { b in
      b.type(b.str("v"), VAR, 0, [1])
      return b.bytes()
    },
    Case("extern var", "Linkage not supported") { b in
      let i = b.int()
      b.type(b.str("v"), VAR, i, [2])
      return b.bytes()
    },
    Case("empty datasec", "size == 0") { b in
      b.type(b.str(".data"), DATASEC, 0)
      return b.bytes()
    },
    Case("datasec name", "Invalid name") { b in
      b.type(b.str(".da\tta"), DATASEC, 4)
      return b.bytes()
    },
    Case("datasec entry of void", "Invalid type_id") { b in
      b.type(b.str(".data"), DATASEC, vlen: 1, 4, [0, 0, 4])
      return b.bytes()
    },
    Case("datasec entries overlap", "Invalid offset") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      let w = b.type(b.str("w"), VAR, i, [1])
      b.type(b.str(".data"), DATASEC, vlen: 2, 8, [v, 0, 4, w, 2, 4])
      return b.bytes()
    },
    Case("datasec entry of size 0", "Invalid size") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(b.str(".data"), DATASEC, vlen: 1, 4, [v, 0, 0])
      return b.bytes()
    },
    Case("datasec entry past the end", "Invalid offset+size") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(b.str(".data"), DATASEC, vlen: 1, 4, [v, 2, 4])
      return b.bytes()
    },
    Case("float of 3 bytes", "Invalid type_size") { b in
      b.type(b.str("f"), FLOAT, 3)
      return b.bytes()
    },
    Case("empty decl tag", "Invalid value") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(0, DECL_TAG, v, [UInt32(bitPattern: -1)])
      return b.bytes()
    },
    Case("decl tag component -2", "Invalid component_idx") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(b.str("t"), DECL_TAG, v, [UInt32(bitPattern: -2)])
      return b.bytes()
    },
    // Resolve pass (BPF_BTF_LOAD only).
    Case("structs containing each other", "Loop detected") { b in
      b.type(b.str("A"), STRUCT, vlen: 1, 4, [b.str("b"), 2, 0])
      b.type(b.str("B"), STRUCT, vlen: 1, 4, [b.str("a"), 1, 0])
      return b.bytes()
    },
    Case("typedef cycle", "Loop detected") { b in
      b.type(b.str("A"), TYPEDEF, 2)
      b.type(b.str("B"), TYPEDEF, 1)
      return b.bytes()
    },
    Case("33 nested typedefs", "Exceeded max resolving depth:32") { b in
      let i = b.int()
      var t = i
      for k in 0..<33 { t = b.type(b.str("T\(k)"), TYPEDEF, t) }
      // Resolving starts at the lowest id: put the outermost typedef first so the whole
      // chain is on the stack at once.
      var c = Blob()
      for k in 0..<33 { c.type(c.str("T\(k)"), TYPEDEF, UInt32(k + 2)) }
      c.int()
      return c.bytes()
    },
    Case("pointer to a var", "Invalid type_id") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(0, PTR, v)
      return b.bytes()
    },
    Case("const of a missing type", "Invalid type_id") { b in
      b.int()
      b.type(0, CONST, 7)
      return b.bytes()
    },
    Case("volatile of a decl tag", "Invalid type_id") { b in
      let i = b.int()
      let s = b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("a"), i, 0])
      let tag = b.type(b.str("t"), DECL_TAG, s, [UInt32(bitPattern: -1)])
      b.type(0, VOLATILE, tag)
      return b.bytes()
    },
    Case("typedef of a func is fine, a typedef of a datasec is not", "Invalid type_id") { b in
      let i = b.int()
      let p = b.type(0, PROTO, i)
      let f = b.type(b.str("f"), FUNC, p)
      b.type(b.str("F"), TYPEDEF, f)
      let v = b.type(b.str("v"), VAR, i, [1])
      let ds = b.type(b.str(".bss"), DATASEC, vlen: 1, 4, [v, 0, 4])
      b.type(b.str("D"), TYPEDEF, ds)
      return b.bytes()
    },
    Case("member of a forward-declared type", "Invalid member") { b in
      let f = b.type(b.str("F"), FWD, 0)
      b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("f"), f, 0])
      return b.bytes()
    },
    Case("member of a typedef of void", "Invalid member") { b in
      let t = b.type(b.str("T"), TYPEDEF, 0)
      b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("f"), t, 0])
      return b.bytes()
    },
    Case("int member past the end", "Member exceeds struct_size") { b in
      let i = b.int()
      b.type(b.str("S"), STRUCT, vlen: 1, 6, [b.str("a"), i, 32])
      return b.bytes()
    },
    Case("struct member past the end", "Member exceeds struct_size") { b in
      let i = b.int()
      let inner = b.type(b.str("In"), STRUCT, vlen: 1, 4, [b.str("a"), i, 0])
      b.type(b.str("S"), STRUCT, vlen: 1, 6, [b.str("a"), inner, 32])
      return b.bytes()
    },
    Case("pointer member not byte aligned", "Member is not byte aligned") { b in
      let i = b.int()
      let p = b.type(0, PTR, i)
      b.type(b.str("S"), STRUCT, vlen: 1, 16, [b.str("p"), p, 4])
      return b.bytes()
    },
    Case("bitfield of a pointer", "Invalid member bitfield_size") { b in
      let i = b.int()
      let p = b.type(0, PTR, i)
      b.type(b.str("S"), STRUCT, vlen: 1, kflag: true, 8, [b.str("p"), p, 3 << 24])
      return b.bytes()
    },
    Case("bitfield wider than its int", "Invalid member bitfield_size") { b in
      let c = b.int("u8", size: 1, bits: 8, encoding: 0)
      b.type(b.str("S"), STRUCT, vlen: 1, kflag: true, 4, [b.str("a"), c, 9 << 24])
      return b.bytes()
    },
    Case("bitfield of a bit-sized int", "Invalid member base type") { b in
      let c = b.int("u3", size: 1, bits: 3, encoding: 0)
      b.type(b.str("S"), STRUCT, vlen: 1, kflag: true, 4, [b.str("a"), c, 2 << 24])
      return b.bytes()
    },
    Case("misaligned double", "Member is not properly aligned") { b in
      let f = b.type(b.str("double"), FLOAT, 8)
      b.type(b.str("S"), STRUCT, vlen: 1, 16, [b.str("d"), f, 32])
      return b.bytes()
    },
    Case("array of Rust unit", "Invalid array of int") { b in
      let i = b.int()
      let unit = b.type(b.str("()"), INT, 0, [0])
      b.type(0, ARRAY, 0, [unit, i, 4])
      return b.bytes()
    },
    Case("array indexed by a struct", "Invalid index") { b in
      let i = b.int()
      let s = b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("a"), i, 0])
      b.type(0, ARRAY, 0, [i, s, 4])
      return b.bytes()
    },
    Case("array of a forward declaration", "Invalid elem") { b in
      let i = b.int()
      let f = b.type(b.str("F"), FWD, 0)
      b.type(0, ARRAY, 0, [f, i, 4])
      return b.bytes()
    },
    Case("array over 4 GiB", "Array size overflows U32_MAX") { b in
      let i = b.int()
      b.type(0, ARRAY, 0, [i, i, 0x4000_0001])
      return b.bytes()
    },
    Case("func of an int", "Invalid type_id") { b in
      let i = b.int()
      b.type(b.str("f"), FUNC, i)
      return b.bytes()
    },
    Case("func with an unnamed parameter", "Invalid arg#2") { b in
      let i = b.int()
      let p = b.type(0, PROTO, vlen: 2, i, [b.str("a"), i, 0, i])
      b.type(b.str("f"), FUNC, p)
      return b.bytes()
    },
    Case("proto returning a forward declaration", "Invalid return type") { b in
      let f = b.type(b.str("F"), FWD, 0)
      b.type(0, PROTO, f)
      return b.bytes()
    },
    Case("proto returning a var", "Invalid return type") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(0, PROTO, v)
      return b.bytes()
    },
    Case("proto with a var parameter", "Invalid arg#1") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(0, PROTO, vlen: 1, i, [b.str("w"), v])
      return b.bytes()
    },
    Case("named vararg", "Invalid arg#2") { b in
      let i = b.int()
      b.type(0, PROTO, vlen: 2, i, [b.str("a"), i, b.str("rest"), 0])
      return b.bytes()
    },
    Case("void parameter before the last", "Invalid arg#1") { b in
      let i = b.int()
      b.type(0, PROTO, vlen: 2, i, [0, 0, b.str("b"), i])
      return b.bytes()
    },
    Case("parameter with a Rust path name", "Invalid arg#1") { b in
      let i = b.int()
      b.type(0, PROTO, vlen: 1, i, [b.str("self::x"), i])
      return b.bytes()
    },
    Case("var of a forward declaration", "Invalid type_id") { b in
      let f = b.type(b.str("F"), FWD, 0)
      b.type(b.str("v"), VAR, f, [1])
      return b.bytes()
    },
    Case("datasec entry that is no var", "Not a VAR kind member") { b in
      let i = b.int()
      b.type(b.str(".data"), DATASEC, vlen: 1, 4, [i, 0, 4])
      return b.bytes()
    },
    Case("datasec entry smaller than its var", "Invalid size") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(b.str(".data"), DATASEC, vlen: 1, 4, [v, 0, 2])
      return b.bytes()
    },
    Case("decl tag on an int", "Invalid type_id") { b in
      let i = b.int()
      b.type(b.str("t"), DECL_TAG, i, [UInt32(bitPattern: -1)])
      return b.bytes()
    },
    Case("decl tag component past the members", "Invalid component_idx") { b in
      let i = b.int()
      let s = b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("a"), i, 0])
      b.type(b.str("t"), DECL_TAG, s, [1])
      return b.bytes()
    },
    Case("decl tag component on a var", "Invalid component_idx") { b in
      let i = b.int()
      let v = b.type(b.str("v"), VAR, i, [1])
      b.type(b.str("t"), DECL_TAG, v, [0])
      return b.bytes()
    },
    // Type-tag chains.
    Case("type tag after a modifier", "Type tags don't precede modifiers") { b in
      let i = b.int()
      let tag = b.type(b.str("user"), TYPE_TAG, i)
      b.type(0, CONST, tag)
      return b.bytes()
    },
  ]

  // MARK: Agreement with the kernel

  @Test(arguments: cases)
  func agreesWithTheKernel(_ c: Case) {
    let problems = BTFValidator.validate(c.bytes)
    #expect(problems.count == 1)
    guard let p = problems.first else { return }
    #expect(p.message == c.message)
    #expect(p.line.hasSuffix(c.message))
    switch KernelCheck.rejection(c.bytes) {
    case .skipped: break
    case .failure(let why): Issue.record(Comment(rawValue: why))
    case .rejected(_, let reasonLine, _):
      #expect(p.line == reasonLine, "validator: \(p.line)\nkernel:    \(reasonLine)")
    }
  }

  /// Names the kernel accepts: 512 bytes, dots, INT names with spaces and parentheses.
  @Test func acceptedNames() {
    var b = Blob()
    let i = b.int("long unsigned int")
    b.type(b.str("()"), INT, 0, [0])
    b.type(b.str(String(repeating: "a", count: 512)), STRUCT, vlen: 1, 4, [b.str("x"), i, 0])
    b.type(b.str("core.fmt.Arguments"), STRUCT, 0)
    b.type(b.str(".rodata.str1.1"), DATASEC, vlen: 1, 4, [b.type(b.str("s"), VAR, i, [0]), 0, 4])
    let bytes = b.bytes()
    #expect(BTFValidator.validate(bytes) == [])
    let failure = KernelCheck.acceptanceFailure(bytes)
    #expect(failure == nil, "\(failure ?? "")")
  }

  /// Forms newer kernels accept and older validators refused: kind_flag on TYPE_TAG and
  /// DECL_TAG (attributes, 6.15+), and a DATASEC resolved before its variables' types (the
  /// resolve mode is reset per DATASEC entry).
  @Test func acceptedNewerForms() {
    var b = Blob()
    let ds = b.type(b.str(".data"), DATASEC, vlen: 2, 16, [2, 0, 8, 3, 8, 4])
    b.type(b.str("v"), VAR, 4, [1]) // [2] int *v
    b.type(b.str("w"), VAR, 6, [1]) // [3] T w
    b.type(0, PTR, 5) // [4]
    let i = b.int() // [5]
    b.type(b.str("T"), TYPEDEF, i) // [6]
    b.type(b.str("address_space(1)"), TYPE_TAG, kflag: true, i)
    let s = b.type(b.str("S"), STRUCT, vlen: 1, 4, [b.str("a"), i, 0])
    b.type(b.str("packed"), DECL_TAG, kflag: true, s, [0])
    #expect(ds == 1)
    let bytes = b.bytes()
    #expect(BTFValidator.validate(bytes) == [])
    let failure = KernelCheck.acceptanceFailure(bytes)
    #expect(failure == nil, "\(failure ?? "")")
  }

  /// Problems only the resolve pass finds pass in embedded (vmlinux) mode.
  @Test func embeddedModeSkipsTheResolvePass() {
    let loop = Self.cases.first { $0.message == "Loop detected" }!
    #expect(BTFValidator.validate(loop.bytes, mode: .embedded) == [])
    #expect(BTFValidator.validate(loop.bytes, mode: .load).first?.message == "Loop detected")
  }

  /// A modifier cycle passes the meta checks; at boot the type-tag chain walk stops it.
  @Test func embeddedModeChecksModifierChains() {
    var b = Blob()
    b.type(0, CONST, 2)
    b.type(0, VOLATILE, 1)
    let p = BTFValidator.validate(b.bytes(), mode: .embedded)
    #expect(p.first?.message == "Max chain length or cycle detected")
  }

  @Test func problemCarriesContext() {
    var b = Blob()
    let i = b.int()
    b.type(b.str("S"), STRUCT, vlen: 1, 6, [b.str("a"), i, 32])
    let p = BTFValidator.validate(b.bytes()).first
    #expect(p?.typeID == 2)
    #expect(p?.line == "\ta type_id=1 bits_offset=32 Member exceeds struct_size")
    #expect(p?.context.last == "[2] STRUCT S size=6 vlen=1")
  }

  /// Garbage of every length, with and without a plausible header, never traps.
  @Test func garbageNeverCrashes() {
    var rng = SystemRandomNumberGenerator()
    for n in 0..<2000 {
      var b = (0..<Int.random(in: 0...160, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
      if n % 2 == 0 && b.count >= 24 {
        b[0] = 0x9f
        b[1] = 0xeb
        b[2] = 1
        b[3] = 0
        b[4] = 24
        b[5] = 0
        b[6] = 0
        b[7] = 0
        for k in 8..<24 { b[k] = k % 4 == 0 ? UInt8.random(in: 0...UInt8(min(255, b.count)), using: &rng) : 0 }
      }
      for mode in [ValidationMode.load, .embedded] {
        let p = BTFValidator.validate(b, mode: mode)
        #expect(p.count <= 1)
      }
    }
  }

  @Test func lastLine() {
    #expect(KernelBTF.lastLine(of: "a\nb c\n\n") == "b c")
    #expect(KernelBTF.lastLine(of: "") == "")
    #expect(KernelBTF.lastLine(of: "x\nInvalid magic") == "Invalid magic")
  }

  /// Random corruption of valid BTF never crashes the validator, and it agrees with the kernel.
  @Test func randomCorruptionAgreesWithTheKernel() {
    var base = Blob()
    let i = base.int()
    let p = base.type(0, PTR, 3)
    base.type(base.str("S"), STRUCT, vlen: 3, 24, [base.str("a"), i, 0, base.str("p"), p, 64, base.str("f"), 4, 128])
    base.type(base.str("double"), FLOAT, 8)
    let v = base.type(base.str("v"), VAR, i, [1])
    base.type(base.str(".data"), DATASEC, vlen: 1, 4, [v, 0, 4])
    let proto = base.type(0, PROTO, vlen: 1, i, [base.str("x"), p])
    base.type(base.str("fn"), FUNC, vlen: 1, proto)
    base.type(base.str("E"), ENUM64, vlen: 1, kflag: true, 8, [base.str("A"), 1, 0])
    var seeds = [base.bytes(), EncodeTests.pahole]
    if let every = try? BTFEncoder().encode(EncodeTests.everyKind()) { seeds.append(every) }
    var rng = SystemRandomNumberGenerator()
    let skipKernel = KernelBTF.skipRequested
    if skipKernel { KernelCheck.skipped("1500 mutated blobs") }
    for k in 0..<1500 {
      let good = seeds[k % seeds.count]
      if k < seeds.count { #expect(BTFValidator.validate(good) == []) }
      var b = good
      for _ in 0..<Int.random(in: 1...3, using: &rng) {
        b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
      }
      let ours = BTFValidator.validate(b).first
      if skipKernel { continue }
      switch KernelBTF.load(b) {
      case .accepted: #expect(ours == nil, "kernel accepted, validator: \(ours?.line ?? "")")
      case .rejected(_, let log):
        #expect(ours?.line == KernelBTF.lastLine(of: log))
      case let other:
        Issue.record("kernel unavailable: \(other)")
        return
      }
    }
  }
}
