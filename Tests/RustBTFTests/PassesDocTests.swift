import Foundation
import RustBTF
import Testing

/// PASSES.md documents every registered pass (iterating the registry, so a new pass needs its
/// section before the tests pass).
@Suite struct PassesDocTests {
  static let requiredSubsections = [
    "What it does", "Parameters", "Invariants before and after", "Reasons it records", "Precedent",
    "Corpus cases",
  ]

  /// `## name` -> its text, up to the next `## ` heading.
  static func sections() throws -> [String: String] {
    let text = try String(contentsOfFile: packageRoot + "/PASSES.md", encoding: .utf8)
    var out: [String: String] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("## ") {
        current = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
        out[current!] = ""
      } else if let c = current {
        out[c]! += line + "\n"
      }
    }
    return out
  }

  /// `### title` -> its text, within one section.
  static func subsections(of section: String) -> [String: String] {
    var out: [String: String] = [:]
    var current: String?
    for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("### ") {
        current = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
        out[current!] = ""
      } else if let c = current {
        out[c]! += line + "\n"
      }
    }
    return out
  }

  /// The corpus files a text names: `Corpus/…` paths and bare object names (`x-O0.o`, `y.elf`).
  static func corpusNames(in text: String) -> [String] {
    let separators = CharacterSet(charactersIn: "`'\"()[],; \n\t")
    return text.components(separatedBy: separators).compactMap { word in
      let w = word.trimmingCharacters(in: CharacterSet(charactersIn: ".:"))
      if w.hasPrefix("Corpus/") { return w }
      if w.hasSuffix(".o") || w.hasSuffix(".elf") || w.hasSuffix(".rs") || w.hasSuffix(".c") { return w }
      return nil
    }
  }

  /// A corpus name exists: a path from the package root, or a file of `Corpus/objects` or
  /// `Corpus/src`.
  static func exists(_ name: String) -> Bool {
    let fm = FileManager.default
    if name.contains("/") { return fm.fileExists(atPath: packageRoot + "/" + name) }
    return fm.fileExists(atPath: packageRoot + "/Corpus/objects/" + name) || fm.fileExists(atPath: packageRoot + "/Corpus/src/" + name)
  }

  @Test(arguments: StandardPasses.registry.names)
  func passIsDocumented(pass: String) throws {
    let sections = try Self.sections()
    guard let section = sections[pass] else {
      Issue.record("PASSES.md has no '## \(pass)' section for the registered pass '\(pass)'")
      return
    }
    let subsections = Self.subsections(of: section)
    for title in Self.requiredSubsections {
      guard let body = subsections[title] else {
        Issue.record("PASSES.md, '## \(pass)': no '### \(title)' subsection")
        continue
      }
      #expect(!body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "PASSES.md, '## \(pass)': '### \(title)' is empty")
    }
    if let cases = subsections["Corpus cases"] {
      let names = Self.corpusNames(in: cases)
      let existing = names.filter(Self.exists)
      #expect(!existing.isEmpty, "PASSES.md, '## \(pass)', '### Corpus cases' names no existing corpus file (it names: \(names))")
      let objects = existing.filter { $0.hasSuffix(".o") || $0.hasSuffix(".elf") }
      #expect(!objects.isEmpty, "PASSES.md, '## \(pass)', '### Corpus cases' names no existing corpus object (Corpus/objects/…)")
    }
  }

  /// Every parameter a pass takes (its descriptor's `parameterHelp`: `key=…` or `key`, `;`
  /// separated) is named in its `### Parameters` subsection.
  @Test(arguments: StandardPasses.registry.names)
  func parametersAreDocumented(pass: String) throws {
    let help = StandardPasses.registry.descriptor(named: pass)!.parameterHelp
    let section = try #require(try Self.sections()[pass], "PASSES.md has no '## \(pass)'")
    let parameters = try #require(Self.subsections(of: section)["Parameters"], "'## \(pass)' has no '### Parameters'")
    for key in Self.parameterKeys(help) {
      #expect(parameters.contains(key), "PASSES.md, '## \(pass)', '### Parameters' does not name '\(key)' (parameterHelp: \(help))")
    }
  }

  /// The keys a descriptor's `parameterHelp` names (`key=…` or `key`, `;` separated).
  static func parameterKeys(_ help: String) -> [String] {
    // Drop parenthesised explanations, which may hold `;` themselves.
    var bare = ""
    var depth = 0
    for ch in help {
      if ch == "(" { depth += 1 } else if ch == ")" { depth = max(0, depth - 1) } else if depth == 0 { bare.append(ch) }
    }
    return bare.split(separator: ";").compactMap { part -> String? in
      let key = part.trimmingCharacters(in: .whitespaces).prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
      return key.isEmpty ? nil : String(key)
    }
  }

  /// The overview table at the top of PASSES.md is the registry's: each pass in order, its
  /// summary, its parameters and what it requires.
  @Test func overviewTableMatchesTheRegistry() throws {
    let overview = try #require(try Self.sections()["Overview"], "PASSES.md has no '## Overview'")
    let rows = overview.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
    let expected = StandardPasses.registry.descriptors.map { d in
      let keys = Self.parameterKeys(d.parameterHelp)
      let params = keys.isEmpty ? "–" : keys.map { "`\($0)`" }.joined(separator: ", ")
      let requires = d.requires.isEmpty ? "–" : d.requires.map { "`\($0)`" }.joined(separator: ", ")
      return "| `\(d.name)` | \(d.summary) | \(params) | \(requires) |"
    }
    #expect(rows == expected, "PASSES.md's overview table should read:\n\(expected.joined(separator: "\n"))")
  }

  /// Each `## ` section after the introduction is a registered pass, in the order of `all`.
  @Test func sectionsAreRegisteredPassesInPipelineOrder() throws {
    let text = try String(contentsOfFile: packageRoot + "/PASSES.md", encoding: .utf8)
    let headings = text.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { $0.dropFirst(3).trimmingCharacters(in: .whitespaces) }
    let registered = StandardPasses.registry.names
    let passHeadings = headings.filter(registered.contains)
    #expect(passHeadings == registered, "PASSES.md sections \(passHeadings) are not the registry order \(registered)")
  }

  /// The checker itself: a section without a subsection, or whose corpus cases name no file
  /// on disk, is caught.
  @Test func checkerCatchesMissingParts() {
    let section = "### What it does\nx\n### Corpus cases\n`Corpus/objects/none-O0.o`, `missing.elf`\n"
    let subs = Self.subsections(of: section)
    #expect(subs["Parameters"] == nil && subs["What it does"] != nil)
    let names = Self.corpusNames(in: subs["Corpus cases"]!)
    #expect(names == ["Corpus/objects/none-O0.o", "missing.elf"])
    #expect(!names.contains(where: Self.exists))
    #expect(Self.exists("rust_enums-O0.o") && Self.exists("Corpus/objects/c_dedup-O0.elf"))
  }
}
