// rustbtf-import-bench FILE [RUNS [THREADS]]: times the DWARF import alone
// (DWARFImporter.importFile, no passes, no encoding), RUNS times (default 3) on THREADS threads
// (default 1; 0 = every CPU), and prints the median and fastest wall time with what was imported.
// scripts/bench.sh runs it with and without RUSTBTF_PUBLIC_WALK=1 to compare the importer's
// sibling step with libdw's public dwarf_siblingof (Sources/CDwarf/fastwalk.h).
import Foundation
import TypeGraph

@main
enum ImportBench {
  static func main() {
    let args = CommandLine.arguments.dropFirst()
    guard let path = args.first, let runs = args.count > 1 ? Int(args[args.startIndex + 1]) : 3, runs > 0,
      let threads = args.count > 2 ? Int(args[args.startIndex + 2]) : 1, threads >= 0
    else {
      FileHandle.standardError.write(Data("usage: rustbtf-import-bench FILE [RUNS [THREADS]]\n".utf8))
      exit(64)
    }
    var times: [Double] = []
    var stats = ImportStatistics()
    var nodes = 0
    var options = DWARFImportOptions()
    options.threads = threads
    for _ in 0..<runs {
      let start = DispatchTime.now().uptimeNanoseconds
      do {
        let graph = try DWARFImporter.importFile(path: path, options: options, statistics: &stats)
        nodes = graph.count
      } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
      }
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    let walk = ProcessInfo.processInfo.environment["RUSTBTF_PUBLIC_WALK"] == "1" ? "public" : "fast"
    print(
      String(
        format: "import %@ walk, %d threads: median %.3f s, fastest %.3f s over %d runs; %d units, %d DIEs, %d nodes, %d sibling fallbacks",
        walk, options.threadCount, times[times.count / 2], times[0], runs, stats.units, stats.dies, nodes, stats.siblingFallbacks))
  }
}
