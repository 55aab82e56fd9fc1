import Foundation
import RustBTF
import Testing

/// Output never destroys anything (README, "Output files"): each kind of output path, through
/// the command line as users meet it.
@Suite struct OutputSafetyTests {
  let sample = corpusObject("rust_enums-O0.o")

  /// A private copy of the sample in a fresh directory.
  func workspace() throws -> (dir: String, input: String, original: Data) {
    let dir = try temporaryDirectory()
    let input = dir + "/in.o"
    try FileManager.default.copyItem(atPath: sample, toPath: input)
    return (dir, input, try Data(contentsOf: URL(fileURLWithPath: input)))
  }

  func leftovers(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".rustbtf-") }
  }

  @Test func theInputIsNeverTheOutput() throws {
    let w = try workspace()
    try FileManager.default.createSymbolicLink(atPath: w.dir + "/alias.o", withDestinationPath: "in.o")
    for (args, label) in [
      (["-o", w.dir + "/./in.o"], "-o"), (["-o", w.dir + "/alias.o"], "-o via a symlink"),
      (["--btf_encode_detached", w.input], "--btf_encode_detached"),
      (["-J", "--btf_encode_detached", w.input], "pahole's detached"),
    ] {
      let run = try runCLI([w.input] + args)
      #expect(run.status == 1 && run.stderr.contains("this is the input file"), "\(label): \(run.stderr)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: w.input)) == w.original, "\(label) changed the input")
    }
  }

  @Test func devicesAreWrittenInPlaceWithErrorsReported() throws {
    let w = try workspace()
    let null = try runCLI([w.input, "-q", "-o", "/dev/null"])
    #expect(null.status == 0, "\(null.stderr)")
    var st = stat()
    #expect(stat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "/dev/null is no longer a device")
    let full = try runCLI([w.input, "-q", "-o", "/dev/full"])
    #expect(full.status == 1 && full.stderr.contains("No space left on device"), "\(full.stderr)")
    #expect(stat("/dev/full", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
    let inPlace = try runCLI(["-J", "/dev/null"])
    #expect(inPlace.status == 1 && inPlace.stderr.contains("not a regular file"), "\(inPlace.stderr)")
  }

  @Test func badOutputDirectoriesAreFoundFirst() throws {
    let w = try workspace()
    for (out, message) in [(w.dir + "/missing/x.btf", "does not exist"), (w.dir, "is a directory")] {
      let run = try runCLI([w.input, "--time-passes", "-o", out])
      #expect(run.status == 1 && run.stderr.contains(message), "\(out): \(run.stderr)")
      #expect(!run.stderr.contains("pass "), "\(out): the conversion ran before the output was checked")
    }
  }

  @Test func symlinksAreFollowedAndKept() throws {
    let w = try workspace()
    try FileManager.default.createSymbolicLink(atPath: w.dir + "/link.btf", withDestinationPath: "real.btf")
    #expect(try runCLI([w.input, "-q", "-o", w.dir + "/link.btf"]).status == 0)
    let attributes = try FileManager.default.attributesOfItem(atPath: w.dir + "/link.btf")
    #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
    #expect(FileManager.default.fileExists(atPath: w.dir + "/real.btf"))
  }

  /// As root, a link another user planted in a sticky world-writable directory (`/tmp/out.btf`
  /// pointing at a root-owned file) is not followed, for `-o` and for `-J`: the kernel's
  /// fs.protected_symlinks rule, which does not see links resolved in user space. Links of the
  /// caller or of the directory's owner are followed.
  @Test func anotherUsersSymlinkInAStickyDirectoryIsNotFollowed() throws {
    try #require(geteuid() == 0, "planting another user's link needs root")
    let w = try workspace()
    defer { try? FileManager.default.removeItem(atPath: w.dir) }
    let sticky = w.dir + "/tmp"
    #expect(mkdir(sticky, 0o777) == 0 && chmod(sticky, 0o1777) == 0)
    let victim = w.dir + "/victim"
    let precious = Data("root's file\n".utf8)
    try precious.write(to: URL(fileURLWithPath: victim))
    let link = sticky + "/out.btf"
    let elfLink = sticky + "/in.o"
    #expect(symlink(victim, link) == 0 && lchown(link, 1234, 1234) == 0)
    #expect(symlink(w.input, elfLink) == 0 && lchown(elfLink, 1234, 1234) == 0)

    for args in [[w.input, "-q", "-o", link], ["-J", elfLink], ["-J", "--btf_encode_detached", link, w.input]] {
      let run = try runCLI(args)
      #expect(run.status == 1 && run.stderr.split(separator: "\n").count == 1, "\(args): \(run.stderr)")
      #expect(run.stderr.contains("refusing to follow the symlink") && run.stderr.contains("uid 1234"), "\(run.stderr)")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) == precious)
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.input)) == w.original)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == victim)

    // The directory's owner's link is followed, and so is the caller's.
    #expect(chown(sticky, 1234, 1234) == 0)
    let byOwner = try runCLI([w.input, "-q", "-o", link])
    #expect(byOwner.status == 0, "\(byOwner.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) != precious)
    #expect(chown(sticky, 0, 0) == 0 && lchown(elfLink, 0, 0) == 0)
    let byCaller = try runCLI(["-J", elfLink])
    #expect(byCaller.status == 0, "\(byCaller.stderr)")
    #expect(try readBTFSection(fromELF: w.input) != nil)
  }

  @Test func modeFollowsTheUmask() throws {
    let w = try workspace()
    let run = try runTool(
      "/bin/sh", ["-c", "umask 027 && exec \"$0\" \"$1\" -q -o \"$2\"", try rustbtfBinary(), w.input, w.dir + "/o.btf"])
    #expect(run.status == 0, "\(run.stderr)")
    let mode = try FileManager.default.attributesOfItem(atPath: w.dir + "/o.btf")[.posixPermissions] as? Int
    #expect(mode == 0o640)
  }

  /// SIGTERM while `-J` writes its temporary copy: the copy is removed, the file is as it was,
  /// and the process ends by the signal. The input is made large (a 64 MiB section) so the
  /// copy is on disk long enough to be seen; the test fails if it never was.
  @Test func aSignalDuringTheWriteLeavesNoTemporaryFile() throws {
    let w = try workspace()
    defer { try? FileManager.default.removeItem(atPath: w.dir) } // 64 MiB
    let pad = w.dir + "/pad.bin"
    FileManager.default.createFile(atPath: pad, contents: Data(count: 64 << 20))
    let objcopy = try CTools.find("objcopy", package: "binutils")
    let big = w.dir + "/big.o"
    #expect(try runTool(objcopy, ["--add-section", ".pad=" + pad, w.input, big]).status == 0)
    try FileManager.default.removeItem(atPath: pad)
    let before = try Data(contentsOf: URL(fileURLWithPath: big))
    // What an uninterrupted -J writes, for a signal that lands after the rename.
    let finished = w.dir + "/finished.o"
    try FileManager.default.copyItem(atPath: big, toPath: finished)
    #expect(try runCLI(["-J", finished]).status == 0)
    let complete = try Data(contentsOf: URL(fileURLWithPath: finished))
    try FileManager.default.removeItem(atPath: finished)
    var caught = false
    for _ in 0..<5 where !caught {
      let pid = try spawnWithDefaultSignals(try rustbtfBinary(), ["-J", big])
      var status: Int32 = 0
      var killed = false
      while waitpid(pid, &status, WNOHANG) == 0 {
        if try !leftovers(w.dir).isEmpty {
          kill(pid, SIGTERM)
          killed = true
          waitpid(pid, &status, 0)
          break
        }
        usleep(200)
      }
      #expect(try leftovers(w.dir).isEmpty, "a temporary file was left behind")
      let now = try Data(contentsOf: URL(fileURLWithPath: big))
      if killed && now == before {
        // Interrupted before the rename: killed by SIGTERM, as the signal would have ended it
        // without rustbtf's handler, and the file as it was.
        #expect(status & 0x7f == SIGTERM, "wait status \(status)")
        caught = true
      } else {
        // The signal came after the rename (or never): the file is the complete output.
        #expect(now == complete, "the interrupted -J left a file that is neither the old one nor the new one")
        if now != before { try before.write(to: URL(fileURLWithPath: big)) }
      }
    }
    #expect(caught, "no run was interrupted while its temporary file existed; nothing was tested")
  }
}

/// Starts `tool` with every signal unblocked and at its default action (the test runner's
/// threads block most signals, and a child inherits that mask); returns its pid.
func spawnWithDefaultSignals(_ tool: String, _ arguments: [String]) throws -> pid_t {
  var attr = posix_spawnattr_t()
  posix_spawnattr_init(&attr)
  defer { posix_spawnattr_destroy(&attr) }
  var none = sigset_t()
  var defaults = sigset_t()
  sigemptyset(&none)
  sigemptyset(&defaults)
  for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, sig) }
  posix_spawnattr_setsigmask(&attr, &none)
  posix_spawnattr_setsigdefault(&attr, &defaults)
  posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
  let argv = ([tool] + arguments).map { strdup($0) } + [nil]
  defer { for p in argv { free(p) } }
  var pid: pid_t = 0
  let rc = posix_spawn(&pid, tool, nil, &attr, argv, environ)
  guard rc == 0 else { throw CLIError("posix_spawn \(tool): \(String(cString: strerror(rc)))") }
  return pid
}
