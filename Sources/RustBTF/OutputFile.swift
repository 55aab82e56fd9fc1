#if canImport(Glibc)
  import Glibc
#endif

// Output safety: rustbtf runs as root inside kernel builds and on files from anywhere, so
// writing an output never destroys anything. What happens for each kind of output path (README,
// "Output files"):
// - a new or existing regular file: written to a temporary file beside it and renamed over it,
//   so a failed or interrupted run leaves the old file (or none); mode 0666 less the umask;
// - a symlink: followed; the file it points to is replaced, the link stays — unless it lies in
//   a sticky world-writable directory (`/tmp`) and belongs to neither the caller nor the
//   directory's owner: refused, by the rule the kernel applies with fs.protected_symlinks=1,
//   which does not see links resolved here, in user space;
// - an existing device, FIFO or socket (`/dev/null`, `/dev/stdout`): written in place, every
//   write error reported (`/dev/full`: "No space left on device"); never renamed over;
// - a directory, a missing directory, an unwritable one, or the input file itself (by device
//   and inode, whatever the spelling): refused before the conversion starts, exit 1.
// The temporary file is removed on SIGINT, SIGTERM and SIGHUP.

/// Where an output goes, checked before any work is done.
public enum OutputTarget: Equatable, Sendable {
  /// A regular file (existing or not) to replace atomically, symlinks resolved.
  case file(String)
  /// An existing device, FIFO or socket, written in place.
  case special(String)

  /// Checks that `path` can take the output of a conversion of `input`: not the input, not a
  /// directory, in an existing writable directory. Throws a one-line `ConversionError`.
  public static func check(_ path: String, input: String?) throws -> OutputTarget {
    let resolved = try resolvingLinks(path)
    var status = stat()
    if FileName.withCString(resolved, { stat($0, &status) }) == 0 {
      if let input, isSameFile(status, input) {
        throw ConversionError("\(path): this is the input file; refusing to overwrite it")
      }
      switch status.st_mode & S_IFMT {
      case S_IFREG: break
      case S_IFDIR: throw ConversionError("\(path): is a directory")
      default: return .special(resolved)
      }
    }
    let dir = directoryName(resolved)
    var dirStatus = stat()
    guard FileName.withCString(dir, { stat($0, &dirStatus) }) == 0, dirStatus.st_mode & S_IFMT == S_IFDIR else {
      throw ConversionError("\(path): the directory \(dir) does not exist")
    }
    guard FileName.withCString(dir, { access($0, W_OK | X_OK) }) == 0 else {
      throw ConversionError("\(path): cannot write in \(dir): \(errnoText())")
    }
    return .file(resolved)
  }

  /// `path` with symlinks resolved as far as they lead: a link to a file that does not exist
  /// yet names where that file will be. Only the last component's links are resolved here; the
  /// kernel resolves the directories (and applies fs.protected_symlinks to them). Throws for a
  /// link the kernel's rule would not follow (`checkLinkMayBeFollowed`).
  static func resolvingLinks(_ path: String) throws -> String {
    var current = path
    for _ in 0..<40 {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let n = FileName.withCString(current) { readlink($0, &buffer, buffer.count - 1) }
      if n < 0 { return current }
      try checkLinkMayBeFollowed(current, reportedAs: path)
      let target = FileName.string(buffer[0..<n].map { UInt8(bitPattern: $0) })
      current = target.hasPrefix("/") ? target : directoryName(current) + "/" + target
    }
    return current
  }

  /// The kernel's rule for following a symlink with fs.protected_symlinks=1 (fs/namei.c,
  /// may_follow_link): a link in a sticky world-writable directory is followed only by its
  /// owner, or when it belongs to the directory's owner. Otherwise another user of `/tmp` could
  /// plant `out.btf` as a link and have root replace any file it points to.
  static func checkLinkMayBeFollowed(_ link: String, reportedAs path: String) throws {
    var linkStatus = stat()
    var dirStatus = stat()
    let dir = directoryName(link)
    guard FileName.withCString(link, { lstat($0, &linkStatus) }) == 0,
      FileName.withCString(dir, { stat($0, &dirStatus) }) == 0
    else { return } // gone: nothing to follow
    let stickyAndWorldWritable = dirStatus.st_mode & (S_ISVTX | S_IWOTH) == S_ISVTX | S_IWOTH
    if linkStatus.st_uid == geteuid() || !stickyAndWorldWritable || linkStatus.st_uid == dirStatus.st_uid { return }
    throw ConversionError(
      """
      \(path): refusing to follow the symlink \(link), owned by uid \(linkStatus.st_uid), in the sticky world-writable directory \(dir) \
      (owned by uid \(dirStatus.st_uid)): it belongs to neither you nor the directory's owner
      """
    )
  }

  private static func isSameFile(_ output: stat, _ input: String) -> Bool {
    var i = stat()
    return FileName.withCString(input, { stat($0, &i) }) == 0 && i.st_dev == output.st_dev && i.st_ino == output.st_ino
  }
}

/// Writes `bytes` to `path` as `OutputTarget` says: atomically for a file (temporary file and
/// rename, mode 0666 less the umask), in place for a device or FIFO. A failed or interrupted
/// run never leaves a half-written file. `input`, when given, is never overwritten.
public func writeAtomically(_ bytes: [UInt8], to path: String, input: String? = nil) throws {
  switch try OutputTarget.check(path, input: input) {
  case .special(let device):
    let fd = FileName.withCString(device) { open($0, O_WRONLY | O_CLOEXEC) }
    guard fd >= 0 else { throw ConversionError("\(path): cannot open: \(errnoText())") }
    defer { close(fd) }
    try writeAll(fd, bytes, path)
  case .file(let target):
    let tmp = try TemporaryFile(besides: target, reportedAs: path)
    do {
      try writeAll(tmp.fd, bytes, path)
      let mask = umask(0)
      umask(mask)
      guard fchmod(tmp.fd, 0o666 & ~mask) == 0 else { throw ConversionError("\(path): cannot set the mode: \(errnoText())") }
      try tmp.commit(as: target)
    } catch {
      tmp.discard()
      throw error
    }
  }
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws {
  var written = 0
  while written < bytes.count {
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
    if n < 0 && errno == EINTR { continue }
    guard n > 0 else { throw ConversionError("\(path): write failed: \(errnoText())") }
    written += n
  }
}

/// A `.rustbtf-XXXXXX` file beside the target, which becomes the target by rename() or is
/// removed — also when a signal ends the process (`SignalCleanup`).
final class TemporaryFile {
  let path: String
  private(set) var fd: Int32
  let file: String

  init(besides target: String, reportedAs file: String) throws {
    let dir = directoryName(target)
    var template = FileName.bytes(of: "\(dir)/.rustbtf-XXXXXX").map { CChar(bitPattern: $0) } + [0]
    SignalCleanup.install()
    // A signal between creating the file and recording its name would leave the file behind:
    // the signals the cleanup handles wait until the name is recorded.
    let blocked = SignalCleanup.block()
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    let created = errno
    self.path = FileName.string(template.dropLast().map { UInt8(bitPattern: $0) })
    if fd >= 0 { SignalCleanup.track(path) }
    SignalCleanup.restore(blocked)
    guard fd >= 0 else { throw ConversionError("\(file): cannot create a temporary file in \(dir): \(String(cString: strerror(created)))") }
    self.fd = fd
    self.file = file
  }

  /// Makes the file durable and renames it over `target`.
  func commit(as target: String) throws {
    guard fsync(fd) == 0 else { throw ConversionError("\(file): cannot write: \(errnoText())") }
    let closed = close(fd)
    fd = -1
    guard closed == 0 else { throw ConversionError("\(file): cannot write: \(errnoText())") }
    // The rename and forgetting the name go together: a signal comes before both (the temporary
    // file is removed, the target untouched) or after both (the target is complete).
    let blocked = SignalCleanup.block()
    let renamed = FileName.withCString(path, { from in FileName.withCString(target) { rename(from, $0) } }) == 0
    let failure = errno
    if renamed { SignalCleanup.track(nil) }
    SignalCleanup.restore(blocked)
    guard renamed else {
      throw ConversionError("\(file): cannot replace the file: \(String(cString: strerror(failure)))")
    }
    syncDirectory(directoryName(target))
  }

  func discard() {
    if fd >= 0 { close(fd) }
    fd = -1
    FileName.withCString(path) { _ = unlink($0) }
    SignalCleanup.track(nil)
  }
}

/// The temporary output file in flight, for code that ends the process without unwinding.
public enum TemporaryOutput {
  /// Its path as a NUL-terminated C string, empty when no temporary file exists; valid for the
  /// life of the process. The `rustbtf` executable's out-of-memory handler removes it.
  public static var inFlightPath: UnsafePointer<CChar> { UnsafePointer(SignalCleanup.buffer) }
}

/// Removes the temporary file in flight when SIGINT, SIGTERM or SIGHUP arrives, then lets the
/// signal end the process as it would have. The path sits in a fixed C buffer, so the handler
/// only calls async-signal-safe functions (unlink, signal, raise).
enum SignalCleanup {
  nonisolated(unsafe) static let buffer: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: Int(PATH_MAX) + 1)
    p.initialize(repeating: 0, count: Int(PATH_MAX) + 1)
    return p
  }()
  nonisolated(unsafe) static var installed = false

  static func install() {
    if installed { return }
    installed = true
    _ = buffer // initialized here, never in the handler
    for sig in handled {
      // A signal the parent ignores stays ignored (`nohup rustbtf …` outlives its terminal).
      var current = sigaction()
      sigaction(sig, nil, &current)
      if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1 { continue } // SIG_IGN
      signal(sig) { sig in
        if SignalCleanup.buffer[0] != 0 { unlink(SignalCleanup.buffer) }
        signal(sig, SIG_DFL)
        raise(sig)
      }
    }
  }

  static let handled = [SIGINT, SIGTERM, SIGHUP]

  /// Holds the handled signals back (until `restore`); returns the mask to restore.
  static func block() -> sigset_t {
    var set = sigset_t()
    var old = sigset_t()
    sigemptyset(&set)
    for sig in handled { sigaddset(&set, sig) }
    pthread_sigmask(SIG_BLOCK, &set, &old)
    return old
  }

  static func restore(_ old: sigset_t) {
    var old = old
    pthread_sigmask(SIG_SETMASK, &old, nil)
  }

  /// The temporary file to remove on a signal; nil once it is renamed or removed.
  static func track(_ path: String?) {
    guard let path, !path.isEmpty, FileName.bytes(of: path).count <= Int(PATH_MAX) else {
      buffer[0] = 0
      return
    }
    buffer[0] = 0 // never a half-copied path in the buffer
    FileName.withCString(path) { src in
      var i = 1
      while src[i] != 0 {
        buffer[i] = src[i]
        i += 1
      }
      buffer[i] = 0
      buffer[0] = src[0]
    }
  }
}

func directoryName(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// Makes a rename durable. Best effort: the file is already in place when this runs.
func syncDirectory(_ dir: String) {
  let fd = FileName.withCString(dir) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
  guard fd >= 0 else { return }
  fsync(fd)
  close(fd)
}

func errnoText() -> String { String(cString: strerror(errno)) }
