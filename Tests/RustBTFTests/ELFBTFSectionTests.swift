import CDwarf
import Encode
import Foundation
import RustBTF
import Testing

/// `writeBTFSection` / `readBTFSection`: BTF put into an ELF file's `.BTF` section the way a
/// kernel build needs it (`pahole -J`): a module `.ko` (relocatable, no `.BTF`) gets a section,
/// `.tmp_vmlinux1` (an executable with an empty allocated `.BTF`) has it filled. binutils,
/// llvm-objcopy and libbpf (through bpftool) must accept the result, and nothing else in the file
/// may change. Everything runs on copies in a temporary directory.
@Suite struct ELFBTFSectionTests {
  /// A relocatable object without `.BTF`, as a kernel module is.
  static let relocatable = "c_funcs-O2.o"
  /// An executable with program headers (the corpus has position-independent ones).
  static let executable = "c_types-O0.elf"
  /// Linked into an ET_EXEC shaped like `.tmp_vmlinux1` (it has no undefined symbols).
  static let linkedObject = "c_types-O0.o"

  @Test func addsBTFSectionToRelocatableObject() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try copyOfCorpus(Self.relocatable, into: dir)
    let btf = try realBTF(of: Self.relocatable)
    let before = try ELFSnapshot(file)
    #expect(before.row(".BTF") == nil)
    #expect(try readBTFSection(fromELF: file) == nil)

    try writeBTFSection(btf, intoELF: file)

    #expect(try readBTFSection(fromELF: file) == btf)
    let after = try ELFSnapshot(file)
    #expect(after.rows.count == before.rows.count + 1)
    let added = try #require(after.row(".BTF"))
    #expect(added.type == "PROGBITS" && added.flags.isEmpty && added.size == UInt64(btf.count))
    try expectUndisturbed(before: before, after: after, changed: [".BTF"], nameTableGrows: true)
    try expectToolsAccept(file)
    // A second write (pahole run again on the module) replaces the section, adds none.
    let smaller = Array(btf.prefix(btf.count / 2))
    try writeBTFSection(smaller, intoELF: file)
    #expect(try readBTFSection(fromELF: file) == smaller)
    #expect(try ELFSnapshot(file).rows.count == after.rows.count)
    try expectUndisturbed(before: before, after: try ELFSnapshot(file), changed: [".BTF"], nameTableGrows: true)
    try expectNoTemporaries(in: dir)
  }

  /// `-J` with `distilled_base` (an out-of-tree module): `.BTF` and `.BTF.base` go in in one
  /// edit, both added; written again, both are replaced and none is added.
  @Test func addsBTFAndBTFBaseInOneEdit() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let module = "distill_module-O2.o"
    let file = try copyOfCorpus(module, into: dir)
    let base = try Conversion().run(path: corpusObject("distill_vmlinux-O2.o")).btf
    let d = try DistilledBase.distill(split: try Conversion(base: base).run(path: corpusObject(module)).btf, base: base)
    let before = try ELFSnapshot(file)

    try writeBTFSections([(".BTF", d.split), (".BTF.base", d.base)], intoELF: file)

    #expect(try readBTFSection(fromELF: file) == d.split)
    #expect(try readBTFSection(fromELF: file, sectionName: ".BTF.base") == d.base)
    let after = try ELFSnapshot(file)
    #expect(after.rows.count == before.rows.count + 2)
    for name in [".BTF", ".BTF.base"] {
      let row = try #require(after.row(name))
      #expect(row.type == "PROGBITS" && row.flags.isEmpty)
    }
    try expectUndisturbed(before: before, after: after, changed: [".BTF", ".BTF.base"], nameTableGrows: true)
    for tool in [try CTools.find("objcopy", package: "binutils"), try CTools.find("llvm-objcopy", package: "llvm")] {
      let r = try runTool(tool, [file, dir + "/copy.o"])
      #expect(r.status == 0 && r.stderr.isEmpty, "\(tool): \(r.stderr)")
    }
    let smaller = Array(d.base.prefix(d.base.count / 2))
    try writeBTFSections([(".BTF", d.base), (".BTF.base", smaller)], intoELF: file)
    #expect(try readBTFSection(fromELF: file) == d.base)
    #expect(try readBTFSection(fromELF: file, sectionName: ".BTF.base") == smaller)
    #expect(try ELFSnapshot(file).rows.count == after.rows.count)
    try expectUndisturbed(before: before, after: try ELFSnapshot(file), changed: [".BTF", ".BTF.base"], nameTableGrows: true)
    try expectNoTemporaries(in: dir)
  }

  @Test func fillsEmptyBTFSectionOfExecutable() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try executableWithBTF(bytes: 0, named: "tmp_vmlinux1", in: dir)
    let before = try ELFSnapshot(file)
    let empty = try #require(before.row(".BTF"))
    #expect(empty.size == 0 && empty.flags == "A")
    #expect(try readBTFSection(fromELF: file) == [])
    // As in the kernel build: the BTF of the very file it goes into.
    let btf = try Conversion().run(path: file).btf

    try writeBTFSection(btf, intoELF: file)

    #expect(try readBTFSection(fromELF: file) == btf)
    let after = try ELFSnapshot(file)
    #expect(after.rows.count == before.rows.count)
    let filled = try #require(after.row(".BTF"))
    // Same section: index, flags and address kept; only offset and size change.
    #expect(filled.index == empty.index && filled.flags == "A" && filled.address == empty.address)
    #expect(filled.size == UInt64(btf.count))
    #expect(after.programHeaders == before.programHeaders)
    try expectUndisturbed(before: before, after: after, changed: [".BTF"], nameTableGrows: false)
    try expectToolsAccept(file, allowedWarnings: [btfNotInSegment])
    try expectKernelBuildExtractsBTF(file, equalTo: btf)

    // Again, with a blob of another size.
    let second = btf + btf.prefix(100)
    try writeBTFSection(second, intoELF: file)
    #expect(try readBTFSection(fromELF: file) == second)
    let again = try ELFSnapshot(file)
    #expect(again.rows.count == before.rows.count && again.row(".BTF")?.size == UInt64(second.count))
    try expectUndisturbed(before: before, after: again, changed: [".BTF"], nameTableGrows: false)
    try expectToolsAccept(file, allowedWarnings: [btfNotInSegment])
    try expectKernelBuildExtractsBTF(file, equalTo: second)
    try expectNoTemporaries(in: dir)
  }

  /// The section name string table grows, and libelf rewrites the program headers: neither may
  /// disturb an executable's segments.
  @Test func addsBTFSectionToExecutable() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try copyOfCorpus(Self.executable, into: dir)
    let before = try ELFSnapshot(file)
    let btf = try realBTF(of: Self.executable)

    try writeBTFSection(btf, intoELF: file)

    #expect(try readBTFSection(fromELF: file) == btf)
    let after = try ELFSnapshot(file)
    #expect(after.rows.count == before.rows.count + 1)
    try expectUndisturbed(before: before, after: after, changed: [".BTF"], nameTableGrows: true)
    #expect(after.programHeaders == before.programHeaders)
    try expectToolsAccept(file)
  }

  /// libelf converts a 32-bit or big-endian file's headers on the way out, never the blob.
  @Test(arguments: [["as", "--32"], ["llvm-mc", "-triple=powerpc64-unknown-linux-gnu", "-filetype=obj"]])
  func otherClassesAndByteOrders(assembler: [String]) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = dir + "/x.s"
    let file = dir + "/x.o"
    try Data(".text\nnop\n.data\n.long 1\n".utf8).write(to: URL(fileURLWithPath: source))
    let tool = try CTools.find(assembler[0], package: assembler[0] == "as" ? "binutils" : "llvm")
    let assembled = try runTool(tool, Array(assembler.dropFirst()) + [source, "-o", file])
    try #require(assembled.status == 0, "\(assembler): \(assembled.stderr)")
    let before = try ELFSnapshot(file)
    let btf: [UInt8] = [0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]

    try writeBTFSection(btf, intoELF: file)

    #expect(try readBTFSection(fromELF: file) == btf)
    let after = try ELFSnapshot(file)
    #expect(after.rows.count == before.rows.count + 1 && after.row(".BTF")?.size == UInt64(btf.count))
    try expectUndisturbed(before: before, after: after, changed: [".BTF"], nameTableGrows: true)
    // GNU objcopy here knows x86 only; llvm-objcopy knows every target.
    let copied = try runTool(try CTools.find("llvm-objcopy", package: "llvm"), [file, dir + "/copy.o"])
    #expect(copied.status == 0 && copied.stderr.isEmpty, "llvm-objcopy: \(copied.stderr)")
  }

  @Test func nonELFFileIsRefusedAndLeftAlone() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/notes.txt"
    let text = Array("not an ELF file, just text\n".utf8)
    try Data(text).write(to: URL(fileURLWithPath: file))
    let error = try expectRefusal(writing: file, mentioning: "not an ELF file")
    #expect(error.contains(file))
    #expect(try readFile(file) == text)
    try expectNoTemporaries(in: dir)
    #expect(throws: ConversionError.self) { try readBTFSection(fromELF: file) }
  }

  /// An ELF header whose sections lie past the end of the file: libelf fails on the temporary
  /// copy, which must go away.
  @Test func truncatedELFFailsAndIsLeftAlone() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/truncated.o"
    let truncated = Array(try readFile(corpusObject(Self.relocatable)).prefix(200))
    try Data(truncated).write(to: URL(fileURLWithPath: file))
    let error = try expectRefusal(writing: file, mentioning: file)
    #expect(!error.contains("not an ELF file"))
    #expect(try readFile(file) == truncated)
    try expectNoTemporaries(in: dir)
    #expect(throws: ConversionError.self) { try readBTFSection(fromELF: file) }
  }

  @Test func noBitsSectionIsRefusedAndFileLeftAlone() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try copyOfCorpus(Self.relocatable, into: dir)
    let original = try readFile(file)
    // The object's `.bss` stands in for a `.BTF` of type SHT_NOBITS.
    _ = try expectRefusal(writing: file, sectionName: ".bss", mentioning: "SHT_NOBITS")
    #expect(throws: ConversionError.self) { try readBTFSection(fromELF: file, sectionName: ".bss") }
    #expect(try readFile(file) == original)
    try expectNoTemporaries(in: dir)
  }

  @Test func nonRegularFilesAreRefused() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try expectRefusal(writing: dir, mentioning: "not a regular file")
    // A FIFO must be refused, not waited on.
    let fifo = dir + "/fifo"
    #expect(mkfifo(fifo, 0o644) == 0)
    _ = try expectRefusal(writing: fifo, mentioning: "not a regular file")
    #expect(throws: ConversionError.self) { try readBTFSection(fromELF: fifo) }
    try expectNoTemporaries(in: dir)
  }

  /// Tests run as root, which a read-only directory does not stop; a directory that does not
  /// exist stops everyone.
  @Test func missingDirectoryIsAnError() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/no-such-directory/x.o"
    let error = try expectRefusal(writing: file, mentioning: "No such file or directory")
    #expect(error.contains(file))
  }

  @Test func modeAndOwnerAreKept() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try copyOfCorpus(Self.relocatable, into: dir)
    #expect(chmod(file, 0o750) == 0)
    let asRoot = geteuid() == 0
    if asRoot { #expect(chown(file, 1234, 4321) == 0) }

    try writeBTFSection([0x9f, 0xeb, 1, 0], intoELF: file)

    var st = stat()
    #expect(stat(file, &st) == 0)
    #expect(st.st_mode & 0o7777 == 0o750)
    if asRoot { #expect(st.st_uid == 1234 && st.st_gid == 4321) }
  }

  /// A linked vmlinux's `.BTF` is loaded by a segment (SHF_ALLOC inside a PT_LOAD): BTF of
  /// another size would leave its address range over the next section's, so it is refused and
  /// the file left alone; BTF of its exact size replaces it where it is, and the file stays one
  /// that binutils copies (and strips) without a word.
  @Test func loadedBTFSectionIsReplacedOnlyInPlace() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let btf = try realBTF(of: Self.relocatable)
    let file = try executableWithBTF(bytes: btf.count, named: "vmlinux", in: dir)
    let before = try ELFSnapshot(file)
    let loaded = try #require(before.row(".BTF"))
    #expect(loaded.flags == "A" && loaded.size == UInt64(btf.count))
    #expect(before.programHeaders.contains("LOAD"))

    let error = try expectRefusal(writing: file, mentioning: "PT_LOAD")
    #expect(error.contains("--btf_encode_detached"))
    #expect(try readFile(file) == before.bytes)
    let cli = try runCLI(["-J", file])
    #expect(cli.status == 1 && cli.stderr.split(separator: "\n").count == 1 && cli.stderr.contains("PT_LOAD"), "\(cli.stderr)")
    #expect(try readFile(file) == before.bytes)

    try writeBTFSection(btf, intoELF: file)

    #expect(try readBTFSection(fromELF: file) == btf)
    let after = try ELFSnapshot(file)
    #expect(after.bytes.count == before.bytes.count)
    #expect(after.rows == before.rows, "a section header changed")
    #expect(after.programHeaders == before.programHeaders)
    let changed = (0..<before.bytes.count).filter { after.bytes[$0] != before.bytes[$0] }
    let section = Int(loaded.offset)..<Int(loaded.offset) + btf.count
    #expect(changed.allSatisfy { section.contains($0) }, "bytes outside .BTF changed")
    try expectToolsAccept(file)
    let stripped = dir + "/stripped"
    let strip = try runTool(try CTools.find("strip", package: "binutils"), ["-o", stripped, file])
    #expect(strip.status == 0 && strip.stderr.isEmpty, "strip: \(strip.stderr)")
    #expect(try readBTFSection(fromELF: stripped) == btf)
    try expectNoTemporaries(in: dir)
  }

  /// Running `-J` again does not grow the file: the `.BTF` an earlier run put last before the
  /// section header table is rewritten there (pahole keeps the size too), for a module and for
  /// `.tmp_vmlinux1`; a smaller blob anywhere goes where the old one was.
  @Test func rewritingKeepsTheFileSize() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let module = try copyOfCorpus(Self.relocatable, into: dir)
    let btf = try realBTF(of: Self.relocatable)
    let original = try ELFSnapshot(module)
    var sizes: [Int] = []
    for _ in 0..<4 {
      try writeBTFSection(btf, intoELF: module)
      sizes.append(try readFile(module).count)
    }
    #expect(Set(sizes).count == 1, "the module grew run after run: \(sizes)")
    #expect(try readBTFSection(fromELF: module) == btf)
    try expectUndisturbed(before: original, after: try ELFSnapshot(module), changed: [".BTF"], nameTableGrows: true)
    try expectToolsAccept(module)
    // A larger blob, then the first again: the file follows the blob's size, no more.
    try writeBTFSection(btf + btf, intoELF: module)
    #expect(try readFile(module).count == sizes[0] + btf.count)
    try writeBTFSection(btf, intoELF: module)
    #expect(try readFile(module).count == sizes[0])
    try expectToolsAccept(module)

    let vmlinux = try executableWithBTF(bytes: 0, named: "tmp_vmlinux1", in: dir)
    let empty = try ELFSnapshot(vmlinux)
    let vmlinuxBTF = try Conversion().run(path: vmlinux).btf
    var vmlinuxSizes: [Int] = []
    for _ in 0..<3 {
      try writeBTFSection(vmlinuxBTF, intoELF: vmlinux)
      vmlinuxSizes.append(try readFile(vmlinux).count)
    }
    #expect(Set(vmlinuxSizes).count == 1, ".tmp_vmlinux1 grew run after run: \(vmlinuxSizes)")
    try expectUndisturbed(before: empty, after: try ELFSnapshot(vmlinux), changed: [".BTF"], nameTableGrows: false)
    try expectKernelBuildExtractsBTF(vmlinux, equalTo: vmlinuxBTF)
    try expectNoTemporaries(in: dir)
  }

  /// The rewritten file keeps what `cp --preserve=all` keeps: extended attributes, a POSIX ACL
  /// and file capabilities (set after the owner, which clears them), with mode and owner.
  @Test func extendedAttributesACLsAndCapabilitiesAreKept() throws {
    try #require(geteuid() == 0, "setting security.capability and another owner needs root")
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try copyOfCorpus(Self.relocatable, into: dir)
    #expect(chown(file, 1234, 4321) == 0)
    #expect(chmod(file, 0o750) == 0)
    // struct posix_acl_xattr_header + entries (tag, perm, id): user::rwx user:1234:r-- group::r-x mask::r-x other::---
    var acl: [UInt8] = le32(2)
    for (tag, perm, id) in [(0x01, 7, UInt32.max), (0x02, 4, 1234), (0x04, 5, UInt32.max), (0x10, 5, UInt32.max), (0x20, 0, UInt32.max)] {
      acl += le16(UInt16(tag)) + le16(UInt16(perm)) + le32(id)
    }
    // struct vfs_cap_data, revision 2, effective: cap_net_raw (13) permitted.
    let capability = le32(0x0200_0001) + le32(1 << 13) + le32(0) + le32(0) + le32(0)
    let attributes: [(String, [UInt8])] = [
      ("user.rustbtf.test", Array("kept".utf8)), ("system.posix_acl_access", acl), ("security.capability", capability),
    ]
    for (name, value) in attributes {
      let set = value.withUnsafeBytes { setxattr(file, name, $0.baseAddress, value.count, 0) }
      try #require(set == 0, "setxattr \(name): \(String(cString: strerror(errno)))")
    }
    let before = try attributes.map { try xattr(file, $0.0) }

    let run = try runCLI(["-J", file])
    #expect(run.status == 0, "\(run.stderr)")

    #expect(try readBTFSection(fromELF: file) != nil)
    for (i, (name, _)) in attributes.enumerated() {
      #expect(try xattr(file, name) == before[i], "\(name) was not kept")
    }
    var st = stat()
    #expect(stat(file, &st) == 0 && st.st_uid == 1234 && st.st_gid == 4321 && st.st_mode & 0o7777 == 0o750)
    try expectNoTemporaries(in: dir)
  }

  @Test func symlinkStaysASymlink() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = try copyOfCorpus(Self.relocatable, into: dir)
    let link = dir + "/link.o"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "c_funcs-O2.o")
    let btf: [UInt8] = [0x9f, 0xeb, 1, 0, 24, 0, 0, 0]

    try writeBTFSection(btf, intoELF: link)

    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "c_funcs-O2.o")
    #expect(try readBTFSection(fromELF: file) == btf)
    try expectNoTemporaries(in: dir)
  }
}

// MARK: - Fixtures

private func copyOfCorpus(_ name: String, into dir: String) throws -> String {
  let path = dir + "/" + name
  try FileManager.default.copyItem(atPath: corpusObject(name), toPath: path)
  return path
}

/// BTF rustbtf makes of a corpus object, so libbpf has real BTF to parse in the written file.
private func realBTF(of name: String) throws -> [UInt8] {
  try Conversion().run(path: corpusObject(name)).btf
}

/// An executable shaped like `.tmp_vmlinux1` (`bytes` 0: an empty `.BTF`) or like a linked
/// vmlinux (`bytes` zeros): statically linked (ET_EXEC) with an allocated `.BTF` inside a loadable
/// segment, between `.rodata` and `.eh_frame`, placed by a linker script as the kernel's
/// (`__start_BTF`/`__stop_BTF` around `KEEP(*(.BTF))`).
private func executableWithBTF(bytes: Int, named name: String, in dir: String) throws -> String {
  let asm = dir + "/btf.s"
  let btfObject = dir + "/btf.o"
  let script = dir + "/btf.ld"
  let file = dir + "/" + name
  let fill = bytes > 0 ? ".fill \(bytes),1,0\n" : ""
  try Data(".section .BTF,\"a\"\n\(fill).section .note.GNU-stack,\"\",@progbits\n".utf8).write(to: URL(fileURLWithPath: asm))
  try Data("SECTIONS { .BTF : { __start_BTF = .; KEEP(*(.BTF)) __stop_BTF = .; } } INSERT AFTER .rodata;\n".utf8)
    .write(to: URL(fileURLWithPath: script))
  let assembled = try runTool(try CTools.find("as", package: "binutils"), [asm, "-o", btfObject])
  guard assembled.status == 0 else { throw ConversionError("as exited with \(assembled.status): \(assembled.stderr)") }
  let linked = try runTool(
    try CTools.find("ld", package: "binutils"),
    [
      "-static", "-e", "main", corpusObject(ELFBTFSectionTests.linkedObject), btfObject,
      "-T", script, "-o", file,
    ])
  guard linked.status == 0 else { throw ConversionError("ld exited with \(linked.status): \(linked.stderr)") }
  try FileManager.default.removeItem(atPath: btfObject)
  return file
}

private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }

/// The value of extended attribute `name` of `path`.
private func xattr(_ path: String, _ name: String) throws -> [UInt8] {
  var value = [UInt8](repeating: 0, count: 4096)
  let n = value.withUnsafeMutableBytes { getxattr(path, name, $0.baseAddress, $0.count) }
  guard n >= 0 else { throw ConversionError("getxattr \(path) \(name): \(String(cString: strerror(errno)))") }
  return Array(value[0..<n])
}

// MARK: - What is checked

/// A file's bytes, its section table and its program headers, as binutils' readelf prints them.
private struct ELFSnapshot {
  /// One row of `readelf -SW`.
  struct Row: Equatable {
    var index: Int
    var name: String
    var type: String
    var address: String
    var offset: UInt64
    var size: UInt64
    var flags: String
    var line: String
  }

  var path: String
  var bytes: [UInt8]
  var rows: [Row]
  var programHeaders: String
  /// e_shstrndx: `.shstrtab`, or `.strtab` where LLVM's assembler shares one table.
  var nameTableIndex: Int

  init(_ path: String) throws {
    self.path = path
    bytes = try readFile(path)
    let readelf = try CTools.find("readelf", package: "binutils")
    let sections = try runTool(readelf, ["-SW", path])
    // Any warning means binutils found something wrong with the file.
    guard sections.status == 0, sections.stderr.isEmpty else {
      throw ConversionError("readelf -SW \(path) exited with \(sections.status): \(sections.stderr)")
    }
    rows = sections.stdout.split(separator: "\n").compactMap { Self.row(String($0)) }
    let header = try runTool(readelf, ["-hW", path]).stdout
    let indexLine = header.split(separator: "\n").first { $0.contains("Section header string table index:") }
    guard let indexText = indexLine?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces),
      let index = Int(indexText)
    else { throw ConversionError("readelf -hW \(path): no section header string table index") }
    nameTableIndex = index
    let segments = try runTool(readelf, ["-lW", path])
    guard segments.status == 0, segments.stderr.isEmpty else {
      throw ConversionError("readelf -lW \(path) exited with \(segments.status): \(segments.stderr)")
    }
    // The section-to-segment mapping is left out: a moved `.BTF` is no longer inside a segment.
    programHeaders = String(segments.stdout.components(separatedBy: "Section to Segment").first ?? "")
  }

  func row(_ name: String) -> Row? { rows.first { $0.name == name } }

  var nameTable: Row? { rows.first { $0.index == nameTableIndex } }

  /// `  [ 1] .text  PROGBITS  0000000000000000 000040 000181 00  AX  0   0 16`; the flags column
  /// may be empty. Section 0 (no name) is left out.
  static func row(_ line: String) -> Row? {
    guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close,
      let index = Int(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces)), index > 0
    else { return nil }
    let fields = line[line.index(after: close)...].split(separator: " ").map(String.init)
    guard fields.count >= 9, let offset = UInt64(fields[3], radix: 16), let size = UInt64(fields[4], radix: 16) else {
      return nil
    }
    let flags = fields.count == 10 ? fields[6] : ""
    return Row(
      index: index, name: fields[0], type: fields[1], address: fields[2], offset: offset, size: size,
      flags: flags, line: line)
  }
}

/// Nothing but the sections in `changed` (and the section name string table, when
/// `nameTableGrows`) and the ELF header differs: every other section has the same header row
/// and the same bytes (dumped by llvm-objcopy), and every byte of the old file past the ELF
/// header is still there. A grown name table keeps its old bytes as its beginning.
private func expectUndisturbed(
  before: ELFSnapshot, after: ELFSnapshot, changed: Set<String>, nameTableGrows: Bool,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let nameTable = try #require(before.nameTable, sourceLocation: sourceLocation)
  let changedNames = nameTableGrows ? changed.union([nameTable.name]) : changed
  let kept = before.rows.filter { !changedNames.contains($0.name) }
  for row in kept {
    #expect(after.rows.first { $0.index == row.index } == row, "section header of \(row.name) changed", sourceLocation: sourceLocation)
  }
  let dumpable = kept.filter { $0.type != "NOBITS" }.map(\.name)
  let old = try dumpSections(dumpable + [nameTable.name], of: before.path, copyOf: before.bytes)
  let new = try dumpSections(dumpable + [nameTable.name], of: after.path, copyOf: after.bytes)
  for name in dumpable {
    #expect(old[name] == new[name], "bytes of section \(name) changed", sourceLocation: sourceLocation)
  }
  if nameTableGrows {
    let oldTable = try #require(old[nameTable.name] ?? nil, sourceLocation: sourceLocation)
    let newTable = try #require(new[nameTable.name] ?? nil, sourceLocation: sourceLocation)
    #expect(
      newTable.count > oldTable.count && Array(newTable.prefix(oldTable.count)) == oldTable,
      "the section name string table lost bytes", sourceLocation: sourceLocation)
  }
  let headerSize = before.bytes[4] == 1 ? 52 : 64 // EI_CLASS: ELFCLASS32 or ELFCLASS64
  try #require(after.bytes.count > before.bytes.count, sourceLocation: sourceLocation)
  let changedAt = (headerSize..<before.bytes.count).first { after.bytes[$0] != before.bytes[$0] }
  #expect(changedAt == nil, "byte \(changedAt ?? 0) of the old file (past the ELF header) changed", sourceLocation: sourceLocation)
}

/// The named sections' contents, by `llvm-objcopy --dump-section` (one run for all of them), of
/// the file whose bytes are `bytes` (a snapshot: the file at `path` may have changed since, so
/// the bytes are written out again).
private func dumpSections(_ names: [String], of path: String, copyOf bytes: [UInt8]) throws -> [String: [UInt8]?] {
  let llvmObjcopy = try CTools.find("llvm-objcopy", package: "llvm")
  let dir = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(atPath: dir) }
  let input = dir + "/input"
  try Data(bytes).write(to: URL(fileURLWithPath: input))
  // Corpus sections may share a name (llvm-objcopy dumps the first): dump each name once.
  let unique = Array(Set(names)).sorted()
  var arguments: [String] = []
  for (i, name) in unique.enumerated() { arguments += ["--dump-section", "\(name)=\(dir)/\(i)"] }
  let r = try runTool(llvmObjcopy, arguments + [input, dir + "/output"])
  guard r.status == 0 else { throw ConversionError("llvm-objcopy --dump-section on \(path) exited with \(r.status): \(r.stderr)") }
  var out: [String: [UInt8]?] = [:]
  for (i, name) in unique.enumerated() { out[name] = try? readFile("\(dir)/\(i)") }
  return out
}

/// binutils and LLVM copy the file without a word (but for `allowedWarnings`), and libbpf
/// (bpftool) parses its `.BTF`.
private func expectToolsAccept(
  _ file: String, allowedWarnings: [String] = [],
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let out = temporaryPath(".o")
  defer { try? FileManager.default.removeItem(atPath: out) }
  for tool in [try CTools.find("objcopy", package: "binutils"), try CTools.find("llvm-objcopy", package: "llvm")] {
    let r = try runTool(tool, [file, out])
    let warnings = unexpectedLines(r.stderr, allowed: allowedWarnings)
    #expect(r.status == 0 && warnings.isEmpty, "\(tool) \(file): \(r.stderr)", sourceLocation: sourceLocation)
  }
  let bpftool = try CTools.find("bpftool", package: "bpftool")
  let dump = try runTool(bpftool, ["btf", "dump", "file", file, "format", "raw"])
  #expect(
    dump.status == 0 && dump.stdout.hasPrefix("[1] "), "bpftool btf dump file \(file): \(dump.stderr)",
    sourceLocation: sourceLocation)
}

/// GNU objcopy's warning when it copies a file whose allocated `.BTF` got its bytes behind the
/// segments (its address is still in one): what pahole's `.tmp_vmlinux1` gets too, since an empty
/// section cannot grow inside its segment. Nothing copies `.tmp_vmlinux1` whole.
private let btfNotInSegment = "allocated section `.BTF' not in segment"

/// What scripts/link-vmlinux.sh does next: `objcopy --only-section=.BTF` into an object whose
/// `.BTF` holds exactly the blob. The kernel sends that objcopy's standard error to /dev/null
/// for its "empty loadable segment detected" warnings (the segments lose all their sections).
private func expectKernelBuildExtractsBTF(
  _ file: String, equalTo btf: [UInt8],
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let out = temporaryPath(".btf.o")
  defer { try? FileManager.default.removeItem(atPath: out) }
  let objcopy = try CTools.find("objcopy", package: "binutils")
  let r = try runTool(objcopy, ["--only-section=.BTF", "--set-section-flags", ".BTF=alloc,readonly", "--strip-all", file, out])
  let warnings = unexpectedLines(r.stderr, allowed: ["empty loadable segment detected", btfNotInSegment])
  #expect(r.status == 0 && warnings.isEmpty, "objcopy --only-section=.BTF: \(r.stderr)", sourceLocation: sourceLocation)
  #expect(try readBTFSection(fromELF: out) == btf, sourceLocation: sourceLocation)
}

/// The lines of a tool's standard error that hold none of `allowed`.
private func unexpectedLines(_ stderr: String, allowed: [String]) -> [String] {
  stderr.split(separator: "\n").map(String.init).filter { line in !allowed.contains { line.contains($0) } }
}

/// `writeBTFSection` into `file` fails with a `ConversionError` whose message holds `words`;
/// returns the message.
private func expectRefusal(
  writing file: String, sectionName: String = ".BTF", mentioning words: String,
  sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
  do {
    try writeBTFSection([0x9f, 0xeb, 1, 0], intoELF: file, sectionName: sectionName)
  } catch let error as ConversionError {
    #expect(error.description.contains(words), "\(error)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    return error.description
  }
  Issue.record("writing into \(file) did not fail", sourceLocation: sourceLocation)
  return ""
}

private func expectNoTemporaries(in dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".rustbtf-") }
  #expect(left.isEmpty, "temporary files left in \(dir): \(left)", sourceLocation: sourceLocation)
}
