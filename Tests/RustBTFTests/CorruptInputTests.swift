import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

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
    let shoff = u64(0x28)
    let entsize = u16(0x3a)
    let count = u16(0x3c)
    let strndx = u16(0x3e)
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
    #expect(
      allowed.status == 0 && allowed.stderr.contains("warning") && allowed.stderr.contains("incomplete DWARF"),
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

  /// dwz output: types shared by two executables live in a supplementary file, which the
  /// import reads (`.gnu_debugaltlink`, offsets tagged apart), so the BTF holds the same types as
  /// before dwz; without the supplementary file the conversion fails, naming it. Built here with
  /// gcc and dwz: a header big enough that dwz moves the types, not only strings.
  @Test func dwzSupplementaryFilesAreRead() throws {
    let dwz = try CTools.find("dwz", package: "dwz")
    let gcc = try CTools.find("gcc", package: "gcc")
    let dir = try temporaryDirectory()
    let fields = (0..<40).map { "  long field_\($0); int other_\($0);" }.joined(separator: "\n")
    try "struct shared {\n\(fields)\n};\nstruct pair { struct shared *a, *b; int n; };\ntypedef struct pair pair_t;\n"
      .write(toFile: dir + "/s.h", atomically: true, encoding: .utf8)
    try "#include \"s.h\"\nstruct shared g1; pair_t p1;\nint main(void) { return g1.field_1 + p1.n; }\n"
      .write(toFile: dir + "/a.c", atomically: true, encoding: .utf8)
    try "#include \"s.h\"\nstruct shared g2; pair_t p2;\nint f(void) { return g2.field_2 + p2.n; }\n"
      .write(toFile: dir + "/b.c", atomically: true, encoding: .utf8)
    for (out, args) in [("a.o", ["-c", "a.c"]), ("b.o", ["-c", "b.c"]), ("a", ["a.o", "b.o"]), ("b", ["a.o", "b.o"])] {
      let r = try runTool(gcc, ["-g", "-O0", "-o", out] + args, in: dir)
      #expect(r.status == 0, "gcc \(args): \(r.stderr)")
    }
    try FileManager.default.copyItem(atPath: dir + "/a", toPath: dir + "/a.before-dwz")
    let squeezed = try runTool(dwz, ["-m", "common.debug", "-M", "common.debug", "a", "b"], in: dir)
    #expect(squeezed.status == 0, "dwz: \(squeezed.stderr)")

    let after = try runCLI([dir + "/a", "-o", dir + "/a.btf"])
    let before = try runCLI([dir + "/a.before-dwz", "-o", dir + "/before.btf"])
    #expect(after.status == 0 && before.status == 0, "\(after.stderr) \(before.stderr)")
    let types = try canonicalTypes(dir + "/a.btf")
    #expect(types == (try canonicalTypes(dir + "/before.btf")), "the types differ from the file's before dwz")
    #expect(
      types.contains { $0.hasPrefix("STRUCT shared 640 ") } && types.contains { $0.hasPrefix("FUNC main ") }
        && types.contains { $0.hasPrefix("TYPEDEF pair_t ") }, "\(types)")
    if let failure = KernelCheck.acceptanceFailure(try Array(Data(contentsOf: URL(fileURLWithPath: dir + "/a.btf")))) {
      Issue.record("\(failure)")
    }

    // Explanations name the supplementary file's DIEs apart.
    let explained = try runCLI(["--explain", "shared", dir + "/a", "-o", dir + "/x.btf"])
    #expect(explained.status == 0 && explained.stdout.contains("struct `shared` [die alt:0x"), "\(explained.stdout)")

    // A supplementary file of shared strings only (dwz's output when no type is worth moving):
    // libdw 0.188 cannot open it; either it is read, or rustbtf says what the file is.
    try "struct point { int x, y; };\nstruct point origin;\nint main(void) { return origin.x; }\n"
      .write(toFile: dir + "/p.c", atomically: true, encoding: .utf8)
    for name in ["p1", "p2"] { #expect(try runTool(gcc, ["-g", "-o", name, "p.c"], in: dir).status == 0) }
    try FileManager.default.copyItem(atPath: dir + "/p1", toPath: dir + "/p1.before-dwz")
    #expect(try runTool(dwz, ["-m", "strings.debug", "-M", "strings.debug", "p1", "p2"], in: dir).status == 0)
    let small = try runCLI([dir + "/p1", "-o", dir + "/p1.btf"])
    if small.status == 0 {
      #expect(try runCLI([dir + "/p1.before-dwz", "-o", dir + "/p1-before.btf"]).status == 0)
      #expect(try canonicalTypes(dir + "/p1.btf") == (try canonicalTypes(dir + "/p1-before.btf")))
    } else {
      #expect(
        small.status == 1 && small.stderr.contains("'strings.debug' (.gnu_debugaltlink) is there, but libdw cannot read it as DWARF"),
        "\(small.stderr)")
    }

    // Without its supplementary file the input cannot be read completely: refused, by name.
    try FileManager.default.moveItem(atPath: dir + "/common.debug", toPath: dir + "/elsewhere.debug")
    let missing = try runCLI([dir + "/a", "-o", dir + "/missing.btf"])
    #expect(
      missing.status == 1
        && missing.stderr.contains("supplementary file 'common.debug' (.gnu_debugaltlink) is not at '\(dir)/common.debug'"),
      "\(missing.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/missing.btf"))
  }

  /// Inputs the import fuzzer once found a problem with (Corpus/fuzz/import: a leak on the
  /// error path of a dwz link whose file is missing; a division by zero in prune-dependents on a
  /// FLOAT of no size): converted or refused in one line.
  @Test func importFuzzRegressions() throws {
    let dir = packageRoot + "/Corpus/fuzz/import"
    let inputs = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(!inputs.isEmpty)
    let out = try temporaryDirectory()
    for name in inputs {
      let run = try runCLI([dir + "/" + name, "-o", out + "/" + name + ".btf"])
      #expect((run.status == 0 || run.status == 1) && run.stderr.split(separator: "\n").count == 1, "\(name): \(run.status) \(run.stderr)")
    }
  }

  /// Each type of a BTF file as text that names what it refers to instead of its id (two levels
  /// deep), sorted: equal for two files with the same types in another order.
  func canonicalTypes(_ path: String) throws -> [String] {
    let g = try BTFDecoder.decode(Array(Data(contentsOf: URL(fileURLWithPath: path))))
    func describe(_ id: TypeID, _ depth: Int) -> String {
      if id.isVoid { return "void" }
      var s = "\(g.kind(id).btfName) \(g.nameString(id)) \(g.size(id)) \(g.aux(id))"
      guard depth > 0 else { return s }
      if g.kind(id).hasReference { s += " -> " + describe(g.ref(id), depth - 1) }
      let members = g.members(of: id).map { "\(g.strings.string($0.name)):\(describe($0.type, depth - 1)):\($0.value)" }
      if !members.isEmpty { s += " {" + members.joined(separator: ", ") + "}" }
      return s
    }
    return g.ids.map { describe($0, 2) }.sorted()
  }
}
