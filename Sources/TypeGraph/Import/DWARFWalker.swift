internal import CDwarf

/// The single-threaded DIE walk behind `DWARFImporter`.
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
  let path: String
  let bigEndian: Bool
  var graph = TypeGraph()
  var stats = ImportStatistics()

  /// The one attribute buffer, reused for every DIE: read what you need before walking children.
  let attrs: UnsafeMutablePointer<rb_attrs>
  /// Sibling-walk state of the current unit (see `rb_next` in the shim).
  let walk: UnsafeMutablePointer<rb_walk>

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
  var indexOffsets: ContiguousArray<UInt64> = []
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
  var functionFixOffsets: ContiguousArray<UInt64> = []

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

  static let maxDepth = 256

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
    walk = .allocate(capacity: 1)
    walk.initialize(to: rb_walk())
    nameCacheKeys = .allocate(capacity: Self.nameCacheMask + 1)
    nameCacheKeys.initialize(repeating: 0, count: Self.nameCacheMask + 1)
    nameCacheIDs = .allocate(capacity: Self.nameCacheMask + 1)
    nameCacheIDs.initialize(repeating: 0, count: Self.nameCacheMask + 1)
    scopeBytes = .allocate(capacity: 4096)
    dense = .allocate(capacity: 1 << 16)
    dense.initialize(repeating: 0, count: 1 << 16)
  }

  func deallocate() {
    dense.deallocate()
    attrs.deallocate()
    walk.deallocate()
    nameCacheKeys.deallocate()
    nameCacheIDs.deallocate()
    scopeBytes.deallocate()
  }

  mutating func takeGraph() -> TypeGraph {
    let g = graph
    graph = TypeGraph()
    return g
  }

  // MARK: Units

  mutating func run() throws(ImportError) {
    var cu: OpaquePointer? = nil
    while true {
      var next: OpaquePointer? = nil
      var version: Dwarf_Half = 0
      var unitType: UInt8 = 0
      var cudie = Dwarf_Die()
      var subdie = Dwarf_Die()
      let rc = dwarf_get_units(dwarf, cu, &next, &version, &unitType, &cudie, &subdie)
      if rc == 1 { break }
      if rc != 0 {
        throw ImportError(
          "\(path): corrupt DWARF: cannot read unit \(stats.units + 1): \(dwarfError())")
      }
      cu = next
      // Split DWARF (-gsplit-dwarf): a skeleton unit here, the types in a .dwo file.
      if unitType == DW.utSkeleton || dwarf_hasattr(&cudie, DW.atGNUDwoName) != 0 || dwarf_hasattr(&cudie, DW.atDwoName) != 0 {
        let dwo = rb_integrate_string(&cudie, DW.atDwoName) ?? rb_integrate_string(&cudie, DW.atGNUDwoName)
        throw ImportError(
          "\(path): split DWARF (-gsplit-dwarf): the types are in .dwo files\(dwo.map { " (\(DWARFImporter.oneLine(String(cString: $0))))" } ?? ""), which rustbtf does not read; build without -gsplit-dwarf")
      }
      beginUnit(&cudie)
      if !excludeLanguages.isEmpty, excludeLanguages.contains(graph.compileUnits[graph.compileUnits.count - 1].language) {
        stats.excludedUnits += 1
        continue
      }
      walkChildren(&cudie, Context(kind: .top), 0)
      resolveUnitLocal()
    }
    resolve()
    stats.siblingFallbacks += Int(clamping: walk.pointee.slow)
  }

  mutating func beginUnit(_ cudie: inout Dwarf_Die) {
    stats.units += 1
    unitIndexStart = indexOffsets.count
    unitPendingStart = pendingSlots.count
    var language: UInt64 = 0
    producerIsGCC = false
    var name = NameID.empty, producer = NameID.empty, compDir = NameID.empty
    if rb_collect(&cudie, attrs) == 0 {
      name = internName(nameAttribute())
      let p = rb_string(attrs, Slot.producer)
      producer = internName(p)
      producerIsGCC = p.map { strncmp($0, "GNU ", 4) == 0 } ?? false
      compDir = internName(rb_string(attrs, Slot.compDir))
      _ = rb_udata(attrs, Slot.language, &language)
    } else {
      noteUnreadableDIE()
    }
    if !rb_walk_begin_unit(walk, dwarf, &cudie, bigEndian) { stats.siblingFallbacks += 1 }
    unit = UnitID(rawValue: Int32(truncatingIfNeeded: graph.compileUnits.count))
    graph.compileUnits.append(
      CompileUnit(
        name: name, producer: producer, compDir: compDir, language: UInt16(truncatingIfNeeded: language),
        dieOffset: dwarf_dieoffset(&cudie)))
    isRust = language == DW.langRust
    baseFlags = isRust ? .rust : []
    scopeLength = 0
    scopeID = .empty
    scopeValid = true
  }

  // MARK: Walking

  mutating func walkChildren(_ parent: inout Dwarf_Die, _ ctx: Context, _ depth: Int) {
    if depth >= Self.maxDepth {
      stats.tooDeep += 1
      return
    }
    var child = Dwarf_Die()
    let rc = dwarf_child(&parent, &child)
    if rc != 0 {
      if rc < 0 { noteUnreadableDIE() }
      return
    }
    while true {
      visit(&child, ctx, depth + 1)
      let next = rb_next(&child, walk, attrs, &parent)
      if next != 0 {
        if next < 0 { noteUnreadableDIE() }
        return
      }
    }
  }

  mutating func visit(_ die: inout Dwarf_Die, _ ctx: Context, _ depth: Int) {
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
      walkChildren(&die, Context(kind: .top), depth)
      popScope(saved)
    case DWARFTag.member, DW.inheritance:
      if ctx.kind == .aggregate { member(&die, ctx) }
    case DWARFTag.variantPart:
      if ctx.kind == .aggregate { variantPart(&die, depth) }
    case DWARFTag.subprogram:
      subprogram(&die, depth)
    case DWARFTag.variable:
      if ctx.kind == .top { variable(&die) }
    case DWARFTag.templateTypeParameter, DWARFTag.templateValueParameter:
      if !ctx.owner.isVoid { templateParameter(&die, owner: ctx.owner) }
    case DW.lexicalBlock, DW.inlinedSubroutine:
      if dwarf_haschildren(&die) > 0 { walkChildren(&die, Context(kind: .function), depth) }
    default:
      if DW.isTypeTag(tag) { typeDIE(tag, &die, depth) }
    }
  }

  // MARK: Types

  mutating func typeDIE(_ tag: UInt16, _ die: inout Dwarf_Die, _ depth: Int) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let offset = dwarf_dieoffset(&die)
    let origin = Origin(dieOffset: offset, unit: unit)
    var flags = baseFlags
    if rb_flag(attrs, Slot.artificial) { flags.insert(.artificial) }
    switch tag {
    case DWARFTag.baseType:
      baseType(offset, origin, flags)
    case DWARFTag.pointerType:
      pointer(&die, offset, origin, flags, depth)
    case DWARFTag.constType, DWARFTag.volatileType, DWARFTag.restrictType, DWARFTag.typedef:
      let kind: Kind =
        switch tag {
        case DWARFTag.constType: .const
        case DWARFTag.volatileType: .volatile
        case DWARFTag.restrictType: .restrict
        default: .typedef
        }
      let name = internName(nameAttribute())
      let target = rb_ref(attrs, Slot.type)
      let id = graph.add(
        kind, name: name, flags: flags, dwarfTag: tag, origin: origin, scope: currentScope())
      addIndex(offset, id)
      pendingRef(id, target)
    case DWARFTag.structureType, DWARFTag.classType, DWARFTag.unionType:
      aggregate(tag, &die, offset, origin, flags, depth)
    case DWARFTag.enumerationType:
      enumeration(&die, offset, origin, flags, depth)
    case DWARFTag.arrayType:
      array(&die, offset, origin, flags)
    case DWARFTag.subroutineType:
      subroutineType(&die, offset, origin, flags, depth)
    default:
      var size: UInt64 = 0
      _ = rb_udata(attrs, Slot.byteSize, &size)
      let name = internName(nameAttribute())
      let target = rb_ref(attrs, Slot.type)
      let id = graph.add(
        .unrepresentable, name: name, size: UInt32(clamping: size), flags: flags, dwarfTag: tag,
        origin: origin, scope: currentScope())
      addIndex(offset, id)
      pendingRef(id, target)
      if dwarf_haschildren(&die) > 0 {
        walkChildren(&die, Context(kind: .typesOnly), depth)
      }
    }
  }

  mutating func baseType(_ offset: UInt64, _ origin: Origin, _ flags: NodeFlags) {
    var byteSize: UInt64 = 0
    var encoding: UInt64 = 0
    var bitSize: UInt64 = 0
    _ = rb_udata(attrs, Slot.byteSize, &byteSize)
    _ = rb_udata(attrs, Slot.encoding, &encoding)
    let hasBitSize = rb_udata(attrs, Slot.bitSize, &bitSize)
    let name = internName(nameAttribute())
    let scope = currentScope()
    let id: TypeID
    let size = UInt32(clamping: byteSize)
    if byteSize > 16 {
      id = graph.add(
        .unrepresentable, name: name, size: size, flags: flags, dwarfTag: DWARFTag.baseType,
        origin: origin, scope: scope)
    } else {
      switch encoding {
      case DW.ateFloat:
        id = graph.add(
          .float, name: name, size: size, flags: flags, dwarfTag: DWARFTag.baseType, origin: origin,
          scope: scope)
      case DW.ateComplexFloat, DW.ateImaginaryFloat, DW.ateDecimalFloat:
        id = graph.add(
          .unrepresentable, name: name, size: size, flags: flags, dwarfTag: DWARFTag.baseType,
          origin: origin, scope: scope)
      default:
        // pahole's mapping: DW_ATE_signed and DW_ATE_signed_char are SIGNED, boolean is BOOL,
        // everything else (unsigned, unsigned_char, UTF, address…) has no encoding bit.
        let btfEncoding: UInt32 =
          switch encoding {
          case DW.ateSigned, DW.ateSignedChar: 1
          case DW.ateBoolean: 4
          default: 0
          }
        var bits = byteSize &* 8
        if hasBitSize && bitSize < bits { bits = bitSize }
        id = graph.add(
          .int, name: name, size: size, aux: btfEncoding << 24 | UInt32(truncatingIfNeeded: bits),
          flags: flags, dwarfTag: DWARFTag.baseType, origin: origin, scope: scope)
      }
    }
    addIndex(offset, id)
  }

  mutating func pointer(
    _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags, _ depth: Int
  ) {
    let name = internName(nameAttribute())
    let target = rb_ref(attrs, Slot.type)
    let scope = currentScope()
    let id = graph.add(
      .pointer, name: name, flags: flags, dwarfTag: DWARFTag.pointerType, origin: origin, scope: scope)
    addIndex(offset, id)
    var last = id
    if dwarf_haschildren(&die) > 0 {
      // DW_TAG_LLVM_annotation "btf_type_tag" children: TYPE_TAG nodes between the pointer and
      // its target, in DIE order.
      var child = Dwarf_Die()
      if dwarf_child(&die, &child) == 0 {
        repeat {
          stats.dies &+= 1
          guard dwarf_tag(&child) == Int32(DWARFTag.llvmAnnotation), rb_collect(&child, attrs) == 0,
            let key = rb_string(attrs, Slot.name), strcmpEquals(key, "btf_type_tag"),
            let value = rb_string(attrs, Slot.constValue)
          else { continue }
          let tagID = graph.add(
            .typeTag, name: internName(value), flags: flags,
            dwarfTag: DWARFTag.llvmAnnotation,
            origin: Origin(dieOffset: dwarf_dieoffset(&child), unit: unit), scope: scope)
          graph.setRef(last, tagID)
          last = tagID
        } while rb_next(&child, walk, attrs, &die) == 0
      }
    }
    pendingRef(last, target)
  }

  mutating func aggregate(
    _ tag: UInt16, _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags,
    _ depth: Int
  ) {
    let isUnion = tag == DWARFTag.unionType
    let declaration = rb_flag(attrs, Slot.declaration)
    var byteSize: UInt64 = 0
    _ = rb_udata(attrs, Slot.byteSize, &byteSize)
    let cName = nameAttribute()
    let name = internName(cName)
    let scope = currentScope()
    let id: TypeID
    if declaration {
      id = graph.add(
        .forward, name: name, aux: isUnion ? 1 : 0, flags: flags.union(.declaration), dwarfTag: tag,
        origin: origin, scope: scope)
    } else {
      let kind: Kind = byteSize > UInt64(UInt32.max) ? .unrepresentable : (isUnion ? .union : .structure)
      id = graph.add(
        kind, name: name, size: UInt32(clamping: byteSize), flags: flags, dwarfTag: tag, origin: origin,
        scope: scope)
    }
    addIndex(offset, id)
    guard dwarf_haschildren(&die) > 0 else { return }
    let saved = pushScope(cName)
    let start = memberBuffer.count
    walkChildren(&die, Context(kind: .aggregate, owner: id, isUnion: isUnion), depth)
    popScope(saved)
    if declaration {
      dropMembers(start)
    } else {
      finishMembers(id, start)
    }
  }

  /// Reads a member DIE (name, type, bit offset, bit size); nil for static members.
  mutating func readMember(_ die: inout Dwarf_Die, isUnion: Bool) -> (Member, UInt64)? {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return nil
    }
    let hasLocation = rb_has(attrs, Slot.dataMemberLocation) || rb_has(attrs, Slot.dataBitOffset)
    if rb_flag(attrs, Slot.declaration) { return nil }
    if !hasLocation && rb_flag(attrs, Slot.external) { return nil }
    let name = internName(nameAttribute())
    let target = rb_ref(attrs, Slot.type)
    var bitSize: UInt64 = 0
    _ = rb_udata(attrs, Slot.bitSize, &bitSize)
    var bitOffset: UInt64 = 0
    var dataBitOffset: UInt64 = 0
    var location: UInt64 = 0
    if rb_udata(attrs, Slot.dataBitOffset, &dataBitOffset) {
      bitOffset = dataBitOffset
    } else if rb_has(attrs, Slot.dataMemberLocation) {
      if rb_member_location(attrs, &location) {
        let (bits, overflow) = location.multipliedReportingOverflow(by: 8)
        bitOffset = overflow ? UInt64.max : bits
      } else {
        stats.unsupportedMemberLocations += 1
      }
      var oldBitOffset: UInt64 = 0
      if bitSize > 0 && rb_udata(attrs, Slot.bitOffset, &oldBitOffset) {
        // DWARF 2/3 bit fields: DW_AT_bit_offset counts from the most significant bit of the
        // storage unit (DW_AT_byte_size, else assumed 4 bytes).
        if bigEndian {
          bitOffset = bitOffset &+ oldBitOffset
        } else {
          var storage: UInt64 = 0
          if !rb_udata(attrs, Slot.byteSize, &storage) { storage = 4 }
          let storageBits = storage &* 8
          let used = oldBitOffset &+ bitSize
          let le = used <= storageBits ? storageBits - used : 0
          bitOffset = bitOffset &+ le
        }
      }
    } else if !isUnion {
      // No location in a struct: DWARF says offset 0 (rare outside unions).
      bitOffset = 0
    }
    return (Member(name: name, type: .void, value: bitOffset, bits: UInt32(clamping: bitSize)), target)
  }

  mutating func member(_ die: inout Dwarf_Die, _ ctx: Context) {
    guard let (m, target) = readMember(&die, isUnion: ctx.isUnion) else { return }
    memberBuffer.append(m)
    memberBufferOffsets.append(target)
  }

  /// `DW_TAG_variant_part`: one member entry of the owner (anonymous, offset 0) whose type is an
  /// unrepresentable node holding the discriminant and one entry per variant.
  mutating func variantPart(_ die: inout Dwarf_Die, _ depth: Int) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let discr = rb_ref(attrs, Slot.discr)
    let offset = dwarf_dieoffset(&die)
    let vp = graph.add(
      .unrepresentable, flags: baseFlags, dwarfTag: DWARFTag.variantPart,
      origin: Origin(dieOffset: offset, unit: unit), scope: currentScope())
    addIndex(offset, vp)
    memberBuffer.append(Member(type: vp))
    memberBufferOffsets.append(0)
    let start = memberBuffer.count
    if depth < Self.maxDepth {
      var child = Dwarf_Die()
      if dwarf_child(&die, &child) == 0 {
        repeat {
          stats.dies &+= 1
          let tag = UInt16(truncatingIfNeeded: dwarf_tag(&child))
          switch tag {
          case DWARFTag.member:
            guard discr != 0, dwarf_dieoffset(&child) == discr,
              let (read, target) = readMember(&child, isUnion: false)
            else { continue }
            var m = read
            m.bits = VariantFlags.discriminant.rawValue
            memberBuffer.append(m)
            memberBufferOffsets.append(target)
          case DWARFTag.variant:
            variant(&child, depth + 1)
          default:
            stats.dies &-= 1
            visit(&child, Context(kind: .typesOnly), depth + 1)
          }
        } while rb_next(&child, walk, attrs, &die) == 0
      }
    } else {
      stats.tooDeep += 1
    }
    finishMembers(vp, start)
  }

  mutating func variant(_ die: inout Dwarf_Die, _ depth: Int) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    var value: UInt64 = 0
    var flags = VariantFlags()
    var wideValue = NameID.empty
    if rb_has(attrs, Slot.discrValue) {
      let form = rb_form(attrs, Slot.discrValue)
      if DW.isConstantForm(form) {
        if form == DW.formSdata {
          var s: Int64 = 0
          if rb_sdata(attrs, Slot.discrValue, &s) {
            value = UInt64(bitPattern: s)
            flags.insert(.hasDiscriminantValue)
          }
        } else if rb_udata(attrs, Slot.discrValue, &value) {
          flags.insert(.hasDiscriminantValue)
        }
      } else {
        var data: UnsafePointer<UInt8>? = nil
        var length = 0
        if rb_block(attrs, Slot.discrValue, &data, &length), let data, length > 0 {
          flags.insert(.hasDiscriminantValue)
          let (low, wide) = lowBits(data, length)
          value = low
          if wide {
            flags.insert(.wideDiscriminantValue)
            wideValue = graph.strings.intern(hexValue(data, length))
          }
        }
      }
    }
    let offset = dwarf_dieoffset(&die)
    let v = graph.add(
      .unrepresentable, flags: baseFlags, dwarfTag: DWARFTag.variant,
      origin: Origin(dieOffset: offset, unit: unit), scope: currentScope())
    addIndex(offset, v)
    memberBuffer.append(Member(name: wideValue, type: v, value: value, bits: flags.rawValue))
    memberBufferOffsets.append(0)
    let start = memberBuffer.count
    if dwarf_haschildren(&die) > 0 {
      walkChildren(&die, Context(kind: .aggregate, owner: v, isUnion: false), depth)
    }
    finishMembers(v, start)
  }

  /// A little- or big-endian integer block as `0x…` hex, most significant digit first, without
  /// leading zeros (u128 discriminant values, which do not fit `Member.value`).
  func hexValue(_ data: UnsafePointer<UInt8>, _ length: Int) -> String {
    var digits = ""
    for k in 0..<length {
      let b = data[bigEndian ? k : length - 1 - k]
      digits += String(b >> 4, radix: 16) + String(b & 0xf, radix: 16)
    }
    let trimmed = digits.drop { $0 == "0" }
    return "0x" + (trimmed.isEmpty ? "0" : trimmed)
  }

  /// The low 64 bits of a little- or big-endian integer block, and whether the rest is nonzero.
  func lowBits(_ data: UnsafePointer<UInt8>, _ length: Int) -> (UInt64, Bool) {
    var value: UInt64 = 0
    var wide = false
    for i in 0..<length {
      // Byte significance: i for little-endian, length-1-i for big-endian.
      let significance = bigEndian ? length - 1 - i : i
      let b = UInt64(data[i])
      if significance < 8 {
        value |= b << UInt64(significance * 8)
      } else if b != 0 {
        wide = true
      }
    }
    return (value, wide)
  }

  mutating func enumeration(
    _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags, _ depth: Int
  ) {
    let declaration = rb_flag(attrs, Slot.declaration)
    var byteSize: UInt64 = 4
    _ = rb_udata(attrs, Slot.byteSize, &byteSize)
    let underlying = UInt64(rb_ref_encoding(attrs, Slot.type))
    var signed = underlying == DW.ateSigned || underlying == DW.ateSignedChar
    let cName = nameAttribute()
    let name = internName(cName)
    let scope = currentScope()
    var nodeFlags = flags
    if declaration { nodeFlags.insert(.declaration) }
    let id: TypeID
    if declaration {
      id = graph.add(
        .enumeration, name: name, size: 4, flags: nodeFlags, dwarfTag: DWARFTag.enumerationType,
        origin: origin, scope: scope)
    } else {
      let kind: Kind = byteSize <= 4 ? .enumeration : (byteSize <= 8 ? .enum64 : .unrepresentable)
      id = graph.add(
        kind, name: name, size: UInt32(clamping: byteSize), flags: nodeFlags,
        dwarfTag: DWARFTag.enumerationType, origin: origin, scope: scope)
    }
    addIndex(offset, id)
    guard dwarf_haschildren(&die) > 0 else {
      if signed { graph.setFlags(id, nodeFlags.union(.signed)) }
      return
    }
    let saved = pushScope(cName)
    let start = memberBuffer.count
    if depth < Self.maxDepth {
      var child = Dwarf_Die()
      if dwarf_child(&die, &child) == 0 {
        repeat {
          let tag = UInt16(truncatingIfNeeded: dwarf_tag(&child))
          if tag == DW.enumerator {
            stats.dies &+= 1
            guard rb_collect(&child, attrs) == 0 else {
              noteUnreadableDIE()
              continue
            }
            let ename = internName(nameAttribute())
            var value: UInt64 = 0
            let form = rb_form(attrs, Slot.constValue)
            if form == DW.formSdata {
              var s: Int64 = 0
              _ = rb_sdata(attrs, Slot.constValue, &s)
              value = UInt64(bitPattern: s)
              if s < 0 { signed = true }
            } else if DW.isConstantForm(form) {
              _ = rb_udata(attrs, Slot.constValue, &value)
              let width = DW.dataFormWidth(form)
              if signed && !producerIsGCC && width > 0 && width < 8 {
                let shift = UInt64(64 - width * 8)
                value = UInt64(bitPattern: Int64(bitPattern: value << shift) >> shift)
              }
            } else {
              var data: UnsafePointer<UInt8>? = nil
              var length = 0
              if rb_block(attrs, Slot.constValue, &data, &length), let data, length > 0 {
                value = lowBits(data, length).0
              }
            }
            memberBuffer.append(Member(name: ename, value: value))
            memberBufferOffsets.append(0)
          } else {
            visit(&child, Context(kind: .enumeration, owner: id), depth + 1)
          }
        } while rb_next(&child, walk, attrs, &die) == 0
      }
    } else {
      stats.tooDeep += 1
    }
    popScope(saved)
    if signed { graph.setFlags(id, nodeFlags.union(.signed)) }
    if declaration && memberBuffer.count == start {
      return
    }
    finishMembers(id, start)
  }

  mutating func array(_ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags) {
    let element = rb_ref(attrs, Slot.type)
    let start = dimensionCounts.count
    var child = Dwarf_Die()
    if dwarf_child(&die, &child) == 0 {
      repeat {
        stats.dies &+= 1
        guard dwarf_tag(&child) == Int32(DWARFTag.subrangeType) else { continue }
        guard rb_collect(&child, attrs) == 0 else {
          noteUnreadableDIE()
          continue
        }
        var count: UInt64 = 0
        if rb_has(attrs, Slot.count) {
          if DW.isConstantForm(rb_form(attrs, Slot.count)) {
            _ = rb_udata(attrs, Slot.count, &count)
          }
        } else if rb_has(attrs, Slot.upperBound), DW.isConstantForm(rb_form(attrs, Slot.upperBound)) {
          var upper: UInt64 = 0
          var lower: UInt64 = 0
          _ = rb_udata(attrs, Slot.upperBound, &upper)
          if rb_has(attrs, Slot.lowerBound), DW.isConstantForm(rb_form(attrs, Slot.lowerBound)) {
            _ = rb_udata(attrs, Slot.lowerBound, &lower)
          }
          let u = Int64(bitPattern: upper), l = Int64(bitPattern: lower)
          if u >= l {
            let (diff, overflow) = u.subtractingReportingOverflow(l)
            count = overflow ? UInt64.max : UInt64(diff) &+ 1
          }
        }
        dimensionCounts.append(count)
      } while rb_next(&child, walk, attrs, &die) == 0
    }
    // A C array of several dimensions (`int a[3][4]`, one DIE with two subranges) becomes one
    // ARRAY of the product of its dimensions (12 ints), as pahole writes it: the layout is the
    // same and BTF has one type instead of one per dimension. Rust nests arrays as separate
    // DIEs (`[[u8; 4]; 3]`), which stay separate ARRAYs.
    var count: UInt64 = dimensionCounts.count == start ? 0 : 1
    for i in start..<dimensionCounts.count {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimensionCounts[i])
      count = overflow ? UInt64.max : product
    }
    dimensionCounts.removeLast(dimensionCounts.count - start)
    _ = graph.arrayIndexType()
    let oversized = count > UInt64(UInt32.max)
    if oversized { stats.oversizedArrays += 1 }
    let id = graph.add(
      oversized ? .unrepresentable : .array, aux: UInt32(clamping: count), flags: flags,
      dwarfTag: DWARFTag.arrayType, origin: origin, scope: currentScope())
    addIndex(offset, id)
    pendingRef(id, element)
  }

  mutating func subroutineType(
    _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags, _ depth: Int
  ) {
    let target = rb_ref(attrs, Slot.type)
    var nodeFlags = flags
    if isRust || rb_flag(attrs, Slot.prototyped) { nodeFlags.insert(.prototyped) }
    let id = graph.add(
      .functionProto, name: internName(nameAttribute()),
      flags: nodeFlags, dwarfTag: DWARFTag.subroutineType, origin: origin, scope: currentScope())
    addIndex(offset, id)
    pendingRef(id, target)
    guard dwarf_haschildren(&die) > 0 else { return }
    let start = memberBuffer.count
    var child = Dwarf_Die()
    if depth < Self.maxDepth, dwarf_child(&die, &child) == 0 {
      repeat {
        let tag = UInt16(truncatingIfNeeded: dwarf_tag(&child))
        switch tag {
        case DW.formalParameter:
          stats.dies &+= 1
          guard rb_collect(&child, attrs) == 0 else {
            noteUnreadableDIE()
            continue
          }
          memberBuffer.append(Member(name: internName(nameAttribute())))
          memberBufferOffsets.append(rb_ref(attrs, Slot.type))
        case DW.unspecifiedParameters:
          stats.dies &+= 1
          memberBuffer.append(Member())
          memberBufferOffsets.append(0)
        default:
          visit(&child, Context(kind: .typesOnly), depth + 1)
        }
      } while rb_next(&child, walk, attrs, &die) == 0
    }
    finishMembers(id, start)
  }

  // MARK: Functions, variables, template parameters

  mutating func subprogram(_ die: inout Dwarf_Die, _ depth: Int) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let offset = dwarf_dieoffset(&die)
    let declaration = rb_flag(attrs, Slot.declaration)
    let specification = rb_ref(attrs, Slot.specification)
    let abstractOrigin = rb_ref(attrs, Slot.abstractOrigin)
    let linkTarget = specification != 0 ? specification : abstractOrigin
    let isAbstractInstance =
      rb_has(attrs, Slot.inline) && !rb_has(attrs, Slot.lowPC) && !rb_has(attrs, Slot.ranges)
    let artificial = rb_flag(attrs, Slot.artificial)
    let scope = currentScope()
    recordSubprogram(offset, scope, linkTarget)
    if declaration {
      return  // methods declared in types, extern declarations: scope recorded above
    }
    if isAbstractInstance && !isEmittedAbstractInstance() {
      // Inlined-only bodies: no function of their own, but types may be declared inside.
      if dwarf_haschildren(&die) > 0 { walkChildren(&die, Context(kind: .function), depth) }
      return
    }
    let name = internName(rb_integrate_string(&die, DW.atName))
    var linkage = rb_integrate_string(&die, DW.atLinkageName)
    if linkage == nil { linkage = rb_integrate_string(&die, DW.atMIPSLinkageName) }
    let linkageName = internName(linkage)
    let external = rb_integrate_flag(&die, DW.atExternal)
    let prototyped = isRust || rb_integrate_flag(&die, DW.atPrototyped)
    let returnType = rb_integrate_ref(&die, DW.atType)
    var flags = baseFlags
    if external { flags.insert(.external) }
    if artificial { flags.insert(.artificial) }
    let origin = Origin(dieOffset: offset, unit: unit)
    let fn = graph.add(
      .function, name: name, aux: external ? 1 : 0, flags: flags, dwarfTag: DWARFTag.subprogram,
      origin: origin, scope: scope, linkageName: linkageName)
    var codeAddress: UInt64 = 0
    if rb_code_address(&die, attrs, &codeAddress) { graph.symbols.recordAddress(fn, codeAddress &+ addressBias) }
    var callingConvention: UInt64 = 0
    if rb_integrate_udata(&die, DW.atCallingConvention, &callingConvention), callingConvention == DW.ccNocall {
      graph.symbols.recordChangedCall(fn)
    }
    var protoFlags = baseFlags.union(.synthesized)
    if prototyped { protoFlags.insert(.prototyped) }
    let proto = graph.add(
      .functionProto, flags: protoFlags, dwarfTag: DWARFTag.subprogram, origin: origin, scope: scope)
    graph.setRef(fn, proto)
    pendingRef(proto, returnType)
    if linkTarget != 0 {
      functionFixNodes.append(fn)
      functionFixOffsets.append(linkTarget)
    }
    guard dwarf_haschildren(&die) > 0 else { return }
    let start = memberBuffer.count
    var child = Dwarf_Die()
    if depth < Self.maxDepth, dwarf_child(&die, &child) == 0 {
      repeat {
        let tag = UInt16(truncatingIfNeeded: dwarf_tag(&child))
        switch tag {
        case DW.formalParameter:
          stats.dies &+= 1
          memberBuffer.append(Member(name: internName(rb_integrate_string(&child, DW.atName))))
          memberBufferOffsets.append(rb_integrate_ref(&child, DW.atType))
        case DW.unspecifiedParameters:
          stats.dies &+= 1
          memberBuffer.append(Member())
          memberBufferOffsets.append(0)
        case DWARFTag.templateTypeParameter, DWARFTag.templateValueParameter:
          stats.dies &+= 1
          templateParameter(&child, owner: fn)
        default:
          visit(&child, Context(kind: .function), depth + 1)
        }
      } while rb_next(&child, walk, attrs, &die) == 0
    }
    finishMembers(proto, start)
  }

  /// An inlined function that has a defined ELF function symbol of its name: GCC may give its
  /// out-of-line copy no DIE of its own (`__dev_fwnode`, `wakeup_abort_count_show` in Debian's
  /// vmlinux), so its abstract instance stands for it, without an address (`select-symbols`
  /// matches it by name, as pahole does, and prefers a copy matched by address). Reads
  /// `attrs` of the subprogram.
  mutating func isEmittedAbstractInstance() -> Bool {
    guard !graph.symbols.functionNames.isEmpty else { return false }
    guard let symbol = rb_string(attrs, Slot.linkageName) ?? rb_string(attrs, Slot.name) else { return false }
    return !graph.symbols.functions(named: internName(symbol)).isEmpty
  }

  mutating func variable(_ die: inout Dwarf_Die) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    if rb_flag(attrs, Slot.declaration) { return }
    let hasLocation = rb_has(attrs, Slot.location)
    let external =
      rb_flag(attrs, Slot.external)
      || ((rb_has(attrs, Slot.specification) || rb_has(attrs, Slot.abstractOrigin))
        && rb_integrate_flag(&die, DW.atExternal))
    guard hasLocation || external else { return }
    let name = internName(rb_integrate_string(&die, DW.atName))
    if name.isEmpty {
      stats.anonymousVariables += 1
      return
    }
    var linkage = rb_integrate_string(&die, DW.atLinkageName)
    if linkage == nil { linkage = rb_integrate_string(&die, DW.atMIPSLinkageName) }
    let linkageName = internName(linkage)
    let type = rb_integrate_ref(&die, DW.atType)
    var flags = baseFlags
    if external { flags.insert(.external) }
    if rb_flag(attrs, Slot.artificial) { flags.insert(.artificial) }
    let id = graph.add(
      .variable, name: name, aux: external ? 1 : 0, flags: flags, dwarfTag: DWARFTag.variable,
      origin: Origin(dieOffset: dwarf_dieoffset(&die), unit: unit), scope: currentScope(),
      linkageName: linkageName)
    pendingRef(id, type)
    var staticAddress: UInt64 = 0
    if rb_static_address(attrs, &staticAddress) { graph.symbols.recordAddress(id, staticAddress &+ addressBias) }
  }

  mutating func templateParameter(_ die: inout Dwarf_Die, owner: TypeID) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let name = internName(nameAttribute())
    let target = rb_ref(attrs, Slot.type)
    if target != 0 {
      pendingSlots.append(PendingSlot(column: .templateType, index: Int32(truncatingIfNeeded: graph.templateParameters.count)))
      pendingOffsets.append(target)
    }
    graph.addTemplateParameter(TemplateParameter(owner: owner, name: name, type: .void))
  }

  // MARK: Bookkeeping

  @inline(__always)
  mutating func addIndex(_ offset: UInt64, _ id: TypeID) {
    if let last = indexOffsets.last, last >= offset { indexSorted = false }
    indexOffsets.append(offset)
    indexIDs.append(id)
  }

  @inline(__always)
  mutating func pendingRef(_ id: TypeID, _ target: UInt64) {
    guard target != 0 else { return }
    pendingSlots.append(PendingSlot(column: .nodeRef, index: id.rawValue))
    pendingOffsets.append(target)
  }

  mutating func recordSubprogram(_ offset: UInt64, _ scope: NameID, _ next: UInt64) {
    if let last = subprogramOffsets.last, last >= offset { subprogramSorted = false }
    subprogramOffsets.append(offset)
    subprogramScopes.append(scope)
    subprogramNext.append(next)
  }

  /// Stores `memberBuffer[start...]` as `id`'s members and records their pending types.
  mutating func finishMembers(_ id: TypeID, _ start: Int) {
    let n = memberBuffer.count - start
    guard n > 0 else { return }
    do {
      let slice = memberBuffer[start...]
      graph.setMembers(id, slice)
    }
    let base = graph.memberRange(id).lowerBound
    for k in 0..<n {
      let target = memberBufferOffsets[start + k]
      if target != 0 {
        pendingSlots.append(PendingSlot(column: .memberType, index: Int32(truncatingIfNeeded: base + k)))
        pendingOffsets.append(target)
      }
    }
    dropMembers(start)
  }

  mutating func dropMembers(_ start: Int) {
    let n = memberBuffer.count - start
    guard n > 0 else { return }
    memberBuffer.removeLast(n)
    memberBufferOffsets.removeLast(n)
  }

  // MARK: Names

  /// Interns a C string from libdw, remembering the pointer: strings in `.debug_str` are shared
  /// by many DIEs, and the bytes at one address never change while the `Dwarf` is open, so a
  /// direct-mapped pointer cache skips most hashing.
  @inline(__always)
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
      let unit = graph.compileUnits.last.map { " in unit \(DWARFImporter.oneLine(graph.strings.string($0.name)))" } ?? ""
      stats.firstUnreadable = "\(what)\(unit): \(dwarfError())"
    }
  }

  /// Every unit must end within `.debug_info`: libdw reads a unit whose length runs past a
  /// truncated section as far as the data goes and reports no error, so the check is made here.
  mutating func checkUnitExtents(allowIncomplete: Bool) throws(ImportError) {
    guard let elf = dwarf_getelf(dwarf) else { return }
    var index = 0, address: UInt64 = 0, size: UInt64 = 0
    guard rb_section_by_name(elf, ".debug_info", &index, &address, &size),
      let scn = elf_getscn(elf, index), let data = elf_getdata(scn, nil) else { return }
    let available = UInt64(data.pointee.d_size)  // decompressed size for a compressed section
    var offset: Dwarf_Off = 0, next: Dwarf_Off = 0, headerSize = 0
    while dwarf_next_unit(dwarf, offset, &next, &headerSize, nil, nil, nil, nil, nil, nil) == 0 {
      if next > available {
        let what = "the .debug_info unit at offset 0x\(String(offset, radix: 16)) ends at 0x\(String(next, radix: 16)), past the end of the section (0x\(String(available, radix: 16)) bytes)"
        guard allowIncomplete else { throw ImportError("\(path): corrupt or truncated DWARF: \(what)") }
        stats.truncatedUnits += 1
        if stats.firstUnreadable == nil { stats.firstUnreadable = what }
      }
      offset = next
    }
  }

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

  // MARK: Scope

  mutating func pushScope(_ name: UnsafePointer<CChar>?) -> ScopeState {
    let saved: ScopeState = (scopeLength, scopeID, scopeValid)
    guard let name, name[0] != 0 else { return saved }
    var n = 0
    while name[n] != 0 { n += 1 }
    let needed = scopeLength + 2 + n
    if needed > scopeCapacity {
      var capacity = scopeCapacity
      while capacity < needed { capacity *= 2 }
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
      bigger.update(from: scopeBytes, count: scopeLength)
      scopeBytes.deallocate()
      scopeBytes = bigger
      scopeCapacity = capacity
    }
    if scopeLength > 0 {
      scopeBytes[scopeLength] = UInt8(ascii: ":")
      scopeBytes[scopeLength + 1] = UInt8(ascii: ":")
      scopeLength += 2
    }
    UnsafeMutableRawPointer(scopeBytes + scopeLength).copyMemory(from: name, byteCount: n)
    scopeLength += n
    scopeValid = false
    return saved
  }

  mutating func popScope(_ saved: ScopeState) {
    scopeLength = saved.length
    scopeID = saved.id
    scopeValid = saved.valid
  }

  @inline(__always)
  mutating func currentScope() -> NameID {
    if !scopeValid {
      scopeID = graph.strings.intern(UnsafeRawBufferPointer(start: scopeBytes, count: scopeLength))
      scopeValid = true
    }
    return scopeID
  }

  // MARK: Resolution

  /// Resolves the references the unit just walked made to its own DIEs (most of them) through
  /// a dense table indexed by DIE offset minus the unit's first indexed offset (filled from the
  /// unit's index entries and cleared after, so the cost is per type, not per byte); the rest
  /// (cross-unit references, references to non-types) wait for `resolve()`.
  mutating func resolveUnitLocal() {
    guard indexSorted, unitIndexStart < indexOffsets.count else { return }
    let lo = unitIndexStart
    let hi = indexOffsets.count
    let first = indexOffsets[lo]
    let last = indexOffsets[hi - 1]
    let span = Int(clamping: last - first + 1)
    guard span <= Self.maxDenseSpan else { return }
    if span > denseCapacity {
      dense.deallocate()
      denseCapacity = max(span, denseCapacity * 2)
      dense = .allocate(capacity: denseCapacity)
      dense.initialize(repeating: 0, count: denseCapacity)
    }
    let table = dense
    for i in lo..<hi { table[Int(indexOffsets[i] - first)] = indexIDs[i].rawValue }
    defer { for i in lo..<hi { table[Int(indexOffsets[i] - first)] = 0 } }

    var kept = unitPendingStart
    for i in unitPendingStart..<pendingSlots.count {
      let target = pendingOffsets[i]
      let t = target >= first && target <= last ? table[Int(target - first)] : 0
      if t != 0 {
        fill(pendingSlots[i], TypeID(rawValue: t))
      } else {
        pendingSlots[kept] = pendingSlots[i]
        pendingOffsets[kept] = target
        kept += 1
      }
    }
    pendingSlots.removeLast(pendingSlots.count - kept)
    pendingOffsets.removeLast(pendingOffsets.count - kept)
  }

  /// Writes a resolved reference into the column slot that waited for it.
  @inline(__always)
  mutating func fill(_ slot: PendingSlot, _ t: TypeID) {
    switch slot.column {
    case .nodeRef: graph.setRef(TypeID(rawValue: slot.index), t)
    case .memberType: graph.setMemberType(at: Int(slot.index), t)
    case .templateType: graph.templateParameters[Int(slot.index)].type = t
    }
  }

  /// The type node of the DIE at `offset`, or nil.
  func lookup(_ offset: UInt64) -> TypeID? { lookup(offset, 0, indexOffsets.count) }

  /// Binary search of `offset` in `indexOffsets[lo..<hi]`.
  @inline(__always)
  func lookup(_ offset: UInt64, _ lo: Int, _ hi: Int) -> TypeID? {
    guard lo < hi else { return nil }
    // Branch-free lower search (the comparisons are unpredictable; cmov beats branches).
    let found: Int = indexOffsets.withUnsafeBufferPointer { offsets in
      var base = lo
      var n = hi - lo
      while n > 1 {
        let half = n >> 1
        base = offsets[base + half] <= offset ? base + half : base
        n -= half
      }
      return offsets[base] == offset ? base : -1
    }
    return found >= 0 ? indexIDs[found] : nil
  }

  mutating func resolve() {
    if !indexSorted {
      let order = indexOffsets.indices.sorted { indexOffsets[$0] < indexOffsets[$1] }
      indexOffsets = ContiguousArray(order.map { indexOffsets[$0] })
      indexIDs = ContiguousArray(order.map { indexIDs[$0] })
    }
    var missing = 0
    for i in pendingSlots.indices {
      if let t = lookup(pendingOffsets[i]) { fill(pendingSlots[i], t) } else { missing += 1 }
    }
    stats.referencesToNonTypes = missing

    // Functions defined through DW_AT_specification / DW_AT_abstract_origin take the scope of
    // the end of that chain (the declaration inside its type or namespace).
    if !subprogramSorted {
      let order = subprogramOffsets.indices.sorted { subprogramOffsets[$0] < subprogramOffsets[$1] }
      subprogramOffsets = ContiguousArray(order.map { subprogramOffsets[$0] })
      subprogramScopes = ContiguousArray(order.map { subprogramScopes[$0] })
      subprogramNext = ContiguousArray(order.map { subprogramNext[$0] })
    }
    for i in functionFixNodes.indices {
      var current = functionFixOffsets[i]
      var scope: NameID? = nil
      for _ in 0..<8 {
        guard let k = subprogramIndex(current) else { break }
        scope = subprogramScopes[k]
        current = subprogramNext[k]
        if current == 0 { break }
      }
      if let scope {
        let fn = functionFixNodes[i]
        graph.setScope(fn, scope)
        let proto = graph.ref(fn)
        if !proto.isVoid { graph.setScope(proto, scope) }
      }
    }
  }

  func subprogramIndex(_ offset: UInt64) -> Int? {
    var lo = 0
    var hi = subprogramOffsets.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if subprogramOffsets[mid] < offset { lo = mid + 1 } else { hi = mid }
    }
    return lo < subprogramOffsets.count && subprogramOffsets[lo] == offset ? lo : nil
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

/// Where a pending reference goes once its DIE offset is resolved: a node's `ref`, a member's
/// type, or a template parameter's type, by index in that column.
struct PendingSlot {
  enum Column: UInt8 { case nodeRef, memberType, templateType }
  var column: Column
  var index: Int32
}
