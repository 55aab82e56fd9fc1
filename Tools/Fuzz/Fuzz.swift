// libFuzzer targets (scripts/fuzz.sh): the BTF reader, the offline validator, the pipeline
// parser and the ELF/DWARF importer (on one thread and on three, which must agree; with its own
// steps over the DIEs and with libdw's public ones, which must agree; and converted with and
// without dedup at import, which must agree too), each fed
// arbitrary bytes. Built with
// `-sanitize=fuzzer,address -DRUSTBTF_FUZZ`, libFuzzer provides `main` and calls
// `LLVMFuzzerTestOneInput`; built plainly (as `swift build` does), this is a reproducer that runs
// the target named by RUSTBTF_FUZZ_TARGET on the files given, so a crash file can be replayed.
import Encode
import Foundation
import RustBTF
import TypeGraph
import Verify

enum FuzzTarget: String, CaseIterable {
  case decode, validate, pipeline, `import`

  static let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["RUSTBTF_FUZZ_TARGET"] ?? ""
    guard let t = FuzzTarget(rawValue: name) else {
      FileHandle.standardError.write("RUSTBTF_FUZZ_TARGET must be one of \(allCases.map(\.rawValue))\n".data(using: .utf8)!)
      exit(64)
    }
    return t
  }()

  /// Runs the target on one input. Errors are fine; traps, hangs and sanitizer reports are not.
  func run(_ bytes: [UInt8]) {
    switch self {
    case .decode:
      _ = try? BTFDecoder.decode(bytes)
    case .validate:
      _ = BTFValidator.validate(bytes, mode: .load)
      _ = BTFValidator.validate(bytes, mode: .embedded)
    case .pipeline:
      _ = try? PassPipeline(parsing: String(decoding: bytes, as: UTF8.self), registry: StandardPasses.registry)
    case .import:
      let path = NSTemporaryDirectory() + "rustbtf-fuzz-\(getpid()).elf"
      guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
      defer { unlink(path) }
      // Differential: the parallel import must give what one thread gives, errors included.
      var three = DWARFImportOptions()
      three.threads = 3
      let a = Self.importing(path, DWARFImportOptions())
      let b = Self.importing(path, three)
      if a != b { fatalError("one thread and three differ on this input:\n\(a.prefix(300))\n--\n\(b.prefix(300))") }
      // Differential: the importer's own steps over the DIEs (the sibling step, attributes read
      // through the unit's abbreviation table) must import what libdw's public functions do.
      var publicWalk = DWARFImportOptions()
      publicWalk.siblingWalk = .publicLibdw
      let own = Self.importing(path, DWARFImportOptions(), countingOwnSteps: false)
      let libdw = Self.importing(path, publicWalk, countingOwnSteps: false)
      if own != libdw {
        fatalError("the importer's own steps and libdw's differ on this input:\n\(own.prefix(300))\n--\n\(libdw.prefix(300))")
      }
      // Differential: dedup at import (issue 19) must give the conversion's BTF, errors included.
      let plain = Self.converting(path, dedupAtImport: false)
      let merged = Self.converting(path, dedupAtImport: true)
      if plain.btf != merged.btf {
        fatalError("dedup at import changes the conversion of this input:\n\(plain.btf.prefix(300))\n--\n\(merged.btf.prefix(300))")
      }
      // Without the copies' origins (rustbtf when no report is asked for): the same BTF and the
      // same summary line.
      let counted = Self.converting(path, dedupAtImport: true, keepsCopyOrigins: false)
      if counted != merged {
        fatalError("dedup at import without the copies' origins differs:\n\(merged.summary)\n--\n\(counted.summary)")
      }
    }
  }

  /// The BTF of the default conversion (its bytes as hex) and its summary line, or the error, with
  /// or without dedup at import; its ranges cut one unit each, so that every path between ranges
  /// is taken.
  static func converting(_ path: String, dedupAtImport: Bool, keepsCopyOrigins: Bool = true) -> (btf: String, summary: String) {
    var conversion = Conversion()
    conversion.dedupAtImport = dedupAtImport
    conversion.importOptions.threads = 2
    conversion.importOptions.rangesPerThread = 1 << 12
    conversion.importOptions.keepsCopyOrigins = keepsCopyOrigins
    do {
      let result = try conversion.run(path: path)
      return (result.btf.map { String($0, radix: 16) }.joined(separator: " "), result.summary.line)
    } catch {
      return ("error: \(error)", "")
    }
  }

  /// The dump of the imported graph and its statistics, or the error: what must not depend on
  /// the thread count.
  /// Without `countingOwnSteps`, the counts of steps the importer took itself or left to libdw
  /// are left out (they differ between the walks by design).
  static func importing(_ path: String, _ options: DWARFImportOptions, countingOwnSteps: Bool = true) -> String {
    var stats = ImportStatistics()
    do {
      let graph = try DWARFImporter.importFile(path: path, options: options, statistics: &stats)
      if !countingOwnSteps { stats = stats.withoutOwnStepCounts }
      return "\(stats)\n" + graph.dump()
    } catch {
      return "error: \(error)"
    }
  }
}

#if RUSTBTF_FUZZ
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.selected.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
  }

  /// libFuzzer's driver, for programs that have a main of their own (SwiftPM names the
  /// executable's entry point and points `main` at it).
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
  ) -> CInt

  @main
  enum FuzzMain {
    static func main() {
      var argc = CommandLine.argc
      var argv = CommandLine.unsafeArgv
      exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
  }
#else
  @main
  enum Reproducer {
    static func main() throws {
      for file in CommandLine.arguments.dropFirst() {
        FuzzTarget.selected.run([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
        print("\(file): no crash")
      }
    }
  }
#endif
