import Foundation
import Testing

/// The sources follow the formatter configuration at the package's root (`.swift-format`): its
/// line length, and `swift format lint --strict` finds nothing. Fix a failure with
/// `swift format -i -r --configuration .swift-format Sources Tests Tools Package.swift`; a string
/// literal or comment the formatter cannot break is split by hand (a multi-line literal whose
/// lines end in `\`).
@Suite struct SourceStyleTests {
  static let directories = ["Sources", "Tests", "Tools"]

  func swiftFiles() throws -> [String] {
    var files = [packageRoot + "/Package.swift"]
    for d in Self.directories {
      let root = packageRoot + "/" + d
      guard let e = FileManager.default.enumerator(atPath: root) else { throw CLIError("cannot list \(root)") }
      for case let path as String in e where path.hasSuffix(".swift") { files.append(root + "/" + path) }
    }
    return files.sorted()
  }

  func configuredLineLength() throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/.swift-format"))
    let config = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    guard let n = config?["lineLength"] as? Int else { throw CLIError(".swift-format sets no lineLength") }
    return n
  }

  @Test func noLineIsLongerThanTheFormattersLimit() throws {
    let limit = try configuredLineLength()
    #expect(limit == 140)
    var long: [String] = []
    for f in try swiftFiles() {
      let text = try String(contentsOfFile: f, encoding: .utf8)
      for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.count > limit {
        long.append("\(f.dropFirst(packageRoot.count + 1)):\(i + 1): \(line.count) characters")
      }
    }
    #expect(long.isEmpty, "lines over \(limit) characters:\n\(long.joined(separator: "\n"))")
  }

  @Test func swiftFormatLintFindsNothing() throws {
    let swift = try #require(
      ["/usr/bin/swift", "/opt/swift/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map({ "\($0)/swift" })
        .first { FileManager.default.isExecutableFile(atPath: $0) },
      "no swift on PATH to run swift-format")
    let run = try runTool(
      swift, ["format", "lint", "--strict", "--configuration", ".swift-format", "-r"] + Self.directories + ["Package.swift"],
      in: packageRoot)
    #expect(run.status == 0 && run.stderr.isEmpty, "swift format lint:\n\(run.stderr)\(run.stdout)")
  }
}
