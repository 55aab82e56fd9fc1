import Foundation
import RustBTF
import Testing

/// DWARF that cannot be read completely is an error (exit 1, one line naming what was lost,
/// nothing written), or with `--allow-incomplete-dwarf` a warning with the count.
@Suite struct CorruptInputTests {
  /// A copy of `object` whose section `name` claims only `fraction` of its size (the section
  /// header's sh_size cut, as a truncated copy or a broken tool leaves it). ELF64 little-endian.
  static func cutting(_ name: String, of object: String, to fraction: Double) throws -> String {
    var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: corpusObject(object))))
    func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    func u32(_ o: Int) -> Int { (0..<4).reduce(0) { $0 | Int(b[o + $1]) << (8 * $1) } }
    func u64(_ o: Int) -> Int { (0..<8).reduce(0) { $0 | Int(b[o + $1]) << (8 * $1) } }
    let shoff = u64(0x28), entsize = u16(0x3a), count = u16(0x3c), strndx = u16(0x3e)
    let strtab = u64(shoff + strndx * entsize + 0x18)
    var found = false
    for i in 0..<count {
      let sh = shoff + i * entsize
      var end = strtab + u32(sh)
      while b[end] != 0 { end += 1 }
      guard String(decoding: b[(strtab + u32(sh))..<end], as: UTF8.self) == name else { continue }
      let size = Int(Double(u64(sh + 0x20)) * fraction)
      for k in 0..<8 { b[sh + 0x20 + k] = UInt8(truncatingIfNeeded: size >> (8 * k)) }
      found = true
    }
    guard found else { throw CLIError("\(object) has no section \(name)") }
    let path = try temporaryDirectory() + "/cut\(name).elf"
    try Data(b).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test(arguments: [".debug_info", ".debug_abbrev", ".debug_str"])
  func truncatedDebugSectionsAreErrors(section: String) throws {
    let input = try Self.cutting(section, of: "rust_enums-O0.elf", to: 0.4)
    let out = input + ".btf"
    let run = try runCLI([input, "-o", out])
    #expect(run.status == 1, "\(section): \(run.stderr)")
    #expect(run.stderr.contains("corrupt or truncated DWARF") && run.stderr.split(separator: "\n").count == 1, "\(section): \(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out), "\(section): an output was written")
    let pahole = try runCLI(["-J", input])
    #expect(pahole.status == 1 && pahole.stderr.contains("corrupt or truncated DWARF"), "\(section) -J: \(pahole.stderr)")

    let allowed = try runCLI(["--allow-incomplete-dwarf", input, "-o", out])
    #expect(allowed.status == 0 && allowed.stderr.contains("warning") && allowed.stderr.contains("incomplete DWARF"),
            "\(section): \(allowed.stderr)")
    #expect(try runCLI(["verify", "--kernel", out]).status == 0)
  }

  /// The same sections whole convert without a word about them: the checks see truncation,
  /// not ordinary input.
  @Test func wholeSectionsAreNotFlagged() throws {
    let input = try Self.cutting(".debug_info", of: "rust_enums-O0.elf", to: 1.0)
    let run = try runCLI([input, "-o", input + ".btf"])
    #expect(run.status == 0 && !run.stderr.contains("incomplete"), "\(run.stderr)")
  }

  /// Inputs rustbtf cannot describe correctly are refused by name, not converted with types or
  /// functions quietly missing. The inputs are compiled here with clang (and dwz).
  @Test(arguments: [
    (["-target", "i386-linux-gnu", "-g"], "a 32-bit ELF file"),
    (["-target", "s390x-linux-gnu", "-g"], "a big-endian ELF file"),
    (["-target", "powerpc64-linux-gnu", "-g"], "a big-endian ELF file"),
    (["-gsplit-dwarf", "-g"], "split DWARF (-gsplit-dwarf)"),
    (["-gsplit-dwarf", "-gdwarf-4", "-g"], "split DWARF (-gsplit-dwarf)"),
  ])
  func unsupportedInputsAreRefusedByName(flags: [String], message: String) throws {
    let clang = try CTools.find("clang", package: "clang")
    let dir = try temporaryDirectory()
    let source = dir + "/point.c"
    try "struct point { int x, y; };\nstruct point origin;\nint get(void) { return origin.x; }\n"
      .write(toFile: source, atomically: true, encoding: .utf8)
    let object = dir + "/point.o"
    let cc = try runTool(clang, flags + ["-c", source, "-o", object], in: dir)
    #expect(cc.status == 0, "clang \(flags): \(cc.stderr)")
    let run = try runCLI([object, "-o", object + ".btf"])
    #expect(run.status == 1 && run.stderr.contains(message), "\(flags): \(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: object + ".btf"))
  }

  @Test func dwzOutputIsRefusedByName() throws {
    let dwz = try CTools.find("dwz", package: "dwz")
    let gcc = try CTools.find("gcc", package: "gcc")
    let dir = try temporaryDirectory()
    try "struct point { int x, y; };\nstruct point origin;\nint main(void) { return origin.x; }\n"
      .write(toFile: dir + "/p.c", atomically: true, encoding: .utf8)
    for name in ["a", "b"] { #expect(try runTool(gcc, ["-g", "-o", dir + "/" + name, dir + "/p.c"]).status == 0) }
    let squeezed = try runTool(dwz, ["-m", dir + "/common", "-M", dir + "/common", dir + "/a", dir + "/b"])
    #expect(squeezed.status == 0, "dwz: \(squeezed.stderr)")
    let run = try runCLI([dir + "/a", "-o", dir + "/a.btf"])
    #expect(run.status == 1 && run.stderr.contains("dwz"), "\(run.stderr)")
  }
}
