import Foundation

/// What a tool run printed, and how it ended.
struct CLIRun {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// A fresh path in the temporary directory ending in `suffix`, for files tests hand to tools.
func temporaryPath(_ suffix: String) -> String {
  FileManager.default.temporaryDirectory
    .appendingPathComponent("rustbtf-tool-\(getpid())-\(UInt64.random(in: 0...UInt64.max))\(suffix)").path
}

/// Runs `tool` to completion and captures both streams. Output goes through files, so neither
/// stream can fill a pipe and block the tool while the other is read (a vmlinux header or
/// explanation is tens of megabytes). The one way tests run another program.
func runTool(_ tool: String, _ arguments: [String], in directory: String? = nil) throws -> CLIRun {
  let outPath = temporaryPath(".out")
  let errPath = temporaryPath(".err")
  guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil)
  else { throw CLIError("cannot create \(outPath) and \(errPath) for \(tool)'s output") }
  defer {
    try? FileManager.default.removeItem(atPath: outPath)
    try? FileManager.default.removeItem(atPath: errPath)
  }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: tool)
  p.arguments = arguments
  if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
  p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
  p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
  try p.run()
  p.waitUntilExit()
  let out = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self)
  let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
  return CLIRun(status: p.terminationStatus, stdout: out, stderr: err)
}
