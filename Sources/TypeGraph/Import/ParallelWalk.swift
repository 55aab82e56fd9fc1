internal import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

/// The units of a file, for splitting the walk into contiguous ranges.
///
/// libdw creates a unit's object the first time a walk reaches it, and that is not safe from
/// several threads at once; reading abbreviations and DIEs of units that exist is (elfutils
/// 0.178 on; ../shared/docs/swift-libdw.md). So every unit is reached here, on one thread,
/// before any walker starts, and each walker then starts from the unit before its range.
struct UnitList {
  /// `handles[i]` is unit i's `Dwarf_CU`.
  private(set) var handles: [OpaquePointer] = []
  /// Offset of each unit's DIE, and the end of the last unit, for sizing the ranges.
  private(set) var offsets: [UInt64] = []
  /// libdw's reason when the unit after the last one listed cannot be read. It is taken here,
  /// at the first attempt, because libdw answers a second attempt at the same unit differently
  /// ("invalid DWARF" after "invalid DWARF version"), and the error must be the one a single
  /// thread reports (found by the import fuzzer, which compares the two).
  private(set) var failure: String? = nil

  init(_ dbg: OpaquePointer) {
    var cu: OpaquePointer? = nil
    while true {
      var next: OpaquePointer? = nil
      var cudie = Dwarf_Die()
      let rc = dwarf_get_units(dbg, cu, &next, nil, nil, &cudie, nil)
      if rc == 1 { break }
      guard rc == 0, let next else {
        failure = dwarfError()
        return
      }
      handles.append(next)
      offsets.append(dwarf_dieoffset(&cudie))
      cu = next
    }
  }

  /// Units at these DIE offsets and no handles: for tests of the split alone.
  init(offsets: [UInt64]) { self.offsets = offsets }

  var count: Int { offsets.count }

  /// The unit before unit `i` (nil for the first): where a walk of units from `i` starts.
  func previous(_ i: Int) -> OpaquePointer? { i == 0 ? nil : handles[i - 1] }

  /// The ranges of `threads` threads given `rangesPerThread` each, or when nil 32 each; with
  /// `merged` (dedup at import merges each range's copies) none of fewer than
  /// `minimumAutomaticRangeBytes`.
  func ranges(threads: Int, rangesPerThread: Int?, merged: Bool = true) -> [Range<Int>] {
    guard let rangesPerThread else {
      guard merged else { return ranges(threads * 32) }
      let parts = max(1, Int(clamping: totalBytes / Self.minimumAutomaticRangeBytes))
      return ranges(min(threads * 32, parts))
    }
    return ranges(threads * rangesPerThread)
  }

  /// The smallest range the automatic split makes when dedup at import merges each range's
  /// copies: each range builds its own string table and name cache, and its copies of the types
  /// other ranges hold too go to the final dedup, so a range costs more than its bytes. On
  /// `vmlinux.rust` (19 MB of `.debug_info`, long Rust names), 64 ranges of 300 KB took
  /// 0.45-0.55 s, 37 of 512 KB 0.42-0.48 s; 25 of 768 KB 0.40-0.41 s against 0.42-0.45 s for
  /// 512 KB in the same alternating runs, at the same peak (65-68 MB), while 1 MB ranges peaked at
  /// 71-75 MB for no more time (pahole without Rust: 79 MB). A distribution vmlinux's 64 ranges
  /// are 3 MB each, and fewer were no faster there. Without dedup at import (a module on its
  /// base) small ranges cost nothing in the final dedup, and two large ones in flight took 8 MB
  /// more on Debian's largest module (idpf.ko, 1.4 MB of `.debug_info`) for no time.
  static let minimumAutomaticRangeBytes: UInt64 = 768 << 10

  /// Bytes from the first unit's DIE to the end of the last unit.
  private var totalBytes: UInt64 { count == 0 ? 0 : offsets[count - 1] - offsets[0] + 1 }

  /// `parts` (or fewer) contiguous ranges covering every unit, of about the same number of
  /// bytes each. The split only decides which thread walks what: the merged result is the
  /// same for any split (`DWARFWalker.absorb`).
  func ranges(_ parts: Int) -> [Range<Int>] {
    guard count > 0 else { return [] }
    let total = totalBytes
    let share = total / UInt64(max(1, parts)) + 1
    var out: [Range<Int>] = []
    var start = 0
    for i in 1..<count where offsets[i] - offsets[start] >= share {
      out.append(start..<i)
      start = i
    }
    out.append(start..<count)
    return out
  }
}

/// Counts the units walked, for `DWARFImportOptions.unitProgress`; shared by the walkers of a
/// parallel import, hence the lock (a few thousand units: its cost does not show).
final class UnitProgress: @unchecked Sendable {
  private let report: @Sendable (Int, Int) -> Void
  private let total: Int
  private var done = 0
  private var lock = pthread_mutex_t()

  init(total: Int, report: @escaping @Sendable (Int, Int) -> Void) {
    self.total = total
    self.report = report
    pthread_mutex_init(&lock, nil)
    report(0, total)
  }

  deinit { pthread_mutex_destroy(&lock) }

  /// Called as each unit starts; reports now and then, not per unit (a distribution vmlinux
  /// has thousands).
  func unitStarted() {
    pthread_mutex_lock(&lock)
    if done & 63 == 0 && done > 0 { report(done, total) }
    done += 1
    pthread_mutex_unlock(&lock)
  }

  func finished() {
    pthread_mutex_lock(&lock)
    report(total, total)
    pthread_mutex_unlock(&lock)
  }
}

extension DWARFWalker {
  /// Walks the file's own units on `threads` threads, in contiguous ranges (several per thread,
  /// so a thread that drew small units takes another range), and absorbs each range's walk in
  /// file order as soon as it and those before it are done, so finished ranges do not pile up
  /// in memory. The result is that of `walkUnits(of: dwarf)`, errors included: the error of the
  /// first failing range in file order is thrown, as one thread would have met it first.
  /// `observer` (measurements only) is shown each range's own graph before it is absorbed.
  mutating func walkUnitsInParallel(
    _ units: UnitList, threads: Int, rangesPerThread: Int?, observer: (any RangeWalkObserver)? = nil
  ) throws(ImportError) {
    // The walkers start empty (`sibling()`); this graph holds only the ELF symbols so far.
    precondition(graph.count == 1 && graph.memberNames.isEmpty && graph.compileUnits.isEmpty)
    if threads == 1 {
      // Dedup at import on one thread: the same ranges, each walked, merged and absorbed in turn
      // on this thread (a worker walking while this thread absorbs would be a second thread).
      // Siblings of the walker as it was before any range (a later one has other ranges' symbols).
      let template = self
      for range in units.ranges(threads: 1, rangesPerThread: rangesPerThread, merged: canonicalizeRange != nil) {
        var walker = template.sibling()
        do { try walker.walkUnits(of: walker.dwarf, after: units.previous(range.lowerBound), count: range.count) } catch {
          walker.deallocate()
          throw error
        }
        walker.canonicalizeOwnRange()
        absorbRange(&walker, endingAt: range.upperBound, of: units)
      }
      return
    }
    // Small ranges, few ahead: the walks waiting to be absorbed are what parallelism costs in
    // memory, and a range costs little more than its walker's buffers.
    let work = ParallelWalk(
      template: self, units: units,
      ranges: units.ranges(threads: threads, rangesPerThread: rangesPerThread, merged: canonicalizeRange != nil),
      window: threads + 2)
    let workers = (0..<min(threads, work.ranges.count)).compactMap { _ in startThread(failing: failThreadStarts) { work.run() } }
    if workers.isEmpty {
      // No thread could be started (a pids cgroup or nproc limit, no address space for a
      // stack): the walk runs here, on one thread. Not through `work.run()`: a walk ahead of
      // the absorbing waits for it (`window`), and the absorbing thread would wait on itself.
      try walkUnits(of: dwarf, count: units.count)
      return
    }
    var failure: ImportError? = nil
    for k in work.ranges.indices {
      switch work.take(k) {
      case .walked(var chunk):
        if failure == nil {
          if let observer {
            let end = work.ranges[k].upperBound < units.count ? units.offsets[work.ranges[k].upperBound] : unitBytes
            let own = chunk.rangeGraph(from: units.offsets[work.ranges[k].lowerBound], to: end)
            observer.walked(
              range: k, of: work.ranges.count, units: work.ranges[k], graph: own.graph, ids: absorbedIDs(of: chunk.graph).ids,
              firstID: TypeID(graph.count), outsideReferences: own.outside)
          }
          absorbRange(&chunk, endingAt: work.ranges[k].upperBound, of: units)
        } else {
          chunk.deallocate()
        }
      case .failed(let error):
        if failure == nil { failure = error }
      case nil:
        break // not walked: a range before it failed
      }
    }
    for t in workers { pthread_join(t, nil) }
    if let failure { throw failure }
  }
}

extension DWARFWalker {
  /// Absorbs the walk of a range of `units` that ends before unit `end` (`units.count`: the
  /// last), then reserves for the whole file and hands back the pages walked so far.
  fileprivate mutating func absorbRange(_ walker: inout DWARFWalker, endingAt end: Int, of units: UnitList) {
    absorb(&walker)
    let offset = end < units.count ? units.offsets[end] : unitBytes
    reserveForWholeFile(done: offset, total: unitBytes)
    walkedPages?.release(below: offset)
  }
}

/// The shared state of a parallel walk: which range is next, and each range's outcome.
private final class ParallelWalk: @unchecked Sendable {
  enum Outcome {
    case walked(DWARFWalker)
    case failed(ImportError)
  }

  /// Read only while threads run: its configuration and graph seed each range's walker.
  let template: DWARFWalker
  let units: UnitList
  let ranges: [Range<Int>]
  private var next = 0
  /// Ranges absorbed so far, and how far ahead of them a walk may start: finished walks wait
  /// for the absorbing thread, and without a bound they pile up in memory when it falls behind
  /// (more threads than cores).
  private var absorbed = 0
  private let window: Int
  /// Ranges after a failed one are not started (their outcome could not matter).
  private var lastUseful = Int.max
  private var outcomes: [Outcome?]
  private var lock = pthread_mutex_t()
  private var changed = pthread_cond_t()

  init(template: DWARFWalker, units: UnitList, ranges: [Range<Int>], window: Int) {
    self.template = template
    self.window = max(1, window)
    self.units = units
    self.ranges = ranges
    outcomes = Array(repeating: nil, count: ranges.count)
    pthread_mutex_init(&lock, nil)
    pthread_cond_init(&changed, nil)
  }

  deinit {
    pthread_cond_destroy(&changed)
    pthread_mutex_destroy(&lock)
  }

  /// A worker thread: walks ranges until none is left.
  func run() {
    while true {
      pthread_mutex_lock(&lock)
      while next < ranges.count && next <= lastUseful && next >= absorbed + window {
        pthread_cond_wait(&changed, &lock)
      }
      let k = next
      guard k < ranges.count, k <= lastUseful else {
        pthread_mutex_unlock(&lock)
        return
      }
      next += 1
      pthread_mutex_unlock(&lock)

      var walker = template.sibling()
      let outcome: Outcome
      do {
        try walker.walkUnits(of: walker.dwarf, after: units.previous(ranges[k].lowerBound), count: ranges[k].count)
        walker.canonicalizeOwnRange()
        outcome = .walked(walker)
      } catch {
        walker.deallocate()
        outcome = .failed(error)
      }
      pthread_mutex_lock(&lock)
      outcomes[k] = outcome
      if case .failed = outcome { lastUseful = min(lastUseful, k) }
      pthread_cond_broadcast(&changed)
      pthread_mutex_unlock(&lock)
    }
  }

  /// Waits for range `k` and hands its outcome over; nil when it will never be walked.
  func take(_ k: Int) -> Outcome? {
    pthread_mutex_lock(&lock)
    defer { pthread_mutex_unlock(&lock) }
    while outcomes[k] == nil {
      if k > lastUseful && k >= next { return nil }
      pthread_cond_wait(&changed, &lock)
    }
    let outcome = outcomes[k]
    outcomes[k] = nil
    // Taken for absorbing: a walk further on may start.
    absorbed = k + 1
    pthread_cond_broadcast(&changed)
    return outcome
  }
}

/// Starts a thread running `body` (stack 16 MiB: the walk recurses once per DIE nesting level);
/// nil when the system refuses one (or when `failing`, a test's stand-in for a refusal).
func startThread(failing: Bool = false, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
  if failing { return nil }
  final class Box {
    let body: @Sendable () -> Void
    init(_ b: @escaping @Sendable () -> Void) { body = b }
  }
  var attr = pthread_attr_t()
  pthread_attr_init(&attr)
  defer { pthread_attr_destroy(&attr) }
  pthread_attr_setstacksize(&attr, 16 << 20)
  var thread = pthread_t()
  let context = Unmanaged.passRetained(Box(body)).toOpaque()
  let rc = pthread_create(
    &thread, &attr,
    { arg in
      Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
      return nil
    }, context)
  if rc != 0 {
    Unmanaged<Box>.fromOpaque(context).release()
    return nil
  }
  return thread
}
