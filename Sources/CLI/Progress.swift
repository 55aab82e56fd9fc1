import RustBTF

#if canImport(Glibc)
  import Glibc
#endif

/// A one-line progress display on standard error, rewritten in place, while a conversion runs:
/// a distribution vmlinux takes seconds, and silence looks like a hang. Only when standard
/// error is a terminal and `-q` is not given; a build log or a pipe gets nothing.
enum Progress {
  /// The reporter for a conversion, or nil when no display is wanted.
  static func reporter(quiet: Bool) -> (@Sendable (ConversionPhase) -> Void)? {
    guard !quiet, isatty(STDERR_FILENO) == 1 else { return nil }
    return { phase in show(text(phase)) }
  }

  static func text(_ phase: ConversionPhase) -> String {
    switch phase {
    case .importing(let done, let total): "reading DWARF: \(done)/\(total) units"
    case .pass(let index, let count, let name): "pass \(index)/\(count): \(name)"
    case .encoding: "encoding BTF"
    case .validating: "checking the BTF against the kernel's rules"
    }
  }

  /// Replaces the line with `text` (carriage return, then erase to the end of the line).
  static func show(_ text: String) {
    let line = "\r\u{1b}[Krustbtf: \(text)…"
    _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
  }

  /// Erases the line, before the summary or an error is printed.
  static func clear() {
    _ = "\r\u{1b}[K".withCString { write(STDERR_FILENO, $0, strlen($0)) }
  }
}
