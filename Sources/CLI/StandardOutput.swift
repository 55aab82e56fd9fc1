import RustBTF

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// Standard output, checked in one place. What rustbtf prints there (reports, dumps, `verify`'s
/// verdict, `--version`, BTF with `-o -`) goes through `StandardOutput.write`, which keeps the
/// first write error's errno; ArgumentParser's help goes through C's `stdout`. `check()` — run
/// at exit by `atexit`, whatever path ends the process, and right after BTF is written there —
/// flushes `stdout` and looks for an error in either. A write error (`> /dev/full`) ends the
/// process with one line on standard error and exit 1, as coreutils' close_stdout does; a reader
/// that went away (EPIPE: `rustbtf dump X | head`, with SIGPIPE ignored by the parent) ends it
/// silently by SIGPIPE, as SIGPIPE would have.
enum StandardOutput {
  /// errno of the first write to standard output that failed; 0 while none has.
  nonisolated(unsafe) private static var firstError: Int32 = 0

  /// Installs the check at exit; before anything is printed.
  static func install() {
    atexit { StandardOutput.check() }
  }

  /// Writes `bytes` whole to file descriptor 1 (after what C's stdout holds); after a failure,
  /// writes nothing more.
  static func write(_ bytes: UnsafeRawBufferPointer) {
    guard firstError == 0, let base = bytes.baseAddress else { return }
    fflush(stdout)
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(STDOUT_FILENO, base + done, bytes.count - done)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        firstError = n < 0 ? errno : EIO
        return
      }
      done += n
    }
  }

  /// Ends the process if a write to standard output failed (exit 1 with one line; EPIPE:
  /// SIGPIPE, silently); returns when everything written so far reached the file.
  static func check() {
    errno = 0
    if fflush(stdout) != 0 || ferror(stdout) != 0, firstError == 0 {
      // A failed flush sets errno; an error stdio met earlier only left its flag.
      firstError = errno != 0 ? errno : EIO
    }
    guard firstError != 0 else { return }
    if firstError == EPIPE {
      signal(SIGPIPE, SIG_DFL)
      raise(SIGPIPE)
    }
    standardError("rustbtf: standard output: write error: \(String(cString: strerror(firstError)))")
    _exit(Exit.failure)
  }
}

/// The executable's `print`: through `StandardOutput.write`, so that every report's write
/// errors are seen (Swift's own `print` goes through C's stdout, whose errors lose errno).
/// Names that are not UTF-8 show as `\xNN` (`FileName`), as in messages.
func print(_ text: String, terminator: String = "\n") {
  var line = FileName.display(LibraryPath.named(text)) + terminator
  line.withUTF8 { StandardOutput.write(UnsafeRawBufferPointer($0)) }
}
