internal import CDwarf

/// The DIE walk behind `DWARFImporter`: its state, the units, the one child loop and the
/// dispatch on tags. One walker walks on one thread; the parallel import gives each range of
/// units a walker of its own and absorbs their work in file order (`ParallelWalk.swift`,
/// `+Absorb.swift`). What each tag becomes is in `DWARFWalker+Types.swift`,
/// `+Aggregates.swift` (structs, unions, Rust enums' variant parts) and `+Functions.swift`;
/// scope paths in `+Scopes.swift`; how references become TypeIDs in `+References.swift`.
///
/// Design:
/// - Nodes are appended in DIE order; the primary node of every type DIE is recorded in a sorted
///   (DIE offset, TypeID) index (DIE offsets grow within and across units, so appending keeps it
///   sorted; a flag catches the exception and sorts at the end).
/// - References are recorded as global DIE offsets in one pending list, each with the column
///   slot it fills (a node's ref, a member's type, a template parameter's type; `PendingSlot`),
///   resolved per unit through a dense table and the rest after the walk by binary search, so
///   forward and cross-unit references need no second pass over the DWARF (function scopes
///   have their own list: they follow specification chains). A reference to a
///   DIE that is not a type node resolves to void and is counted.
/// - Members of the node being built are collected in a stack-like buffer (nested types may be
///   built while the outer member list is half done) and stored once with `setMembers`.
/// - No allocation, `String` or dictionary per DIE: names are interned from C strings; all
///   attributes of a DIE are read in one libdw pass into one reused `rb_attrs`.
struct DWARFWalker {
  let dwarf: OpaquePointer
  /// The dwz supplementary file (`dwarf_getalt`), walked after the file's own units; its DIEs'
  /// offsets carry `RB_ALT_OFFSET_BIT` (`dieOffset(_:)`).
  var alt: OpaquePointer? = nil {
    didSet { attrs.pointee.alt = alt }
  }
  /// The unit being walked belongs to `alt`.
  var inSupplementaryFile = false
  let path: String
  let bigEndian: Bool
  var graph = TypeGraph()
  var stats = ImportStatistics()
  /// The strings `graph.symbols` names index, when they are not `graph.strings` (a walker of
  /// the parallel import starts with an empty string table: `sibling()`).
  var symbolStrings: StringTable? = nil

  /// The one attribute buffer, reused for every DIE: read what you need before walking children.
  let attrs: UnsafeMutablePointer<rb_attrs>
  /// Where the DIE in `attrs` ends (inside `attrs`), for the sibling step.
  let dieEnd: UnsafeMutablePointer<rb_die_end>
  /// Sibling-walk state of the current unit (`rb_fast_next`, `Sources/CDwarf/fastwalk.h`).
  let walk: UnsafeMutablePointer<rb_walk>
  /// Step to siblings with libdw's `dwarf_siblingof` only (`DWARFImportOptions.siblingWalk`).
  var publicSiblingWalk = false
  /// When set, the offset of every DIE the child loop visits, in visiting order (tests).
  var trace: ContiguousArray<UInt64>? = nil
  /// Counts walked units for `DWARFImportOptions.unitProgress` (shared by the parallel walkers).
  var unitProgress: UnitProgress? = nil
  /// The number of the first unit this walker walks, less one: a walker of the parallel import
  /// starts in the middle of the file, and error messages number units from the file's start.
  var unitsBefore = 0
  /// Bytes of `.debug_info` the units span (`checkUnitExtents`), and whether the columns were
  /// reserved for them (`reserveForWholeFile`).
  var unitBytes: UInt64 = 0
  var reserved = false
  /// The stack address below which the walk continues on a fresh stack (`descend`).
  var stackFloor: UInt = 0
  /// The first type cycle found (`breakTypeCycles`), for the message.
  var firstTypeCycle: String? = nil
  /// Tests: the bytes of stack the walk uses before it takes a fresh one (nil: the thread's
  /// stack less a margin), and the log of fresh stacks taken.
  var stackBudget: UInt? = nil
  var freshStacks: FreshStackLog? = nil
  /// Where the first DIE whose children could not be walked is (`tooDeep`), for the message.
  var firstTooDeep: UInt64? = nil
  /// Tests: every thread start fails, as under a pids or nproc limit
  /// (`DWARFImportOptions.failThreadStarts`).
  var failThreadStarts = false
  /// The main walker's: `.debug_info` pages it has walked past, released as it goes.
  var walkedPages: WalkedPages? = nil
  /// The unit being walked, for messages: its name once read, and its DIE's offset.
  var unitName: NameID? = nil
  var unitOffset: UInt64 = 0

  // Current unit.
  var unit = UnitID.none
  var baseFlags: NodeFlags = []
  var isRust = false
  /// The unit's producer is GCC (`DW_AT_producer` "GNU …"): GCC writes enumerator values that
  /// are not negative with an unsigned data1/2/4 form even in a signed enum (128 as data1 0x80)
  /// and negative ones as sdata, while LLVM sign-extends data1/2/4 in a signed enum.
  var producerIsGCC = false
  /// `DWARFImportOptions.excludeLanguages`: units in these languages are not walked.
  var excludeLanguages: [UInt16] = []
  /// Added to DWARF addresses to make them module addresses (`dwfl_module_getdwarf`'s bias),
  /// the space `ELFSymbols` compares symbols in.
  var addressBias: UInt64 = 0

  // Index of imported type DIEs.
  var indexOffsets = DIEOffsetColumn()
  var indexIDs: ContiguousArray<TypeID> = []
  var indexSorted = true

  /// Pointer -> NameID cache of `internName` (direct-mapped; key 0 = empty slot).
  let nameCacheKeys: UnsafeMutablePointer<UInt>
  let nameCacheIDs: UnsafeMutablePointer<Int32>
  static let nameCacheMask = (1 << 16) - 1

  /// Dense offset -> TypeID table for `resolveUnitLocal` (all zero between units).
  var dense: UnsafeMutablePointer<Int32>
  var denseCapacity = 1 << 16
  /// Units whose indexed DIEs span more bytes than this resolve by binary search instead.
  static let maxDenseSpan = 64 << 20

  // Where the current unit's index entries and pending references start.
  var unitIndexStart = 0
  var unitPendingStart = 0

  // Pending references (global DIE offsets).
  var pendingSlots: ContiguousArray<PendingSlot> = []
  var pendingOffsets: ContiguousArray<UInt64> = []

  // Subprograms seen (declarations, abstract instances, definitions): their scope and the DIE
  // their DW_AT_specification / DW_AT_abstract_origin names, to give definitions the scope of
  // their declaration.
  var subprogramOffsets: ContiguousArray<UInt64> = []
  var subprogramScopes: ContiguousArray<NameID> = []
  var subprogramNext: ContiguousArray<UInt64> = []
  var subprogramSorted = true
  var functionFixNodes: ContiguousArray<TypeID> = []
  /// `DWARFImportOptions.canonicalizeRange` (`canonicalizeOwnRange`).
  var canonicalizeRange: (@Sendable (inout TypeGraph, ContiguousArray<Bool>) -> RangeCanonicalization)? = nil
  /// `DWARFImportOptions.keepsCopyOrigins`.
  var keepsCopyOrigins = true
  /// `RangeCanonicalization.forwardTargets` of the ranges walked so far, in this graph's numbering.
  var forwardTargets: ContiguousArray<TypeID> = []
  var functionFixOffsets: ContiguousArray<UInt64> = []

  // The current unit's formal parameters (DIE offset, index in FunctionFacts.parameters,
  // position in their function) and the abstract origins its concrete parameters name,
  // matched at the end of the unit (`finishUnitFunctions`).
  var unitParameterOffsets: ContiguousArray<UInt64> = []
  var unitParameterRecords: ContiguousArray<Int32> = []
  var unitParameterPositions: ContiguousArray<Int32> = []
  var unitOrigins: ContiguousArray<UnitOrigin> = []
  struct UnitOrigin {
    var record: Int32
    var position: Int32
    var fact: Int32
    var origin: UInt64
  }

  // Member buffer (a stack of member lists under construction).
  var memberBuffer: ContiguousArray<Member> = []
  var memberBufferOffsets: ContiguousArray<UInt64> = []
  // Array dimension buffer.
  var dimensionCounts: ContiguousArray<UInt64> = []

  // Scope path "a::b::C" of the DIE being walked, interned lazily.
  var scopeBytes: UnsafeMutablePointer<UInt8>
  var scopeCapacity = 4096
  var scopeLength = 0
  var scopeID = NameID.empty
  var scopeValid = true

  enum ContextKind { case top, aggregate, enumeration, function, typesOnly }
  struct Context {
    var kind: ContextKind
    var owner: TypeID = .void
    var isUnion = false
  }

  typealias ScopeState = (length: Int, id: NameID, valid: Bool)

  init(dwarf: OpaquePointer, path: String, bigEndian: Bool) {
    self.dwarf = dwarf
    self.path = path
    self.bigEndian = bigEndian
    attrs = .allocate(capacity: 1)
    attrs.initialize(to: rb_attrs())
    dieEnd = attrs.pointer(to: \.end)!
    walk = .allocate(capacity: 1)
    walk.initialize(to: rb_walk())
    attrs.pointee.walk = walk
    nameCacheKeys = zeroedAllocation(Self.nameCacheMask + 1)
    nameCacheIDs = zeroedAllocation(Self.nameCacheMask + 1)
    scopeBytes = .allocate(capacity: 4096)
    dense = zeroedAllocation(1 << 16)
  }

  func deallocate() {
    free(dense)
    attrs.deallocate()
    rb_abbrevs_free(&walk.pointee.abbrevs)
    walk.deallocate()
    free(nameCacheKeys)
    free(nameCacheIDs)
    scopeBytes.deallocate()
  }

  mutating func takeGraph() -> TypeGraph {
    let g = graph
    graph = TypeGraph()
    return g
  }

  // MARK: Units

  /// After the file's own units: the supplementary file's partial units hold the types the
  /// file's units import (DW_TAG_imported_unit) or refer to; walked last, so the index stays
  /// sorted. Then every reference is resolved.
  mutating func finish() throws(ImportError) {
    if let alt {
      inSupplementaryFile = true
      try walkUnits(of: alt)
      inSupplementaryFile = false
    }
    resolve()
    breakTypeCycles()
    stats.siblingFallbacks += Int(clamping: walk.pointee.slow)
    stats.siblingFastSteps += Int(clamping: walk.pointee.fast)
    stats.attributeTableReads += Int(clamping: walk.pointee.decoded)
    stats.attributeLibdwReads += Int(clamping: walk.pointee.undecoded)
    walk.pointee.slow = 0
    walk.pointee.fast = 0
    walk.pointee.decoded = 0
    walk.pointee.undecoded = 0
  }

  /// How many units `dbg` has (their headers read, nothing else).
  static func unitCount(_ dbg: OpaquePointer) -> Int {
    var n = 0
    var offset: Dwarf_Off = 0
    var next: Dwarf_Off = 0
    var headerSize = 0
    while dwarf_next_unit(dbg, offset, &next, &headerSize, nil, nil, nil, nil, nil, nil) == 0 {
      n += 1
      offset = next
    }
    return n
  }

  /// The importer's offset of `die`: unique across the file and its supplementary file.
  @inline(__always)
  func dieOffset(_ die: inout Dwarf_Die) -> UInt64 { rb_die_offset(&die, alt) }

  /// Walks `count` units of `dbg` (all of them by default) from the one after `previous` (the
  /// first when nil): `dwarf_get_units` order, which is the order of `.debug_info`.
  mutating func walkUnits(of dbg: OpaquePointer, after previous: OpaquePointer? = nil, count: Int = .max) throws(ImportError) {
    stackFloor = stackFloorOfThisThread()
    var cu = previous
    for _ in 0..<count {
      var next: OpaquePointer? = nil
      var version: Dwarf_Half = 0
      var unitType: UInt8 = 0
      var cudie = Dwarf_Die()
      var subdie = Dwarf_Die()
      let rc = dwarf_get_units(dbg, cu, &next, &version, &unitType, &cudie, &subdie)
      if rc == 1 { break }
      if rc != 0 {
        throw ImportError(
          "\(path): corrupt DWARF: cannot read unit \(unitsBefore + stats.units + 1): \(dwarfError())")
      }
      cu = next
      // Split DWARF (-gsplit-dwarf): a skeleton unit here, the types in a .dwo file.
      if unitType == DW.utSkeleton || dwarf_hasattr(&cudie, DW.atGNUDwoName) != 0 || dwarf_hasattr(&cudie, DW.atDwoName) != 0 {
        let dwo = rb_integrate_string(&cudie, DW.atDwoName) ?? rb_integrate_string(&cudie, DW.atGNUDwoName)
        throw ImportError(
          """
          \(path): split DWARF (-gsplit-dwarf): the types are in .dwo \
          files\(dwo.map { " (\(DWARFImporter.oneLine(String(cString: $0))))" } ?? ""), which rustbtf does not read; build without \
          -gsplit-dwarf
          """
        )
      }
      unitProgress?.unitStarted()
      beginUnit(&cudie)
      if !excludeLanguages.isEmpty, excludeLanguages.contains(graph.compileUnits[graph.compileUnits.count - 1].language) {
        stats.excludedUnits += 1
        continue
      }
      walkChildren(&cudie, Context(kind: .top))
      finishUnitFunctions()
      resolveUnitLocal()
      // The main file's walk on one thread (a range walker's graph is absorbed, not kept).
      if !inSupplementaryFile && symbolStrings == nil {
        let walked = dieOffset(&cudie)
        reserveForWholeFile(done: walked, total: unitBytes)
        walkedPages?.release(below: walked)
      }
    }
  }

  mutating func beginUnit(_ cudie: inout Dwarf_Die) {
    stats.units += 1
    unitName = nil
    unitOffset = dieOffset(&cudie)
    unitIndexStart = indexOffsets.count
    unitPendingStart = pendingSlots.count
    var language: UInt64 = 0
    producerIsGCC = false
    var name = NameID.empty
    var producer = NameID.empty
    var compDir = NameID.empty
    if rb_collect(&cudie, attrs) == 0 {
      name = internName(nameAttribute())
      unitName = name
      let p = rb_string(attrs, Slot.producer)
      producer = internName(p)
      producerIsGCC = p.map { strncmp($0, "GNU ", 4) == 0 } ?? false
      compDir = internName(rb_string(attrs, Slot.compDir))
      _ = rb_udata(attrs, Slot.language, &language)
    } else {
      noteUnreadableDIE()
    }
    if !rb_begin_unit(walk, inSupplementaryFile ? alt! : dwarf, &cudie, bigEndian, !publicSiblingWalk) { stats.siblingFallbacks += 1 }
    unit = UnitID(rawValue: Int32(truncatingIfNeeded: graph.compileUnits.count))
    graph.compileUnits.append(
      CompileUnit(
        name: name, producer: producer, compDir: compDir, language: UInt16(truncatingIfNeeded: language),
        dieOffset: dieOffset(&cudie)))
    isRust = language == DW.langRust
    baseFlags = isRust ? .rust : []
    scopeLength = 0
    scopeID = .empty
    scopeValid = true
  }

  /// Every unit must end within `.debug_info`: libdw reads a unit whose length runs past a
  /// truncated section as far as the data goes and reports no error, so the check is made here.
  mutating func checkUnitExtents(allowIncomplete: Bool) throws(ImportError) {
    guard let elf = dwarf_getelf(dwarf) else { return }
    var index = 0
    var address: UInt64 = 0
    var size: UInt64 = 0
    guard rb_section_by_name(elf, ".debug_info", &index, &address, &size),
      let scn = elf_getscn(elf, index), let data = elf_getdata(scn, nil)
    else { return }
    let available = UInt64(data.pointee.d_size) // decompressed size for a compressed section
    var offset: Dwarf_Off = 0
    var next: Dwarf_Off = 0
    var headerSize = 0
    while dwarf_next_unit(dwarf, offset, &next, &headerSize, nil, nil, nil, nil, nil, nil) == 0 {
      if next > available {
        let what =
          """
          the .debug_info unit at offset 0x\(String(offset, radix: 16)) ends at 0x\(String(next, radix: 16)), past the end of the section \
          (0x\(String(available, radix: 16)) bytes)
          """
        guard allowIncomplete else { throw ImportError("\(path): corrupt or truncated DWARF: \(what)") }
        stats.truncatedUnits += 1
        if stats.firstUnreadable == nil { stats.firstUnreadable = what }
      }
      offset = next
    }
    unitBytes = offset
  }

  // MARK: The child loop

  /// The one child loop: calls `body` with each child of `parent`, in DIE order. Every walk over
  /// children goes through it, so the sibling step (`rb_fast_next`) sees every DIE whose
  /// children were walked, and an unreadable child list is always counted. `body` gets the
  /// walker as a parameter (a closure capturing `self` would overlap this method's access).
  @inline(__always)
  mutating func forEachChild(of parent: inout Dwarf_Die, _ body: (inout DWARFWalker, inout Dwarf_Die) -> Void) {
    var child = Dwarf_Die()
    let rc = rb_child(&parent, &child, walk)
    if rc != 0 {
      if rc < 0 { noteUnreadableDIE() }
      return
    }
    while true {
      if trace != nil {
        let offset = dieOffset(&child)
        trace!.append(offset)
      }
      body(&self, &child)
      let next = rb_fast_next(&child, walk, dieEnd, &parent)
      if next != 0 {
        if next < 0 { noteUnreadableDIE() }
        return
      }
    }
  }

  /// `forEachChild` for a walk that recurses into the children: the walk recurses once per
  /// level of DIE nesting, and DWARF may nest as deep as it likes (pahole follows any depth).
  /// When this thread's stack runs low, the children are walked on a fresh stack (a thread
  /// started for them and joined at once: `DWARFWalker+Stack.swift`), so nesting is bounded by
  /// memory only. When no thread can be started, the children are skipped and counted
  /// (`ImportStatistics.tooDeep`), and the import fails.
  @inline(__always)
  mutating func descend(into parent: inout Dwarf_Die, _ body: (inout DWARFWalker, inout Dwarf_Die) -> Void) {
    if currentStackAddress() < stackFloor {
      descendOnFreshStack(into: &parent, body)
      return
    }
    forEachChild(of: &parent, body)
  }

  /// Visits every child of `parent` in the context `ctx`.
  mutating func walkChildren(_ parent: inout Dwarf_Die, _ ctx: Context) {
    descend(into: &parent) { w, child in w.visit(&child, ctx) }
  }

  mutating func visit(_ die: inout Dwarf_Die, _ ctx: Context) {
    stats.dies &+= 1
    let rawTag = dwarf_tag(&die)
    if rawTag < 0 {
      noteUnreadableDIE()
      return
    }
    let tag = UInt16(truncatingIfNeeded: rawTag)
    switch tag {
    case DWARFTag.namespace, DW.module:
      let saved = pushScope(dwarf_diename(&die))
      walkChildren(&die, Context(kind: .top))
      popScope(saved)
    case DWARFTag.member, DW.inheritance:
      if ctx.kind == .aggregate { member(&die, ctx) }
    case DWARFTag.variantPart:
      if ctx.kind == .aggregate { variantPart(&die) }
    case DWARFTag.subprogram:
      subprogram(&die)
    case DWARFTag.variable:
      if ctx.kind == .top { variable(&die) }
    case DWARFTag.templateTypeParameter, DWARFTag.templateValueParameter:
      if !ctx.owner.isVoid { templateParameter(&die, owner: ctx.owner) }
    case DW.lexicalBlock, DW.inlinedSubroutine:
      if dwarf_haschildren(&die) > 0 { walkChildren(&die, Context(kind: .function)) }
    default:
      if DW.isTypeTag(tag) { typeDIE(tag, &die) }
    }
  }

  // MARK: Names

  /// `DW_AT_name` of the DIE in `attrs`; a name that is there but cannot be read (its
  /// `.debug_str` offset is past the end of a truncated section) is counted, not dropped silently.
  mutating func nameAttribute() -> UnsafePointer<CChar>? {
    let p = rb_string(attrs, Slot.name)
    if p == nil && rb_has(attrs, Slot.name) {
      stats.unreadableNames += 1
      noteUnreadable("a DW_AT_name")
    }
    return p
  }

  mutating func noteUnreadableDIE() {
    stats.unreadableDIEs += 1
    noteUnreadable("a DIE")
  }

  /// Remembers where the first unreadable DIE or name was, for the error message.
  mutating func noteUnreadable(_ what: String) {
    if stats.firstUnreadable == nil {
      // The unit being walked: by name once its own DIE's name is read, by offset before (a
      // walker of the parallel import has no earlier unit to fall back on, and one thread
      // must say the same).
      let unit =
        unitName.map { " in unit \(DWARFImporter.oneLine(graph.strings.string($0)))" }
        ?? " in the unit at \(inSupplementaryFile ? "alt:" : "")0x\(String(unitOffset & ~UInt64(RB_ALT_OFFSET_BIT), radix: 16))"
      stats.firstUnreadable = "\(what)\(unit): \(dwarfError())"
    }
  }

  /// Interns a C string from libdw, remembering the pointer: strings in `.debug_str` are shared
  /// by many DIEs, and the bytes at one address never change while the `Dwarf` is open, so a
  /// direct-mapped pointer cache skips most hashing.
  @inline(__always)
  mutating func internName(_ p: UnsafePointer<CChar>?) -> NameID {
    guard let p else { return .empty }
    let key = UInt(bitPattern: p)
    let slot = Int(truncatingIfNeeded: (key ^ (key >> 13) ^ (key >> 29)) & UInt(Self.nameCacheMask))
    if nameCacheKeys[slot] == key { return NameID(rawValue: nameCacheIDs[slot]) }
    let id = graph.strings.intern(cString: p)
    nameCacheKeys[slot] = key
    nameCacheIDs[slot] = id.rawValue
    return id
  }
}

/// `strcmp(a, b) == 0` for a C string against a Swift literal, without allocating.
@inline(__always)
func strcmpEquals(_ a: UnsafePointer<CChar>, _ b: StaticString) -> Bool {
  let p = b.utf8Start
  let n = b.utf8CodeUnitCount
  for i in 0..<n where UInt8(bitPattern: a[i]) != p[i] { return false }
  return a[n] == 0
}

/// `count` zeroed values from `calloc`, freed with `free`: a large block comes as fresh zero
/// pages, with no memset and no memory for the pages never touched. The walker's name cache and
/// dense table are made for every range of units (59 on `vmlinux.rust`, 1 MB each), where
/// zeroing them took 1.5% of the walkers' time.
func zeroedAllocation<T>(_ count: Int) -> UnsafeMutablePointer<T> {
  guard let raw = calloc(count, MemoryLayout<T>.stride) else { fatalError("out of memory (\(count) values)") }
  return raw.bindMemory(to: T.self, capacity: count)
}
