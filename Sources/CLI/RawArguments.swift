import RustBTF

#if canImport(Glibc)
  import Glibc
#endif

/// The command line as bytes: file names that are not UTF-8 keep their bytes (`FileName`), where
/// CommandLine.arguments would have turned them into U+FFFD and named no file.
enum RawArguments {
  /// The arguments without the program name, each decoded by `FileName.string`.
  static var all: [String] {
    (1..<Int(CommandLine.argc)).map { i in
      guard let arg = CommandLine.unsafeArgv[i] else { return "" }
      return FileName.string(UnsafeBufferPointer(start: arg, count: strlen(arg)).map { UInt8(bitPattern: $0) })
    }
  }
}

/// Input paths handed to the library (`Conversion.run(path:)`, `readFile`), which passes them to
/// C as UTF-8: a name with bytes that are not UTF-8 is opened here and handed over as
/// `/proc/self/fd/N`, the same file, whose messages `LibraryPath.named` turns back into the name.
enum LibraryPath {
  nonisolated(unsafe) private static var aliases: [(alias: String, name: String)] = []

  /// `path` itself, or for a name that is not UTF-8 an alias of the open file. Throws for a file
  /// that cannot be opened, with the message the library would give.
  static func of(_ path: String) throws -> String {
    guard FileName.hasEscapes(path) else { return path }
    if let known = aliases.first(where: { $0.name == path }) { return known.alias }
    let fd = FileName.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    guard fd >= 0 else { throw ConversionError("\(path): cannot open: \(String(cString: strerror(errno)))") }
    let alias = "/proc/self/fd/\(fd)" // open for the life of the process
    aliases.append((alias, path))
    return alias
  }

  /// `text` with each alias replaced by the name it stands for.
  static func named(_ text: String) -> String {
    var text = text
    for (alias, name) in aliases { text = text.replacingAll(alias, with: name) }
    return text
  }
}

extension String {
  /// Every occurrence of `target` replaced (no Foundation in the executable).
  fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty, contains(target) else { return self }
    var out = ""
    var rest = self[...]
    while let range = rest.firstRange(of: target) {
      out += rest[..<range.lowerBound] + replacement
      rest = rest[range.upperBound...]
    }
    return out + rest
  }
}
