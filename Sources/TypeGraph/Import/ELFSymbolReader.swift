internal import CDwarf

/// Reads the ELF symbol table of the imported module (through libdwfl: `.symtab`, else
/// `.dynsym`) into `graph.symbols`: the defined function symbols, the per-CPU variables of
/// `.data..percpu` and, on a vmlinux, the `__mcount_loc` table. One pass over the symbols; only
/// the names of function and per-CPU symbols are interned.
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
    var percpuIndex = -1
    var percpuAddress: UInt64 = 0, percpuSize: UInt64 = 0
    do {
      var index = 0, address: UInt64 = 0, size: UInt64 = 0
      if rb_section_by_name(elf, ".data..percpu", &index, &address, &size) {
        percpuIndex = index
        percpuAddress = address
        percpuSize = size
      }
    }
    var percpu: ELFSymbols.PercpuSection? = nil
    if percpuIndex >= 0 {
      // A vmlinux links .data..percpu at address 0 (offsets are addresses); a module's or a
      // relocatable object's sits wherever libdwfl or the linker put it.
      percpu = ELFSymbols.PercpuSection(
        name: graph.strings.intern(".data..percpu"), address: percpuAddress &+ bias, size: percpuSize)
    }

    var mcountStart: UInt64? = nil, mcountStop: UInt64? = nil
    var symbol = rb_symbol()
    for i in 0..<max(n, 0) {
      guard rb_module_symbol(module, Int32(i), &symbol), let name = symbol.name else { continue }
      let defined = symbol.shndx != shnUndef
      switch symbol.type {
      case sttFunc, sttGnuIFunc:
        guard defined, name[0] != 0 else { continue }
        let full = graph.strings.intern(cString: name)
        var baseLength = 0
        var suffix = ELFSymbols.SymbolSuffix.of(name, length: strlen(name), base: &baseLength)
        if symbol.type == sttGnuIFunc { suffix.insert(.indirect) }
        let base = suffix.contains(.suffixed)
          ? graph.strings.intern(UnsafeRawBufferPointer(start: name, count: baseLength)) : full
        table.addFunction(name: full, baseName: base, suffix: suffix, address: symbol.address, size: symbol.size)
      case sttObject:
        if Int(symbol.shndx) == percpuIndex && percpuIndex > 0 && symbol.size > 0 && name[0] != 0 {
          // st_value is the offset in the section for a relocatable object, an address otherwise.
          let offset = isRelocatable ? symbol.value : symbol.value &- percpuAddress
          percpu?.addSymbol(name: graph.strings.intern(cString: name), offset: offset, size: symbol.size)
          if isRelocatable { percpu?.address = symbol.address &- symbol.value }
        }
      default:
        break
      }
      if defined && strcmpEquals(name, "__start_mcount_loc") { mcountStart = symbol.value }
      if defined && strcmpEquals(name, "__stop_mcount_loc") { mcountStop = symbol.value }
    }
    table.finishFunctions()
    table.functionFacts.machine = UInt16(truncatingIfNeeded: rb_elf_machine(elf))
    table.functionFacts.addressSize = UInt8(truncatingIfNeeded: rb_address_width(elf))
    percpu?.finish()
    table.percpuSection = percpu

    if let start = mcountStart, let stop = mcountStop, stop >= start, !isRelocatable {
      let width = UInt64(rb_address_width(elf))
      let count = Int(min((stop - start) / width, 1 << 24))
      var addresses = ContiguousArray<UInt64>(repeating: 0, count: count)
      let got = addresses.withUnsafeMutableBufferPointer { rb_read_address_table(elf, start, count, $0.baseAddress) }
      if got == count {
        if bias != 0 { for k in addresses.indices { addresses[k] &+= bias } }
        addresses.sort()
        table.mcountAddresses = addresses
      }
    }
    // The walker records node addresses into this table as it imports the nodes.
    graph.symbols = table
  }
}
