import RustBTF
import TypeGraph

#if canImport(Glibc)
  import Glibc
#endif

/// `--time-passes`: wall time of each pass and the graph's size after it.
final class TimePasses: PassInstrumentation {
  private var start = timespec()
  init() {}
  func before(pass: String, graph: TypeGraph) throws { clock_gettime(CLOCK_MONOTONIC, &start) }
  func after(pass: String, graph: TypeGraph, result: PassResult) throws {
    standardError(
      """
      rustbtf: pass \(pass): \(milliseconds(since: start)), \(graph.liveCount) live types, peak RSS \(peakRSSMegabytes()) MB, \
      \(result == .changed ? "changed" : "unchanged")
      """
    )
  }
}

/// `--time-passes`, the phases around the passes: reading the DWARF (up to the first pass),
/// encoding, and the offline validator's check, each with the peak RSS at its end, so that a
/// benchmark (scripts/bench.sh) sees where the time and the memory go. Driven by the
/// conversion's progress reports.
final class PhaseTimes: @unchecked Sendable {
  private let threads: Int
  private var phaseStart = timespec()
  private var current = "import"

  init(threads: Int) {
    self.threads = threads
    clock_gettime(CLOCK_MONOTONIC, &phaseStart)
  }

  /// A progress callback that times the phases, then hands each report to `next`. Reports come
  /// one at a time (the import's unit counter holds a lock around its report).
  func observing(_ next: (@Sendable (ConversionPhase) -> Void)?) -> @Sendable (ConversionPhase) -> Void {
    { phase in
      switch phase {
      case .importing: break
      case .pass: if self.current == "import" { self.end(next: "passes") }
      case .encoding: self.begin("encode")
      case .validating: self.end(next: "validate")
      }
      next?(phase)
    }
  }

  /// After the conversion: the validator's time.
  func finished() { if current == "validate" { end(next: "done") } }

  private func begin(_ phase: String) {
    clock_gettime(CLOCK_MONOTONIC, &phaseStart)
    current = phase
  }

  private func end(next: String) {
    let what = current == "import" ? "import (\(threads) thread\(threads == 1 ? "" : "s"))" : current
    standardError("rustbtf: \(what): \(milliseconds(since: phaseStart)), peak RSS \(peakRSSMegabytes()) MB")
    begin(next)
  }
}

/// "12.3 ms" since `start` (CLOCK_MONOTONIC).
private func milliseconds(since start: timespec) -> String {
  var end = timespec()
  clock_gettime(CLOCK_MONOTONIC, &end)
  let ms = Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
  let tenths = Int((ms * 10).rounded())
  return "\(tenths / 10).\(tenths % 10) ms"
}

private func peakRSSMegabytes() -> Int {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  return usage.ru_maxrss / 1024
}
