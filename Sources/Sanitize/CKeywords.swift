/// Spellings a BTF name must not have, because `bpftool btf dump format c` prints names as they
/// are and a C compiler then reads them as keywords: `struct s { u32 char; u64 default; }` does
/// not compile. Rust takes most of them as identifiers (`char`, `int`, `default`, `signed`), and
/// raw identifiers such as `r#static` reach DWARF as `static`.
///
/// The set is what breaks a header compiled as C17 with GNU extensions (clang's and GCC's
/// default, `gnu17`, which is how BPF programs include `vmlinux.h`), each entry checked with
/// `clang -target bpf` as a member and as a typedef name (`CKeywordTests`):
/// - the 44 keywords of C17 (6.4.1);
/// - GNU keywords without underscores (`asm`, `typeof`) and the underscored alternates and
///   extension keywords of GCC and clang (`__asm__`, `__attribute__`, `__int128`, `_Float16`,
///   `__auto_type`, `__builtin_offsetof`, calling-convention and nullability keywords…);
/// - keywords only newer compilers have (`_Countof`, `__ptrauth`): a header must compile with
///   those too.
/// Not in the set: C23's new keywords (`bool`, `true`, `false`, `nullptr`, `alignas`,
/// `static_assert`…), since the kernel's own C names use `bool`, `true` and `false` and C names
/// never change; and types compilers predeclare, which are not keywords: GCC's DWARF has a
/// typedef `__builtin_va_list`, which bpftool leaves out of its headers on purpose (the
/// compiler reading the header has its own).
public enum CKeywords {
  /// C17 6.4.1.
  public static let c17: [String] = [
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary",
    "_Noreturn", "_Static_assert", "_Thread_local",
  ]

  /// GNU keywords of gnu17 mode, the underscored alternates, extension types, builtins parsed as
  /// keywords, calling-convention and nullability keywords; clang 14 and later reject each.
  public static let extensions: [String] = [
    "asm", "typeof", "__asm", "__asm__", "__attribute", "__attribute__", "__const", "__const__",
    "__inline", "__inline__", "__restrict", "__restrict__", "__signed", "__signed__", "__volatile",
    "__volatile__", "__typeof", "__typeof__", "__alignof", "__alignof__", "__extension__", "__label__",
    "__real", "__real__", "__imag", "__imag__", "__complex", "__complex__", "__thread", "__auto_type",
    "__func__", "__FUNCTION__", "__PRETTY_FUNCTION__",
    "__int128", "_Float16", "__fp16", "__bf16", "__float128", "__ibm128", "_BitInt", "_Decimal32",
    "_Decimal64", "_Decimal128", "__builtin_va_arg", "__builtin_offsetof", "__builtin_types_compatible_p",
    "__builtin_choose_expr", "__builtin_bit_cast", "__builtin_convertvector", "__builtin_FILE", "_Pragma",
    "__private_extern__", "__objc_yes", "__objc_no", "__has_include", "__is_identifier",
    "__cdecl", "__stdcall", "__fastcall", "__thiscall", "__regcall", "__vectorcall", "__pascal",
    "_Nonnull", "_Nullable", "_Null_unspecified",
  ]

  /// Keywords of newer compilers (clang 17 to 21), which older ones still take as names.
  public static let newerCompilers: [String] = [
    "_Countof", "__builtin_vectorelements", "__ptrauth", "__arm_streaming", "__nullptr",
    "__typeof_unqual", "__typeof_unqual__", "__funcref",
  ]

  public static let all = Set(c17 + extensions + newerCompilers)

  /// Longest entry, so that longer names are ruled out without building a String.
  static let maxLength = all.map(\.utf8.count).max()!

  public static func contains(_ name: String) -> Bool {
    name.utf8.count <= maxLength && all.contains(name)
  }

  /// Without making a String: sanitize-names asks this of every distinct valid name a graph
  /// uses (half a million on a distribution vmlinux), and a String and a hashed Set lookup each
  /// were most of its examination of the names. The entries of the name's length are compared
  /// byte by byte (a handful each; most differ at the first byte).
  public static func contains(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count <= maxLength else { return false }
    return byLength[bytes.count].contains { entry in entry.elementsEqual(bytes) }
  }

  /// The entries of `all` by their length in bytes.
  static let byLength: [[[UInt8]]] = {
    var out = [[[UInt8]]](repeating: [], count: maxLength + 1)
    for k in all.sorted() { out[k.utf8.count].append(Array(k.utf8)) }
    return out
  }()
}
