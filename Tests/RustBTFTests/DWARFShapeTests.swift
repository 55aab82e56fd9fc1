import Encode
import Foundation
import Testing
import Verify

@testable import TypeGraph

/// DWARF of shapes compilers rarely make, written by `Corpus/src/dwarf_shapes.py` and assembled
/// here with clang: a walk split in many ranges with no thread to run them, long chains of
/// anonymous types, deep nesting, dangling references and reference cycles.
@Suite struct DWARFShapeTests {
  /// An object whose DWARF has `shape` (`dwarf_shapes.py SHAPE N`), in a fresh directory.
  static func shape(_ shape: String, _ n: Int? = nil) throws -> String {
    let clang = try CTools.find("clang", package: "clang")
    let python = try CTools.find("python3", package: "python3")
    let dir = try temporaryDirectory()
    let name = shape + (n.map { "-\($0)" } ?? "")
    let gen = try runTool(python, [packageRoot + "/Corpus/src/dwarf_shapes.py", shape] + (n.map { ["\($0)"] } ?? []))
    guard gen.status == 0 else { throw CLIError("dwarf_shapes.py \(shape): \(gen.stderr)") }
    try gen.stdout.write(toFile: dir + "/\(name).s", atomically: true, encoding: .utf8)
    let cc = try runTool(clang, ["-c", dir + "/\(name).s", "-o", dir + "/\(name).o"])
    guard cc.status == 0 else { throw CLIError("clang \(name).s: \(cc.stderr)") }
    return dir + "/\(name).o"
  }

  /// Runs `body` on a thread of its own and waits at most `seconds`: a hang fails the test
  /// instead of stopping the suite (the stuck thread is left behind).
  static func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      body()
      done.signal()
    }
    return done.wait(timeout: .now() + seconds) == .success
  }

  // MARK: No thread can start (issue 22, item 1)

  /// When no walker thread can be started, a parallel import walks on the calling thread and
  /// builds the graph one thread builds. It used to walk the first few ranges there and then
  /// wait for itself to absorb them (`ParallelWalk`'s window): a hang at 0% CPU.
  @Test func parallelImportWithoutThreadsWalksOnTheCallingThread() throws {
    let path = try Self.shape("units", 40)
    let one = try ParallelImportTests.importing(path, threads: 1)
    let result = Box()
    let finished = Self.finishes(within: 60) {
      var options = DWARFImportOptions()
      options.threads = 2
      options.failThreadStarts = true
      var stats = ImportStatistics()
      result.graph = try? DWARFImporter.importFile(path: path, options: options, statistics: &stats)
    }
    #expect(finished, "a --jobs 2 import with no thread to start did not finish")
    guard finished else { return } // recorded above; the import may still be running
    let graph = try #require(result.graph, "the import with no thread to start failed instead of walking on the calling thread")
    #expect(one.stats.units == 40)
    #expect(ParallelImportTests.difference(one.graph, graph) == nil)
  }

  final class Box: @unchecked Sendable { var graph: TypeGraph? = nil }

  /// The command line under a limit of one process for its user (a build farm's pids cgroup or
  /// nproc limit): `--jobs 2` and pahole's `-J -j` finish and write what one thread writes.
  @Test func conversionUnderOneProcessLimitFinishes() throws {
    try #require(getuid() == 0, "running rustbtf as another user under a process limit (setpriv) needs root")
    let setpriv = try CTools.find("setpriv", package: "util-linux")
    let prlimit = try CTools.find("prlimit", package: "util-linux")
    let timeout = try CTools.find("timeout", package: "coreutils")
    let input = try Self.shape("units", 40)
    let dir = URL(fileURLWithPath: input).deletingLastPathComponent().path
    chmod(dir, 0o777)
    chmod(input, 0o644)
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups", prlimit, "--nproc=1"]
    for (name, one, many) in [
      ("jobs", [input, "-o"], ["--jobs", "2", input, "-o"]),
      ("pahole", ["-J", input, "--btf_encode_detached"], ["-J", "-j", input, "--btf_encode_detached"]),
    ] {
      let reference = try runCLI(one + [dir + "/\(name)-1.btf"])
      #expect(reference.status == 0, "\(reference.stderr)")
      let run = try runTool(timeout, ["-s", "KILL", "120", setpriv] + nobody + [try rustbtfBinary()] + many + [dir + "/\(name).btf"])
      #expect(run.status == 0, "\(many) under nproc=1: exit \(run.status) (124: timed out) \(run.stderr)")
      guard run.status == 0 else { continue }
      let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/\(name).btf"))
      #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: dir + "/\(name)-1.btf"))), "\(many): not the BTF of one thread")
      if let failure = KernelCheck.acceptanceFailure(Array(bytes)) { Issue.record("\(name): \(failure)") }
    }
  }
}

extension DWARFShapeTests {
  // MARK: Deep nesting (issue 22, item 3)

  /// 300 structs, each defined inside the one before: all 300 are written with their members
  /// (the walk used to stop at 256 levels, writing `s255` empty and dropping the rest, exit 0).
  @Test func deeplyNestedStructsAreAllWritten() throws {
    let n = 300
    let path = try Self.shape("nested", n)
    let out = path + ".btf"
    let run = try runCLI([path, "-o", out])
    #expect(run.status == 0, "\(run.stderr)")
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: out)))
    let btf = try BTFDecoder.decode(bytes)
    let structs = Dictionary(
      btf.ids.filter { btf.kind($0) == .structure }.map { (btf.nameString($0), $0) }, uniquingKeysWith: { a, _ in a })
    #expect(structs.count == n)
    for i in 0..<n {
      guard let s = structs["s\(i)"] else {
        Issue.record("s\(i) is missing")
        continue
      }
      #expect(btf.members(of: s).count == (i == n - 1 ? 1 : 2) && btf.size(s) == UInt32(4 * (n - i)), "s\(i)")
    }
    if let failure = KernelCheck.acceptanceFailure(bytes) { Issue.record("\(failure)") }
  }

  /// Nesting deeper than a thread's stack holds (here a stack budget of 256 KiB, so that a few
  /// thousand levels reach it): the walk continues on fresh stacks and builds the graph it
  /// builds with no cut, on one thread and on two. Without a thread for a fresh stack, the
  /// import fails in one line instead of dropping what it cannot reach.
  @Test func nestingDeeperThanTheStackIsFollowed() throws {
    let n = 3000
    let path = try Self.shape("nested", n)
    let plain = try ParallelImportTests.importing(path, threads: 1)
    #expect(plain.graph.ids.filter { plain.graph.kind($0) == .structure }.count == n)
    #expect(plain.graph.ids.filter { plain.graph.kind($0) == .structure && plain.graph.memberCount($0) == 2 }.count == n - 1)
    for threads in [1, 2] {
      var options = DWARFImportOptions()
      options.threads = threads
      options.stackBudget = 256 << 10
      let log = FreshStackLog()
      options.freshStacks = log
      var stats = ImportStatistics()
      let graph = try DWARFImporter.importFile(path: path, options: options, statistics: &stats)
      #expect(log.count > 0, "no fresh stack was taken")
      #expect(ParallelImportTests.difference(plain.graph, graph) == nil && stats == plain.stats)

      options.failThreadStarts = true
      #expect {
        _ = try DWARFImporter.importFile(path: path, options: options)
      } throws: { error in
        "\(error)".contains("DWARF nested too deep for the stack") && !"\(error)".contains("\n")
      }
    }
  }

  // MARK: References to no DIE, type cycles (issue 22, items 4 and 16)

  /// A `DW_AT_type` past the end of `.debug_info` or into the middle of a DIE is corrupt
  /// DWARF: exit 1 with one line; with `--allow-incomplete-dwarf` a warning and the reference
  /// made void. It used to pass as `typedef void`, exit 0.
  @Test(arguments: [("dangling-outside", "past the end of .debug_info"), ("dangling-middle", "where no DIE starts")])
  func danglingReferencesAreCorruptDWARF(shape: String, reason: String) throws {
    let path = try Self.shape(shape)
    let out = path + ".btf"
    let run = try runCLI([path, "-o", out])
    #expect(run.status == 1 && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    #expect(run.stderr.contains("corrupt or truncated DWARF: 1 references point to no DIE") && run.stderr.contains(reason), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
    let allowed = try runCLI(["--allow-incomplete-dwarf", path, "-o", out])
    #expect(allowed.status == 0 && allowed.stderr.contains("warning") && allowed.stderr.contains(reason), "\(allowed.stderr)")
    if let failure = KernelCheck.acceptanceFailure(try Array(Data(contentsOf: URL(fileURLWithPath: out)))) { Issue.record("\(failure)") }
  }

  /// A pointer to itself, or a pointer to a typedef of itself: "corrupt DWARF: type cycle at
  /// DIE 0x…", exit 1 (it was blamed on the pipeline); with `--allow-incomplete-dwarf` the cycle
  /// is broken (the reference that closes it made void) with a warning.
  @Test(arguments: [("cycle-self", "PTR -> PTR"), ("cycle-typedef", "PTR -> TYPEDEF -> PTR")])
  func typeCyclesAreCorruptDWARF(shape: String, path cycle: String) throws {
    let path = try Self.shape(shape)
    let out = path + ".btf"
    let run = try runCLI([path, "-o", out])
    #expect(run.status == 1 && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    #expect(run.stderr.contains("corrupt DWARF: type cycle at DIE 0x") && run.stderr.contains(cycle), "\(run.stderr)")
    #expect(!run.stderr.contains("pipeline") && !FileManager.default.fileExists(atPath: out), "\(run.stderr)")
    let allowed = try runCLI(["--allow-incomplete-dwarf", path, "-o", out])
    #expect(allowed.status == 0 && allowed.stderr.contains("1 type cycles broken"), "\(allowed.stderr)")
    if let failure = KernelCheck.acceptanceFailure(try Array(Data(contentsOf: URL(fileURLWithPath: out)))) { Issue.record("\(failure)") }
  }

  /// The checks see corruption, not ordinary input: no corpus object has a dangling reference
  /// or a type cycle.
  @Test func corpusHasNoDanglingReferencesOrCycles() throws {
    for name in try ImportTests.corpusObjects() {
      let stats = try ParallelImportTests.importing(ImportTests.object(name), threads: 1).stats
      #expect(stats.danglingReferences == 0 && stats.typeCycles == 0, "\(name): \(stats)")
    }
  }
}
