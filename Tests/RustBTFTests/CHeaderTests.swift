import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph
import Verify

/// `bpftool btf dump file X format c` on rustbtf's output is a C header that compiles for BPF
/// with every struct and union at the size the BTF gives it (tracker issue 4): Rust base types
/// read as C types, no name is a C keyword, no member is an anonymous byte array. With a
/// bpftool older than libbpf 1.2, enum sizes are added as newer ones print them
/// (`CTools.sizingEnums`).
@Suite struct CHeaderTests {
  @Test(arguments: try corpusFiles())
  func bpftoolHeaderCompilesWithTheBTFsLayout(file: String) throws {
    let bpftool = try CTools.find("bpftool", package: "bpftool")
    let clang = try CTools.find("clang", package: "clang")
    let result = try Conversion().run(path: file)
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file): \(failure)") }

    let header = try CTools.sizingEnums(CTools.bpftoolHeader(result.btf, bpftool: bpftool), btf: result.btf)
    let layout = try LayoutAssertions(btf: result.btf, header: header)
    #expect(layout.missing.isEmpty, "\(file): named structs/unions bpftool did not define: \(layout.missing.prefix(10))")
    let problems = try CTools.compile(header + "\n" + layout.text, clang: clang)
    #expect(problems.isEmpty, "\(file): the C header does not compile with the BTF's layout:\n\(problems)")
  }

  /// The assertions can fail: a header whose struct is smaller than the BTF says is refused.
  @Test func layoutAssertionsCatchAWrongSize() throws {
    let clang = try CTools.find("clang", package: "clang")
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    _ = b.structure("pair", bytes: 8, [("a", int, 0), ("b", int, 32)])
    let btf = try BTFEncoder().encode(b.graph)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }
    let honest = try LayoutAssertions(btf: btf, header: "struct pair { int a; int b; };")
    #expect(try CTools.compile("struct pair { int a; int b; };\n" + honest.text, clang: clang).isEmpty)
    let problems = try CTools.compile("struct pair { int a; };\n" + honest.text, clang: clang)
    // clang 14 says "static_assert failed", later ones "static assertion failed".
    #expect(problems.contains("static") && problems.contains("failed") && problems.contains("struct pair"), "\(problems)")
  }

  /// An anonymous member `prune-dependents` makes opaque gets a name (`__opaque_<byte offset>`,
  /// unique within its struct), recorded in the decision; C allows no anonymous byte array.
  @Test func anonymousOpaqueMembersAreNamed() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let gone = b.unrepresentable(tag: 0x33, bytes: 8) // a variant part
    let s = b.structure("holder", bytes: 24, [("", gone, 0), ("__opaque_8", int, 64), ("", gone, 128)])
    let u = b.structure("either", bytes: 8, [("", gone, 0), ("", gone, 0)], kind: .union)
    var g = b.graph
    try run("demote-unrepresentable,sanitize-names,prune-dependents", on: &g, registry: StandardPasses.registry)
    let names = g.members(of: s).map { g.strings.string($0.name) }
    #expect(names == ["__opaque_0", "__opaque_8", "__opaque_16"], "\(names)")
    let unionNames = g.members(of: u).map { g.strings.string($0.name) }
    #expect(unionNames == ["__opaque_0", "__opaque_0_1"], "\(unionNames)")
    let reasons = g.decisions.entries.filter { $0.subject == s && $0.action == .replacedByOpaque }.map(\.reason.description)
    #expect(reasons.contains { $0.contains("(anon)@16") && $0.hasSuffix("named '__opaque_16'") }, "\(reasons)")
    // The opaque bytes are spelled as C spells them.
    let element = g.ref(g.members(of: s)[0].type)
    #expect(g.nameString(element) == "unsigned char" && g.size(element) == 1)
    let btf = try BTFEncoder().encode(g)
    #expect(BTFValidator.validate(btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }
  }
}

/// `_Static_assert`s that every named STRUCT and UNION of a BTF blob has, in bpftool's C header,
/// the size the BTF gives it (sizes read with our decoder).
///
/// bpftool names the second and later types of one name in the struct/union/enum namespace
/// `name___2`, `name___3`… in the order it meets them, so for a name shared by several types the
/// assertion is on the multiset: for each (keyword, size) of the BTF, exactly that many of the
/// header's `name`, `name___2`… definitions have it.
struct LayoutAssertions {
  var text = ""
  /// BTF names of which the header defines no struct or union at all.
  var missing: [String] = []

  init(btf: [UInt8], header: String) throws {
    let g = try BTFDecoder.decode(btf)
    // Types per name in libbpf's tag namespace (struct, union, enum, enum64, fwd).
    var tagTypes: [String: Int] = [:]
    var records: [String: [(keyword: String, size: UInt32)]] = [:]
    for id in g.ids where !g.name(id).isEmpty {
      switch g.kind(id) {
      case .structure, .union:
        records[g.nameString(id), default: []].append((g.kind(id) == .union ? "union" : "struct", g.size(id)))
        tagTypes[g.nameString(id), default: 0] += 1
      case .enumeration, .enum64, .forward:
        tagTypes[g.nameString(id), default: 0] += 1
      default:
        break
      }
    }
    let defined = Self.definitions(in: header)
    for name in records.keys.sorted() {
      let wanted = records[name]!
      if wanted.count == 1 && tagTypes[name] == 1 {
        text +=
          """
          _Static_assert(sizeof(\(wanted[0].keyword) \(name)) == \(wanted[0].size), \"\(wanted[0].keyword) \(name) is \(wanted[0].size) \
          bytes in the BTF\");\n
          """
        continue
      }
      let spellings = [name] + (2...max(2, tagTypes[name]!)).map { "\(name)___\($0)" }
      let present = spellings.compactMap { c in defined[c].map { (keyword: $0, cName: c) } }
      if present.isEmpty {
        missing.append(name)
        continue
      }
      var counts: [String: Int] = [:]
      for w in wanted { counts["\(w.keyword) \(w.size)", default: 0] += 1 }
      for key in counts.keys.sorted() {
        let parts = key.split(separator: " ")
        let keyword = String(parts[0])
        let size = String(parts[1])
        let terms = present.filter { $0.keyword == keyword }.map { "(sizeof(\($0.keyword) \($0.cName)) == \(size))" }
        let sum = terms.isEmpty ? "0" : terms.joined(separator: " + ")
        text += "_Static_assert(\(sum) == \(counts[key]!), \"\(counts[key]!) \(keyword) \(name) of \(size) bytes in the BTF\");\n"
      }
    }
  }

  /// Top-level `struct X {` / `union X {` definitions of a bpftool header: name -> keyword.
  static func definitions(in header: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in header.split(separator: "\n") where line.hasSuffix(" {") {
      let words = line.dropLast(2).split(separator: " ")
      if words.count == 2 && (words[0] == "struct" || words[0] == "union") { out[String(words[1])] = String(words[0]) }
    }
    return out
  }
}

/// bpftool and clang, run as the tests need them.
enum CTools {
  /// The tool's path on `PATH` (or `/usr/sbin`); a missing tool is an error naming the package.
  static func find(_ tool: String, package: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin"] {
      let candidate = dir + "/" + tool
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw ConversionError("\(tool) not found: install the Debian package '\(package)' (scripts/install-deps.sh does)")
  }

  /// `bpftool btf dump file X format c`.
  static func bpftoolHeader(_ btf: [UInt8], bpftool: String) throws -> String {
    let path = temporaryPath(".btf")
    try Data(btf).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try runTool(bpftool, ["btf", "dump", "file", path, "format", "c"])
    guard r.status == 0 else { throw ConversionError("bpftool btf dump format c exited with \(r.status): \(r.stderr)") }
    return r.stdout
  }

  /// Gives 1-byte and 8-byte enums their size in the header, as libbpf 1.2 and later print them
  /// (`} __attribute__((mode(byte)));`, `mode(word)`); bpftool built on older libbpf (Debian
  /// bookworm's 7.1 on libbpf 1.1) prints every enum as a plain C enum, 4 bytes, which changes
  /// the C layout of whatever holds a Rust `#[repr(u8)]` enum or a 1-byte discriminant while
  /// the BTF is exact. A definition whose closing line is not a bare `};` already carries its
  /// size and is left alone; so is a name whose BTF enums do not all have one size.
  static func sizingEnums(_ header: String, btf: [UInt8]) throws -> String {
    let g = try BTFDecoder.decode(btf)
    var sizes: [String: Set<UInt32>] = [:]
    for id in g.ids where (g.kind(id) == .enumeration || g.kind(id) == .enum64) && !g.name(id).isEmpty {
      sizes[g.nameString(id), default: []].insert(g.size(id))
    }
    var lines = header.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var open: String? // the base name of the enum being defined
    for k in lines.indices {
      let line = lines[k]
      if line.hasPrefix("enum "), line.hasSuffix(" {") {
        var name = String(line.dropFirst(5).dropLast(2))
        if let r = name.range(of: "___", options: .backwards), Int(name[r.upperBound...]) != nil { name = String(name[..<r.lowerBound]) }
        open = name
      } else if line == "};", let name = open {
        open = nil
        guard let set = sizes[name], set.count == 1, let size = set.first else { continue }
        if size == 1 { lines[k] = "} __attribute__((mode(byte)));" }
        if size == 8 { lines[k] = "} __attribute__((mode(word)));" }
      }
    }
    return lines.joined(separator: "\n")
  }

  /// Compiles `source` with `clang -target bpf -Wall -c`; returns the first lines of the
  /// diagnostics that matter (errors, and warnings that lose layout such as a member that
  /// declares nothing), empty when it compiled cleanly of those.
  static func compile(_ source: String, clang: String) throws -> String {
    let src = temporaryPath(".c")
    let obj = temporaryPath(".o")
    try source.write(toFile: src, atomically: true, encoding: .utf8)
    defer {
      try? FileManager.default.removeItem(atPath: src)
      try? FileManager.default.removeItem(atPath: obj)
    }
    let r = try runTool(clang, ["-target", "bpf", "-Wall", "-ferror-limit=0", "-c", src, "-o", obj])
    let status = r.status
    let err = r.stderr
    let bad = err.split(separator: "\n").filter { $0.contains("error:") || $0.contains("declaration does not declare anything") }
    if status == 0 && bad.isEmpty { return "" }
    let lines = bad.isEmpty ? err.split(separator: "\n").map(String.init) : bad.map(String.init)
    return "clang exited with \(status); \(bad.count) problems, first ones:\n" + lines.prefix(12).joined(separator: "\n")
  }
}
