import Foundation
import RustBTF

// The independent layout check: goldens are recorded by rustbtf itself, so they cannot catch a
// layout the importer or a pass gets wrong from the start. This compares the struct and union
// layouts of our final BTF (encoded, then decoded) with an independent DWARF reader: LLVM's
// `llvm-dwarfdump` (Debian package `llvm`; it shares no code with libdw, which our importer uses).
// LayoutTests runs it on the corpus, `rustbtf-layout-check` on files of your own.

/// The independent reader: `$RUSTBTF_DWARFDUMP`, else `llvm-dwarfdump` or a versioned one.
package let dwarfdumpPath: String? = {
  let fm = FileManager.default
  if let p = ProcessInfo.processInfo.environment["RUSTBTF_DWARFDUMP"], fm.isExecutableFile(atPath: p) { return p }
  let candidates = ["/usr/bin/llvm-dwarfdump"] + (14...25).reversed().map { "/usr/bin/llvm-dwarfdump-\($0)" }
  return candidates.first { fm.isExecutableFile(atPath: $0) }
}()

/// One DIE of `llvm-dwarfdump --debug-info` output.
package struct DumpedDIE {
  package var offset: UInt64
  package var tag: String
  package var parent: Int?
  package var children: [Int] = []
  /// Attribute name -> the text between the outer parentheses (`"flags"`, `0x10`, `0x0000003c "int"`).
  package var attributes: [String: String] = [:]

  package func string(_ at: String) -> String? {
    guard let v = attributes[at], let open = v.firstIndex(of: "\""), let close = v.lastIndex(of: "\""), open < close else { return nil }
    return String(v[v.index(after: open)..<close])
  }
  package func number(_ at: String) -> UInt64? {
    guard let v = attributes[at] else { return nil }
    let token = v.split(separator: " ").first.map(String.init) ?? v
    if token.hasPrefix("0x") { return UInt64(token.dropFirst(2), radix: 16) }
    if token == "true" { return 1 }
    if let n = UInt64(token) { return n }
    // DWARF 2 locations: `DW_OP_plus_uconst 0x8`.
    if token == "DW_OP_plus_uconst", let arg = v.split(separator: " ").dropFirst().first {
      return arg.hasPrefix("0x") ? UInt64(arg.dropFirst(2), radix: 16) : UInt64(arg)
    }
    return nil
  }
  package var name: String? { string("DW_AT_name") }
  package var isDeclaration: Bool { attributes["DW_AT_declaration"] != nil }
}

/// The DIE tree of one ELF file as `llvm-dwarfdump --debug-info` prints it.
package struct DwarfdumpTree {
  package var dies: [DumpedDIE] = []
  package var byOffset: [UInt64: Int] = [:]

  /// Which compile units to read.
  package enum Units {
    /// Every unit of `.debug_info`.
    case all
    /// Only units whose `DW_AT_language` is Rust: a kernel's Rust crates without its thousands of
    /// C units (llvm-dwarfdump prints 1.2 GB for a 90 MB vmlinux, 33 MB for its 7 Rust units).
    case rust
  }

  package init(file: String, units: Units = .all) throws {
    guard let tool = dwarfdumpPath else {
      throw ConversionError("llvm-dwarfdump not found: install the Debian package 'llvm' (or set RUSTBTF_DWARFDUMP)")
    }
    func dump(_ arguments: [String]) throws -> String {
      let (status, text) = try standardOutput(of: tool, arguments + [file])
      guard status == 0 else { throw ConversionError("\(tool) \(arguments.joined(separator: " ")) \(file) exited with \(status)") }
      return text
    }
    switch units {
    case .all:
      try parse(dump(["--debug-info"]))
    case .rust:
      // The unit DIEs alone first, then each Rust unit with its children.
      try parse(dump(["--debug-info", "--recurse-depth=0"]))
      let rustUnits = dies.filter { $0.tag == "DW_TAG_compile_unit" && $0.attributes["DW_AT_language"] == "DW_LANG_Rust" }.map(\.offset)
      self = DwarfdumpTree()
      for unit in rustUnits { try parse(dump(["--debug-info=0x\(String(unit, radix: 16))", "--show-children"])) }
      if rustUnits.isEmpty { throw ConversionError("\(file) has no Rust compile unit") }
    }
    var types = Set<Int>()
    for i in dies.indices where dies[i].tag == "DW_TAG_member" {
      if let t = type(of: i) { types.insert(t) }
    }
    memberTypes = types
  }

  private init() {}

  /// The DIEs some member has as its type (an anonymous struct or union member is one of them).
  package private(set) var memberTypes: Set<Int> = []

  private mutating func parse(_ text: String) throws {
    var stack: [(depth: Int, index: Int)] = []
    var current: Int?
    for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
      let line = Substring(raw)
      if line.hasPrefix("0x"), let colon = line.firstIndex(of: ":") {
        let offText = line[line.index(line.startIndex, offsetBy: 2)..<colon]
        let rest = line[line.index(after: colon)...]
        let spaces = rest.prefix { $0 == " " }.count
        let tagText = rest.dropFirst(spaces)
        guard let off = UInt64(offText, radix: 16) else { continue }
        if tagText.hasPrefix("Compile Unit") || tagText.hasPrefix("Type Unit") {
          current = nil
          stack = []
          continue
        }
        if tagText.hasPrefix("NULL") {
          current = nil
          continue
        }
        guard tagText.hasPrefix("DW_TAG_") else {
          current = nil
          continue
        }
        let depth = (spaces - 1) / 2
        while let top = stack.last, top.depth >= depth { stack.removeLast() }
        let index = dies.count
        var die = DumpedDIE(offset: off, tag: String(tagText.split(separator: " ").first!), parent: stack.last?.index)
        die.attributes = [:]
        dies.append(die)
        if let p = stack.last?.index { dies[p].children.append(index) }
        byOffset[off] = index
        stack.append((depth, index))
        current = index
        continue
      }
      guard let cur = current else { continue }
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      guard trimmed.hasPrefix("DW_AT_"), let tab = trimmed.firstIndex(where: { $0 == "\t" || $0 == " " }) else { continue }
      let at = String(trimmed[..<tab])
      var value = trimmed[tab...].drop { $0 == "\t" || $0 == " " }
      if value.hasPrefix("("), value.hasSuffix(")") { value = value.dropFirst().dropLast() }
      dies[cur].attributes[at] = String(value)
    }
    if dies.isEmpty { throw ConversionError("llvm-dwarfdump printed no DIE") }
  }

  package subscript(_ i: Int) -> DumpedDIE { dies[i] }
  package func die(at offset: UInt64) -> Int? { byOffset[offset] }
  package func type(of i: Int) -> Int? {
    guard let v = dies[i].attributes["DW_AT_type"], let off = DumpedDIE(offset: 0, tag: "", attributes: ["t": v]).number("t") else {
      return nil
    }
    return byOffset[off]
  }

  package static let modifierTags: Set<String> = [
    "DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type",
    "DW_TAG_atomic_type", "DW_TAG_immutable_type",
  ]
  package static let compositeTags: Set<String> = ["DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_class_type"]

  /// The DIE a type reference ends at once typedefs and qualifiers are skipped.
  package func resolved(_ i: Int) -> Int {
    var t = i
    var steps = 0
    while Self.modifierTags.contains(dies[t].tag), let next = type(of: t), steps < 64 {
      t = next
      steps += 1
    }
    return t
  }

  /// The byte size of a value of DIE `i`'s type, from the DWARF alone; nil when it has none.
  package func byteSize(_ i: Int, depth: Int = 0) -> UInt64? {
    if depth > 64 { return nil }
    let d = dies[i]
    if let s = d.number("DW_AT_byte_size") { return s }
    switch d.tag {
    case _ where Self.modifierTags.contains(d.tag):
      return type(of: i).flatMap { byteSize($0, depth: depth + 1) }
    case "DW_TAG_pointer_type", "DW_TAG_reference_type", "DW_TAG_rvalue_reference_type":
      return 8
    case "DW_TAG_array_type":
      guard let e = type(of: i), let elem = byteSize(e, depth: depth + 1) else { return nil }
      var n: UInt64 = 1
      for c in d.children where dies[c].tag == "DW_TAG_subrange_type" {
        if let count = dies[c].number("DW_AT_count") {
          n *= count
        } else if let ub = dies[c].number("DW_AT_upper_bound") {
          n *= ub + 1 - (dies[c].number("DW_AT_lower_bound") ?? 0)
        } else {
          n = 0
        }
      }
      return n * elem
    default:
      return nil
    }
  }

  /// `rust_layout::Tail<str>`: the names of the enclosing namespaces and types, then the DIE's.
  package func qualifiedName(_ i: Int) -> String {
    var parts = [dies[i].name ?? "(anon)"]
    var p = dies[i].parent
    while let q = p, dies[q].tag != "DW_TAG_compile_unit" {
      parts.insert(dies[q].name ?? "(anon)", at: 0)
      p = dies[q].parent
    }
    return parts.joined(separator: "::")
  }
}

/// Runs `tool` and returns its exit status and standard output (its standard error goes to ours).
/// The output goes through a file: llvm-dwarfdump prints tens of megabytes, more than a pipe
/// holds while we wait for it to exit.
private func standardOutput(of tool: String, _ arguments: [String]) throws -> (Int32, String) {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "rustbtf-layout-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
  ).path
  FileManager.default.createFile(atPath: path, contents: nil)
  defer { try? FileManager.default.removeItem(atPath: path) }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: tool)
  p.arguments = arguments
  p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
  try p.run()
  p.waitUntilExit()
  return (p.terminationStatus, String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
}
