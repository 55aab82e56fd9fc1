import Encode
import Foundation
import RustBTF
import Sanitize
import Testing
import TypeGraph
import Verify

/// `sanitize-names` never writes a name that is a C keyword (`CKeywords`), since C headers
/// made from the BTF print names as they are; the naming policy stays injective, deterministic
/// and readable (`char` becomes `char_`).
@Suite struct CKeywordTests {
  let registry = StandardPasses.registry

  /// Keywords as every kind of name the pass writes: struct, union, enum, typedef, FWD, FUNC,
  /// VAR, member, parameter, enumerator.
  @Test func keywordsAreRenamedWhereverTheyOccur() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let s = b.structure("default", bytes: 8, [("char", int, 0), ("type", int, 32)])
    let u = b.structure("union", bytes: 4, [("long", int, 0)], kind: .union)
    let e = b.graph.add(.enumeration, name: b.name("enum"), size: 4)
    b.graph.setMembers(e, [Member(name: b.name("case"), value: 0), Member(name: b.name("Ok"), value: 1)])
    let t = b.typedef("char", int)
    let fwd = b.graph.add(.forward, name: b.name("goto"))
    let f = b.function("switch", returns: int, params: [("register", int), ("x", int)])
    let v = b.graph.add(.variable, name: b.name("static"), ref: int, aux: 1)
    var g = b.graph
    try run("sanitize-names", on: &g, registry: registry)

    #expect(g.nameString(s) == "default_")
    #expect(g.members(of: s).map { g.strings.string($0.name) } == ["char_", "type"])
    #expect(g.nameString(u) == "union_" && g.strings.string(g.members(of: u)[0].name) == "long_")
    #expect(g.nameString(e) == "enum_" && g.members(of: e).map { g.strings.string($0.name) } == ["case_", "Ok"])
    #expect(g.nameString(t) == "char_" && g.nameString(fwd) == "goto_")
    #expect(g.nameString(f) == "switch_" && g.nameString(v) == "static_")
    let proto = g.ref(f)
    #expect(g.members(of: proto).map { g.strings.string($0.name) } == ["register_", "x"])
    // INT names are C type names and stay.
    #expect(g.nameString(int) == "int")
    let btf = try BTFEncoder().encode(g)
    #expect(BTFValidator.validate(btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }

    // The decisions say why.
    let reasons = g.decisions.entries.filter { $0.subject == s }.map(\.reason)
    #expect(reasons.count == 2 && reasons.allSatisfy { $0 == SanitizeNames.Reason.cKeyword }, "\(reasons)")

    // A second run changes nothing.
    var again = g
    var pipeline = try PassPipeline(parsing: "sanitize-names", registry: registry)
    var context = PassContext()
    try pipeline.run(on: &again, context: &context, instrumentation: [])
    #expect(again.dump() == g.dump())
  }

  /// `char_` standing as it is keeps its name; the keyword `char` then gets the hash suffix,
  /// so the two stay apart (injective), and the same original always gets the same name.
  @Test func keywordRenamesStayInjective() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let literal = b.structure("char_", bytes: 4, [("char", int, 0), ("char_", int, 0)], kind: .union)
    let keyword = b.typedef("char", int)
    let other = b.structure("Other", bytes: 4, [("char", int, 0)])
    var g = b.graph
    try run("sanitize-names", on: &g, registry: registry)
    let hashed = "char_h" + NamePolicy.hash8("char")
    #expect(g.nameString(literal) == "char_")
    #expect(g.nameString(keyword) == hashed)
    #expect(g.members(of: literal).map { g.strings.string($0.name) } == [hashed, "char_"])
    #expect(g.strings.string(g.members(of: other)[0].name) == hashed)
  }

  /// Qualified names: a keyword as a simple name is rewritten inside the qualified name only
  /// where the whole would be a keyword; `NamePolicy` never returns a keyword.
  @Test func namePolicyNeverReturnsAKeyword() {
    for k in CKeywords.all.sorted() {
      let n = NamePolicy.firstCandidate(scope: nil, name: k, maxLength: 512)
      #expect(!CKeywords.contains(n) && BTFNameRule.isIdentifier(n, maxLength: 512), "\(k) -> \(n)")
      #expect(n == k + "_")
      let short = NamePolicy.firstCandidate(scope: nil, name: k, maxLength: 16)
      #expect(!CKeywords.contains(short) && short.utf8.count <= 16, "\(k) -> \(short)")
    }
    // Braces vanish in the readable form: `{int}` would read `int`.
    #expect(NamePolicy.firstCandidate(scope: nil, name: "{int}", maxLength: 512) == "int_")
    #expect(NamePolicy.firstCandidate(scope: "kernel", name: "char", maxLength: 512) == "kernel__char")
  }

  /// The byte check sanitize-names uses (no String made) answers as the set does: for every
  /// keyword, and for names one byte off one (shorter, longer, another last byte, another case).
  @Test func bytesAreCheckedAsTheSetIs() {
    var names = ["", "a", "x", String(repeating: "_", count: 40)]
    for k in CKeywords.all {
      names += [k, String(k.dropLast()), k + "_", "_" + k, k.uppercased(), String(k.dropLast()) + "0"]
    }
    for n in names {
      var s = n
      let bytes = s.withUTF8 { CKeywords.contains(UnsafeRawBufferPointer($0)) }
      #expect(bytes == CKeywords.all.contains(n), "\(n)")
    }
  }

  /// Every entry of the list really breaks a C header compiled as BPF programs compile
  /// `vmlinux.h` (clang's default gnu17): as a member name or as a typedef name. So the list
  /// holds no name that would be renamed for nothing. Keywords only newer compilers have are
  /// checked when the clang found is one of them (21 or later).
  @Test func everyListedKeywordBreaksClang() throws {
    let clang = try CTools.find("clang", package: "clang")
    let versionText = try runTool(clang, ["--version"]).stdout
    let major =
      versionText.split(separator: " ").drop { $0 != "version" }.dropFirst().first
      .flatMap { Int($0.split(separator: ".")[0]) } ?? 0
    #expect(major >= 14, "unexpected clang version text: \(versionText)")
    let checked = CKeywords.c17 + CKeywords.extensions + (major >= 21 ? CKeywords.newerCompilers : [])
    var accepted: [String] = []
    for k in checked {
      let memberOK = try compilesCleanly("struct t { char *\(k); int x; };\n", clang: clang)
      let typedefOK = try compilesCleanly("typedef char *\(k);\n", clang: clang)
      if memberOK && typedefOK { accepted.append(k) }
    }
    #expect(accepted.isEmpty, "clang \(major) accepts these as names: \(accepted)")
    #expect(CKeywords.all.count == CKeywords.c17.count + CKeywords.extensions.count + CKeywords.newerCompilers.count)
    // And the check can tell: an ordinary name compiles.
    #expect(try compilesCleanly("struct t { char *char_; int x; };\ntypedef char *char_;\n", clang: clang))
  }

  private func compilesCleanly(_ source: String, clang: String) throws -> Bool {
    let src = temporaryPath(".c")
    try source.write(toFile: src, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: src) }
    let status = try runTool(clang, ["-target", "bpf", "-Werror", "-fsyntax-only", src]).status
    return status == 0
  }
}
