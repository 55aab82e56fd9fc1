/// Which variables get a DATASEC entry, in which section and where: pahole 1.31's rule
/// (`btf_encoder__encode_cu_variables`), in one place for the importer (which writes the
/// DATASECs) and for `select-symbols` (which keeps the ones asked for and says why it removes
/// the other VARs).
///
/// A variable is placed when it is at file scope, not `DW_AT_artificial`, has a static address
/// (one `DW_OP_addr`/`DW_OP_addrx`) inside a `SHT_PROGBITS`/`SHT_NOBITS` section (the first by
/// section index: in a vmlinux `.data..percpu` starts at 0 like the non-allocated sections),
/// its name does not start with one of `skippedPrefixes`, it is not at a section's first byte
/// without an object symbol of its name there (DWARF of a variable the linker discarded reads
/// address 0), its type has a size from 1 byte to 4 GiB and its offset fits 32 bits. Its entry:
/// the offset in the section and the type's size; a DATASEC's size ends at its last entry.
///
/// Where rustbtf is stricter than pahole, for the kernel's sake: entries of a section are sorted
/// by offset and one that starts before the previous one ends is left out (the kernel rejects
/// overlapping entries: on Debian's 6.12 vmlinux pahole 1.31 writes 50, the `__weak`
/// `bpf_*_proto` of kernel/bpf/core.c and their strong definitions, which the linker resolved
/// to one address, and its BTF fails to load). Ties go to the variable imported first.
public struct DatasecPlacement: Sendable {
  public struct Entry: Sendable, Hashable {
    public var variable: TypeID
    /// Index into `ELFSymbols.dataSections`.
    public var section: Int32
    /// Offset in the section (the variable's address minus the section's).
    public var offset: UInt32
    /// The type's size.
    public var size: UInt32
  }

  /// Why a variable has no entry.
  public enum Exclusion: Sendable, Hashable {
    case notFileScope
    case artificial
    case noAddress
    case notInDataSection
    /// The index of the prefix in `skippedPrefixes`.
    case skippedPrefix(Int)
    case discarded(section: Int32)
    case void
    case unsized
    case tooLarge(UInt64)
    case offsetTooLarge(section: Int32, offset: UInt64)
    case overlaps(TypeID, section: Int32)
  }

  /// Name prefixes pahole never encodes (`filter_variable_name`): compiler-made unique names,
  /// tracepoint strings, exit calls, gendwarfksyms' and objtool's markers.
  public static let skippedPrefixes: [String] = [
    "__UNIQUE_ID", "__tpstrtab_", "__exitcall_", "__gendwarfksyms_ptr_", "__func_stack_frame_non_standard_",
  ]

  /// Entries by (section, offset).
  public private(set) var entries: [Entry] = []
  /// Variables without an entry, by id (empty unless asked for).
  public private(set) var excluded: [(variable: TypeID, why: Exclusion)] = []

  public init(graph: TypeGraph, recordExclusions: Bool = true) {
    let sections = graph.symbols.dataSections
    var candidates: [Entry] = []
    for id in graph.ids where graph.kind(id) == .variable {
      switch Self.classify(id, sections, graph) {
      case .success(let entry): candidates.append(entry)
      case .failure(let f): if recordExclusions { excluded.append((id, f.exclusion)) }
      }
    }
    candidates.sort {
      ($0.section, $0.offset, $0.variable.rawValue) < ($1.section, $1.offset, $1.variable.rawValue)
    }
    entries.reserveCapacity(candidates.count)
    var end: UInt64 = 0
    for e in candidates {
      if let last = entries.last, last.section == e.section, UInt64(e.offset) < end {
        if recordExclusions { excluded.append((e.variable, .overlaps(last.variable, section: e.section))) }
        continue
      }
      entries.append(e)
      end = UInt64(e.offset) + UInt64(e.size)
    }
    excluded.sort { $0.variable < $1.variable }
  }

  /// Why `variable` has no entry; nil when it has one (or exclusions were not recorded).
  public func exclusion(of variable: TypeID) -> Exclusion? {
    var lo = 0
    var hi = excluded.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if excluded[mid].variable < variable { lo = mid + 1 } else { hi = mid }
    }
    return lo < excluded.count && excluded[lo].variable == variable ? excluded[lo].why : nil
  }

  private struct Failure: Error { var exclusion: Exclusion }

  private static func classify(
    _ id: TypeID, _ sections: ELFSymbols.DataSections, _ graph: TypeGraph
  ) -> Result<Entry, Failure> {
    func no(_ e: Exclusion) -> Result<Entry, Failure> { .failure(Failure(exclusion: e)) }
    if !graph.scopes[id.index].isEmpty { return no(.notFileScope) }
    if graph.flags(id).contains(.artificial) { return no(.artificial) }
    guard let address = graph.symbols.address(of: id) else { return no(.noAddress) }
    guard let k = sections.section(containing: address) else { return no(.notInDataSection) }
    let name = graph.name(id)
    if let prefix = skippedPrefix(graph.strings, name) { return no(.skippedPrefix(prefix)) }
    let offset = address - sections.addresses[k]
    if offset == 0 && !sections.startsWithSymbol(k, named: name) { return no(.discarded(section: Int32(k))) }
    if graph.ref(id).isVoid { return no(.void) }
    guard let size = graph.byteSize(of: graph.ref(id)), size > 0 else { return no(.unsized) }
    if size > UInt64(UInt32.max) { return no(.tooLarge(size)) }
    // The entry must end within 32 bits too (so does its DATASEC).
    if offset + size > UInt64(UInt32.max) { return no(.offsetTooLarge(section: Int32(k), offset: offset)) }
    return .success(Entry(variable: id, section: Int32(k), offset: UInt32(offset), size: UInt32(size)))
  }

  /// The index in `skippedPrefixes` of the prefix `name` starts with, if any.
  static func skippedPrefix(_ strings: StringTable, _ name: NameID) -> Int? {
    strings.withBytes(name) { bytes in
      guard bytes.first == UInt8(ascii: "_") else { return nil }
      return skippedPrefixes.firstIndex { p in bytes.starts(with: p.utf8) }
    }
  }

  /// Adds one DATASEC per section with placed variables (in section order; each sized to end
  /// at its last entry) to a graph being imported. The importer does this while its graph is
  /// still uniquely owned: adding a node later copies every column of a multi-million-node
  /// graph that the caller still holds. `select-symbols` then keeps the DATASECs asked for.
  public static func addDataSections(to graph: inout TypeGraph) {
    let placement = DatasecPlacement(graph: graph, recordExclusions: false)
    var start = 0
    let entries = placement.entries
    while start < entries.count {
      let k = entries[start].section
      var end = start
      while end < entries.count && entries[end].section == k { end += 1 }
      let last = entries[end - 1]
      let datasec = graph.add(
        .dataSection, name: graph.symbols.dataSections.names[Int(k)], size: last.offset + last.size, flags: .synthesized)
      graph.setMembers(datasec, entries[start..<end].map { Member(type: $0.variable, value: UInt64($0.offset), bits: $0.size) })
      start = end
    }
  }
}
