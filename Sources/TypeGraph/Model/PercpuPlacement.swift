/// Which variables are per-CPU, and where in `.data..percpu` they go: the rule pahole applies,
/// in one place for the importer (which writes the `.data..percpu` DATASEC) and for
/// `select-symbols` (which keeps those VARs and says why it removes the others).
///
/// A variable is per-CPU when its static address (a single `DW_OP_addr`) lies in
/// `.data..percpu` and an STT_OBJECT symbol of non-zero size starts at that offset. At offset 0
/// the names must agree too: DWARF of a variable whose section the linker discarded reads
/// address 0, which in a vmlinux is also the start of `.data..percpu`. Entries are sorted by
/// offset and never overlap (the kernel checks both); one entry per symbol; an entry's size is
/// its symbol's size, which must hold the variable's type.
public struct PercpuPlacement: Sendable {
  public struct Entry: Sendable, Hashable {
    public var variable: TypeID
    /// Offset in the section (the variable's address minus the section's).
    public var offset: UInt64
    /// The symbol's size.
    public var size: UInt64
    /// The symbol's name, which the VAR takes.
    public var symbol: NameID
  }

  /// Why a variable has no entry.
  public enum Exclusion: Sendable, Hashable {
    case noPercpuSymbols
    case noAddress
    case outsideSection
    case noSymbolAtOffset
    case unsized
    case symbolSmaller(symbol: UInt64, type: UInt64)
    case sameSymbol(as: TypeID)
    case overlaps(TypeID)
  }

  /// Entries by offset.
  public private(set) var entries: [Entry] = []
  /// Variables without an entry, by id.
  public private(set) var excluded: [(variable: TypeID, why: Exclusion)] = []

  public init(graph: TypeGraph) {
    let section = graph.symbols.percpuSection
    var candidates: [Entry] = []
    var owner: [Int: TypeID] = [:]  // symbol index -> the first variable given it
    for id in graph.ids where graph.kind(id) == .variable {
      switch Self.classify(id, section, graph) {
      case .success(let (entry, k)):
        if let first = owner[k] {
          excluded.append((id, .sameSymbol(as: first)))
        } else {
          owner[k] = id
          candidates.append(entry)
        }
      case .failure(let why):
        excluded.append((id, why.exclusion))
      }
    }
    candidates.sort { $0.offset != $1.offset ? $0.offset < $1.offset : $0.variable < $1.variable }
    var end: UInt64 = 0
    for e in candidates {
      if e.offset < end, let last = entries.last {
        excluded.append((e.variable, .overlaps(last.variable)))
        continue
      }
      entries.append(e)
      end = e.offset + e.size
    }
    excluded.sort { $0.variable < $1.variable }
  }

  private struct Failure: Error { var exclusion: Exclusion }

  private static func classify(
    _ id: TypeID, _ section: ELFSymbols.PercpuSection?, _ graph: TypeGraph
  ) -> Result<(Entry, Int), Failure> {
    guard let section, !section.names.isEmpty else { return .failure(Failure(exclusion: .noPercpuSymbols)) }
    guard let address = graph.symbols.address(of: id) else { return .failure(Failure(exclusion: .noAddress)) }
    guard address >= section.address, address - section.address < section.size else {
      return .failure(Failure(exclusion: .outsideSection))
    }
    let offset = address - section.address
    let here = section.symbols(at: offset)
    let name = graph.name(id)
    // Prefer the symbol of the variable's own name; at offset 0 accept no other.
    guard let k = here.first(where: { section.names[$0] == name }) ?? (offset == 0 ? nil : here.first) else {
      return .failure(Failure(exclusion: .noSymbolAtOffset))
    }
    guard let typeSize = graph.byteSize(of: graph.ref(id)), typeSize > 0 else {
      return .failure(Failure(exclusion: .unsized))
    }
    let size = section.sizes[k]
    if size < typeSize { return .failure(Failure(exclusion: .symbolSmaller(symbol: size, type: typeSize))) }
    return .success((Entry(variable: id, offset: offset, size: size, symbol: section.names[k]), k))
  }

  /// Adds the `.data..percpu` DATASEC (section size, one entry per per-CPU variable) to a graph
  /// being imported; nothing when no variable is per-CPU. The importer does this while its
  /// graph is still uniquely owned: adding a node later copies every column of a multi-million
  /// node graph that the caller still holds.
  public static func addDataSection(to graph: inout TypeGraph) {
    guard let section = graph.symbols.percpuSection, !section.names.isEmpty else { return }
    let placement = PercpuPlacement(graph: graph)
    guard !placement.entries.isEmpty else { return }
    let datasec = graph.add(.dataSection, name: section.name, size: UInt32(clamping: section.size), flags: .synthesized)
    graph.setMembers(datasec, placement.entries.map { Member(type: $0.variable, value: $0.offset, bits: UInt32(clamping: $0.size)) })
  }
}
