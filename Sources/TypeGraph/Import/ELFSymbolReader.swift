internal import CDwarf

/// Reads the ELF symbol table of the imported module (through libdwfl: `.symtab`, else
/// `.dynsym`) into `graph.symbols`: the defined function symbols, the sections that can hold
/// variables with the object symbols at their starts and, on a vmlinux, the `__mcount_loc`
/// table. One pass over the symbols; only the names of function symbols and of object symbols
/// at a section's start are interned.
///
/// Matching against DWARF is by module address (see `ELFSymbols`): libdwfl adjusts symbol
/// values and relocates a relocatable object's DWARF against the same section layout, so a
/// `.o` needs no (section, offset) bookkeeping here.
enum ELFSymbolReader {
  // elf.h's constants, typed as rb_symbol holds them.
  static let sttObject = UInt8(STT_OBJECT)
  static let sttFunc = UInt8(STT_FUNC)
  static let sttGnuIFunc = UInt8(STT_GNU_IFUNC)
  static let shnUndef = Int32(SHN_UNDEF)

  static func read(_ module: OpaquePointer, isRelocatable: Bool, into graph: inout TypeGraph) {
    var table = ELFSymbols()
    table.imported = true
    table.isRelocatable = isRelocatable
    let n = Int(dwfl_module_getsymtab(module))
    table.tableSize = max(n, 0)

    var bias: GElf_Addr = 0
    let elf = dwfl_module_getelf(module, &bias)
    // Sections that can hold variables, by index: for an object symbol, where its section is.
    var sectionColumn = [Int](repeating: -1, count: rb_section_count(elf))
    var section = rb_section()
    for k in sectionColumn.indices where rb_section_at(elf, k, &section) {
      guard section.type == UInt32(SHT_PROGBITS) || section.type == UInt32(SHT_NOBITS) else { continue }
      sectionColumn[k] = table.dataSections.count
      // libdwfl gave a relocatable object's sections their addresses (and relocated the DWARF
      // against them) when the DWARF was read.
      table.dataSections.add(
        name: section.name.map { graph.strings.intern(cString: $0) } ?? .empty, address: section.address &+ bias, size: section.size)
    }

    var kfuncSets = KfuncSets(elf: elf)
    var mcountStart: UInt64? = nil
    var mcountStop: UInt64? = nil
    var symbol = rb_symbol()
    for i in 0..<max(n, 0) {
      guard rb_module_symbol(module, Int32(i), &symbol), let name = symbol.name else { continue }
      let defined = symbol.shndx != shnUndef
      if let sets = kfuncSets, Int(symbol.shndx) == sets.sectionIndex {
        // st_value is the offset in the section for a relocatable object, an address otherwise.
        kfuncSets!.note(
          name: name, offset: isRelocatable ? symbol.value : symbol.value &- sets.sectionAddress, size: symbol.size)
      }
      switch symbol.type {
      case sttFunc, sttGnuIFunc:
        guard defined, name[0] != 0 else { continue }
        let full = graph.strings.intern(cString: name)
        var baseLength = 0
        var suffix = ELFSymbols.SymbolSuffix.of(name, length: strlen(name), base: &baseLength)
        if symbol.type == sttGnuIFunc { suffix.insert(.indirect) }
        let base =
          suffix.contains(.suffixed)
          ? graph.strings.intern(UnsafeRawBufferPointer(start: name, count: baseLength)) : full
        table.addFunction(name: full, baseName: base, suffix: suffix, address: symbol.address, size: symbol.size)
      case sttObject:
        // Only symbols at a section's start matter (`DataSections.startSymbols`).
        let k = defined && symbol.shndx >= 0 && symbol.shndx < sectionColumn.count ? sectionColumn[Int(symbol.shndx)] : -1
        if k >= 0, table.dataSections.addresses[k] == symbol.address, name[0] != 0 {
          table.dataSections.addStartSymbol(k, name: graph.strings.intern(cString: name))
        }
      default:
        break
      }
      if defined && strcmpEquals(name, "__start_mcount_loc") { mcountStart = symbol.value }
      if defined && strcmpEquals(name, "__stop_mcount_loc") { mcountStop = symbol.value }
    }
    table.finishFunctions()
    kfuncSets?.finish(elf: elf, strings: &graph.strings, into: &table)
    table.dataSections.finish()
    table.functionFacts.machine = UInt16(truncatingIfNeeded: rb_elf_machine(elf))
    table.functionFacts.addressSize = UInt8(truncatingIfNeeded: rb_address_width(elf))

    if let start = mcountStart, let stop = mcountStop, stop >= start, !isRelocatable {
      let width = UInt64(rb_address_width(elf))
      let count = Int(min((stop - start) / width, 1 << 24))
      var addresses = ContiguousArray<UInt64>(repeating: 0, count: count)
      let got = addresses.withUnsafeMutableBufferPointer { rb_read_address_table(elf, start, count, $0.baseAddress) }
      if got == count {
        if bias != 0 { for k in addresses.indices { addresses[k] &+= bias } }
        table.mcountAddresses = stableRadixSorted(addresses) { $0 }
      }
    }
    // The walker records node addresses into this table as it imports the nodes.
    graph.symbols = table
  }
}
