/// What the input's ELF symbol table says, kept beside the graph for `select-symbols`: which
/// functions have code under their own name, which sections hold variables, and where each
/// imported function and variable lives. A sparse side table, not node columns: only functions
/// and variables have addresses, and only the symbols `select-symbols` asks about are kept.
///
/// Addresses are *module addresses* as libdwfl reports them (`DWARFImporter`): a DWARF address
/// plus the module bias, and a symbol's `st_value` adjusted the same way. For a relocatable
/// object libdwfl lays the sections out and relocates the DWARF against that layout, so a
/// function's `DW_AT_low_pc` equals its symbol's address there too.
public struct ELFSymbols: Sendable {
  /// The graph was imported from an ELF file. False for hand-built graphs and decoded BTF, which
  /// carry no symbol information: `select-symbols` leaves those alone.
  public var imported = false
  /// Entries of the symbol table libdwfl found (`.symtab`, else `.dynsym`); 0 when stripped.
  public var tableSize = 0
  /// The input is a relocatable object (`ET_REL`).
  public var isRelocatable = false

  // Defined STT_FUNC / STT_GNU_IFUNC symbols, sorted by (address, name).
  public internal(set) var functionNames: ContiguousArray<NameID> = []
  public internal(set) var functionAddresses: ContiguousArray<UInt64> = []
  public internal(set) var functionSizes: ContiguousArray<UInt64> = []
  /// Indexes into the function columns, sorted by (name, address): lookups by name.
  public internal(set) var functionsByName: ContiguousArray<Int32> = []

  /// The sections that can hold variables (`SHT_PROGBITS`, `SHT_NOBITS`), in section-index
  /// order, and the object symbols at their starts: where `DatasecPlacement` puts each variable.
  public var dataSections = DataSections()
  /// Per function symbol: its name cut at the first `.` (pahole's `elf_functions__collect`
  /// keys symbols so: `foo.constprop.0` and `foo.isra.0` are `foo`'s), and what its suffix says
  /// (`SymbolSuffix`).
  public internal(set) var functionBaseNames: ContiguousArray<NameID> = []
  public internal(set) var functionSuffixes: ContiguousArray<SymbolSuffix> = []
  /// Indexes of the symbols pahole keys by base name (STT_FUNC, not `.cold`/`.part`), sorted by
  /// (base name, address).
  public internal(set) var functionsByBaseName: ContiguousArray<Int32> = []

  /// How the functions of the DWARF are called (`select-symbols`' location rules).
  public var functionFacts = FunctionFacts()

  /// The `__mcount_loc` table (addresses of ftrace call sites, sorted), when the file has
  /// `__start_mcount_loc` and `__stop_mcount_loc`; nil otherwise.
  public var mcountAddresses: ContiguousArray<UInt64>? = nil

  // Code address of function nodes and static address of variable nodes, sorted by node id.
  public internal(set) var addressedNodes: ContiguousArray<TypeID> = []
  public internal(set) var nodeAddresses: ContiguousArray<UInt64> = []

  /// Function nodes whose DWARF says `DW_AT_calling_convention DW_CC_nocall` (the compiler
  /// removed or changed arguments or the return value), sorted by node id.
  public internal(set) var changedCalls: ContiguousArray<TypeID> = []

  /// The kernel's kfuncs: functions listed in a kfunc set of `.BTF_ids` (see `KfuncSets`), with
  /// the flags word of their entry (`KF_FASTCALL`, `KF_ARENA_*`…), sorted by name; one row per
  /// name (the last entry in symbol-table order, as pahole keeps it). Empty for a file without
  /// `.BTF_ids` kfunc sets.
  public internal(set) var kfuncNames: ContiguousArray<NameID> = []
  public internal(set) var kfuncFlags: ContiguousArray<UInt32> = []
  /// `__BTF_ID__set8__*` symbols whose set has `BTF_SET8_KFUNCS`: how many kfunc sets were read.
  public var kfuncSetCount = 0

  public init() {}

  /// The sections a variable can live in (pahole's rule: `SHT_PROGBITS` or `SHT_NOBITS`), in
  /// section-index order, which decides between sections that share addresses (in a vmlinux,
  /// `.data..percpu` and the non-allocated sections all start at 0). `startSymbols` are the
  /// defined STT_OBJECT symbols at a section's first byte, by (section, name): DWARF of a
  /// variable the linker discarded reads address 0, which may be a section's start, so a
  /// variable there is believed only under a symbol of its name.
  public struct DataSections: Sendable {
    public internal(set) var names: ContiguousArray<NameID> = []
    /// Module addresses of the sections' starts.
    public internal(set) var addresses: ContiguousArray<UInt64> = []
    public internal(set) var sizes: ContiguousArray<UInt64> = []
    /// (index into these columns, symbol name), sorted.
    public internal(set) var startSymbols: [Int64] = []

    public init() {}

    public var count: Int { names.count }

    public mutating func add(name: NameID, address: UInt64, size: UInt64) {
      names.append(name)
      addresses.append(address)
      sizes.append(size)
    }

    /// Records an object symbol named `name` at the start of section `k`.
    public mutating func addStartSymbol(_ k: Int, name: NameID) { startSymbols.append(Self.key(k, name)) }

    /// Sorts the start symbols; call once after adding them.
    public mutating func finish() { startSymbols.sort() }

    /// The first section (in index order) whose bytes include `address`.
    public func section(containing address: UInt64) -> Int? {
      addresses.indices.first { address >= addresses[$0] && address - addresses[$0] < sizes[$0] }
    }

    /// Whether an object symbol named `name` starts section `k`.
    public func startsWithSymbol(_ k: Int, named name: NameID) -> Bool {
      !ELFSymbols.equalRange(startSymbols, Self.key(k, name)).isEmpty
    }

    static func key(_ k: Int, _ name: NameID) -> Int64 { Int64(k) << 32 | Int64(UInt32(bitPattern: name.rawValue)) }
  }

  // MARK: Building (the importer)

  /// Records the address of `id`; ids must come in increasing order (the importer's DIE order).
  public mutating func recordAddress(_ id: TypeID, _ address: UInt64) {
    precondition(addressedNodes.last.map { $0 < id } ?? true, "addresses must be recorded in id order")
    addressedNodes.append(id)
    nodeAddresses.append(address)
  }

  /// Records that function `id` does not follow the standard calling convention; ids in
  /// increasing order, as `recordAddress`.
  public mutating func recordChangedCall(_ id: TypeID) {
    precondition(changedCalls.last.map { $0 < id } ?? true, "changed calls must be recorded in id order")
    changedCalls.append(id)
  }

  /// Whether function `id` does not follow the standard calling convention (`DW_CC_nocall`).
  public func hasChangedCall(_ id: TypeID) -> Bool { !Self.equalRange(changedCalls, id).isEmpty }

  public mutating func addFunction(name: NameID, address: UInt64, size: UInt64) {
    addFunction(name: name, baseName: name, suffix: [], address: address, size: size)
  }

  /// A function symbol with its base name (`name` up to the first `.`) and suffix kind.
  public mutating func addFunction(name: NameID, baseName: NameID, suffix: SymbolSuffix, address: UInt64, size: UInt64) {
    functionNames.append(name)
    functionAddresses.append(address)
    functionSizes.append(size)
    functionBaseNames.append(baseName)
    functionSuffixes.append(suffix)
  }

  /// What a function symbol's name says after its first `.` (pahole's `str_contains_suffix`
  /// tests), and its type.
  public struct SymbolSuffix: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `.cold` or `.part`: a piece of a function, not a function (pahole leaves it out).
    public static let notAFunction = SymbolSuffix(rawValue: 1 << 0)
    /// `.constprop` or `.isra`: a clone whose arguments GCC may have changed.
    public static let optimizedClone = SymbolSuffix(rawValue: 1 << 1)
    /// STT_GNU_IFUNC, which pahole does not collect.
    public static let indirect = SymbolSuffix(rawValue: 1 << 2)
    /// Any suffix (the name has a `.`).
    public static let suffixed = SymbolSuffix(rawValue: 1 << 3)

    /// The suffix kind of symbol `name` (`length` bytes); `base` is set to the length up to the
    /// first `.` (of a legacy-mangled name, the first after its closing `E`).
    public static func of(_ name: UnsafePointer<CChar>, length: Int, base: inout Int) -> SymbolSuffix {
      // A legacy-mangled (`_ZN…E`) name writes Rust's `::` inside generics as `..`: its
      // suffix starts at a `.` right after the closing `E` (`….E.llvm.7`).
      let mangled = length > 3 && name[0] == 0x5F && name[1] == 0x5A && name[2] == 0x4E
      var dot = -1
      for i in 0..<length where name[i] == 0x2E && (!mangled || (i > 0 && name[i - 1] == 0x45)) {
        dot = i
        break
      }
      base = dot < 0 ? length : dot
      guard dot >= 0 else { return [] }
      let tail = UnsafeRawBufferPointer(start: name + dot, count: length - dot)
      var out: SymbolSuffix = .suffixed
      if contains(tail, ".cold") || contains(tail, ".part") { out.insert(.notAFunction) }
      if contains(tail, ".constprop") || contains(tail, ".isra") { out.insert(.optimizedClone) }
      return out
    }

    private static func contains(_ hay: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
      let n = needle.utf8CodeUnitCount
      guard hay.count >= n else { return false }
      let p = needle.utf8Start
      outer: for i in 0...(hay.count - n) {
        for k in 0..<n where hay[i + k] != p[k] { continue outer }
        return true
      }
      return false
    }
  }

  /// Sorts the function symbols and builds the by-name index; call once after adding them.
  /// Radix sorts (`stableRadixSorted`): this runs before the walk starts, on one thread, over a
  /// vmlinux's 190,000 symbols.
  public mutating func finishFunctions() {
    // By address, then name, then table order: stable sorts by the name, then by the address.
    let everyIndex = ContiguousArray(0..<Int32(functionNames.count))
    let byName = Self.orderedByName(everyIndex, functionNames)
    let order = stableRadixSorted(byName) { functionAddresses[Int($0)] }.map { Int($0) }
    functionNames = ContiguousArray(order.map { functionNames[$0] })
    functionAddresses = ContiguousArray(order.map { functionAddresses[$0] })
    functionSizes = ContiguousArray(order.map { functionSizes[$0] })
    functionBaseNames = ContiguousArray(order.map { functionBaseNames[$0] })
    functionSuffixes = ContiguousArray(order.map { functionSuffixes[$0] })
    functionsByName = Self.orderedByName(everyIndex, functionNames)
    functionsByBaseName = Self.orderedByName(
      ContiguousArray(
        functionNames.indices.filter { functionSuffixes[$0].isDisjoint(with: [.notAFunction, .indirect]) }.map { Int32($0) }),
      functionBaseNames)
  }

  /// `indices` (in increasing order) ordered by their names in `names`, then by index. Name ids
  /// compare as unsigned numbers, as everywhere the symbols are searched.
  private static func orderedByName(_ indices: ContiguousArray<Int32>, _ names: ContiguousArray<NameID>) -> ContiguousArray<Int32> {
    stableRadixSorted(indices) { UInt64(UInt32(bitPattern: names[Int($0)].rawValue)) }
  }

  /// Records kfunc `name` with its flags; call in symbol-table order, then `finishKfuncs`.
  public mutating func addKfunc(name: NameID, flags: UInt32) {
    kfuncNames.append(name)
    kfuncFlags.append(flags)
  }

  /// Sorts the kfuncs by name, keeping for a name listed more than once (one kfunc in several
  /// sets) the flags of its last entry: pahole's `btf_encoder__collect_kfuncs` overwrites them.
  public mutating func finishKfuncs() {
    let order = kfuncNames.indices.sorted {
      kfuncNames[$0] != kfuncNames[$1] ? kfuncNames[$0] < kfuncNames[$1] : $0 < $1
    }
    var names = ContiguousArray<NameID>()
    var flags = ContiguousArray<UInt32>()
    for k in order {
      if names.last == kfuncNames[k] {
        flags[flags.count - 1] = kfuncFlags[k]
        continue
      }
      names.append(kfuncNames[k])
      flags.append(kfuncFlags[k])
    }
    kfuncNames = names
    kfuncFlags = flags
  }

  // MARK: Queries

  /// The address recorded for `id`, if any.
  public func address(of id: TypeID) -> UInt64? {
    let r = Self.equalRange(addressedNodes, id)
    return r.isEmpty ? nil : nodeAddresses[r.lowerBound]
  }

  /// Indexes (into the function columns) of the function symbols at `address`.
  public func functions(at address: UInt64) -> Range<Int> { Self.equalRange(functionAddresses, address) }

  /// Indexes of the function symbols named `name`, in address order.
  public func functions(named name: NameID) -> [Int] {
    var lo = 0
    var hi = functionsByName.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if functionNames[Int(functionsByName[mid])] < name { lo = mid + 1 } else { hi = mid }
    }
    var out: [Int] = []
    while lo < functionsByName.count, functionNames[Int(functionsByName[lo])] == name {
      out.append(Int(functionsByName[lo]))
      lo += 1
    }
    return out
  }

  /// The kfunc flags of `name` when it is a kfunc (listed in a `.BTF_ids` kfunc set).
  public func kfuncFlags(named name: NameID) -> UInt32? {
    let r = Self.equalRange(kfuncNames, name)
    return r.isEmpty ? nil : kfuncFlags[r.lowerBound]
  }

  /// Indexes of the function symbols pahole keys under `base` (`foo`, `foo.constprop.0`,
  /// `foo.isra.0`; not `.cold`/`.part` pieces nor STT_GNU_IFUNC), in address order.
  public func functions(withBaseName base: NameID) -> ArraySlice<Int32> {
    var lo = 0
    var hi = functionsByBaseName.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if functionBaseNames[Int(functionsByBaseName[mid])] < base { lo = mid + 1 } else { hi = mid }
    }
    var end = lo
    while end < functionsByBaseName.count, functionBaseNames[Int(functionsByBaseName[end])] == base { end += 1 }
    return functionsByBaseName[lo..<end]
  }

  /// Whether some `__mcount_loc` entry lies in `[address, address + size)` (a traceable
  /// function: its `__fentry__` call site is listed); nil when the file has no such table.
  public func isTraceable(address: UInt64, size: UInt64) -> Bool? {
    guard let table = mcountAddresses else { return nil }
    var lo = 0
    var hi = table.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if table[mid] < address { lo = mid + 1 } else { hi = mid }
    }
    return lo < table.count && table[lo] - address < max(size, 1)
  }

  /// The range of elements equal to `key` in a sorted column.
  static func equalRange<C: RandomAccessCollection>(_ column: C, _ key: C.Element) -> Range<Int>
  where C.Element: Comparable, C.Index == Int {
    var lo = column.startIndex
    var hi = column.endIndex
    while lo < hi {
      let mid = (lo + hi) >> 1
      if column[mid] < key { lo = mid + 1 } else { hi = mid }
    }
    var end = lo
    while end < column.endIndex, column[end] == key { end += 1 }
    return lo..<end
  }
}
