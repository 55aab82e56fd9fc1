internal import CDwarf

/// Type DIEs: base types, pointers (with their btf_type_tag annotations), qualifiers and
/// typedefs, enumerations, arrays and subroutine types. Structs and unions are in
/// `DWARFWalker+Aggregates.swift`.
extension DWARFWalker {
  mutating func typeDIE(_ tag: UInt16, _ die: inout Dwarf_Die) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let offset = dieOffset(&die)
    let origin = Origin(dieOffset: offset, unit: unit)
    var flags = baseFlags
    if rb_flag(attrs, Slot.artificial) { flags.insert(.artificial) }
    switch tag {
    case DWARFTag.baseType:
      baseType(offset, origin, flags)
    case DWARFTag.pointerType:
      pointer(&die, offset, origin, flags)
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
      aggregate(tag, &die, offset, origin, flags)
    case DWARFTag.enumerationType:
      enumeration(&die, offset, origin, flags)
    case DWARFTag.arrayType:
      array(&die, offset, origin, flags)
    case DWARFTag.subroutineType:
      subroutineType(&die, offset, origin, flags)
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
        walkChildren(&die, Context(kind: .typesOnly))
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
    _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags
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
      forEachChild(of: &die) { w, child in
        w.stats.dies &+= 1
        guard dwarf_tag(&child) == Int32(DWARFTag.llvmAnnotation), rb_collect(&child, w.attrs) == 0,
          let key = rb_string(w.attrs, Slot.name), strcmpEquals(key, "btf_type_tag"),
          let value = rb_string(w.attrs, Slot.constValue)
        else { return }
        let tagID = w.graph.add(
          .typeTag, name: w.internName(value), flags: flags,
          dwarfTag: DWARFTag.llvmAnnotation,
          origin: Origin(dieOffset: w.dieOffset(&child), unit: w.unit), scope: scope)
        w.graph.setRef(last, tagID)
        last = tagID
      }
    }
    pendingRef(last, target)
  }

  mutating func enumeration(
    _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags
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
    descend(into: &die) { w, child in
      if dwarf_tag(&child) == Int32(DW.enumerator) {
        w.enumerator(&child, signed: &signed)
      } else {
        w.visit(&child, Context(kind: .enumeration, owner: id))
      }
    }
    popScope(saved)
    if signed { graph.setFlags(id, nodeFlags.union(.signed)) }
    if declaration && memberBuffer.count == start {
      return
    }
    finishMembers(id, start)
  }

  /// One `DW_TAG_enumerator` of the enumeration being built, into the member buffer. A negative
  /// value written as sdata makes the enumeration signed.
  mutating func enumerator(_ die: inout Dwarf_Die, signed: inout Bool) {
    stats.dies &+= 1
    guard rb_collect(&die, attrs) == 0 else {
      noteUnreadableDIE()
      return
    }
    let name = internName(nameAttribute())
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
    memberBuffer.append(Member(name: name, value: value))
    memberBufferOffsets.append(0)
  }

  mutating func array(_ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags) {
    let element = rb_ref(attrs, Slot.type)
    let start = dimensionCounts.count
    forEachChild(of: &die) { w, child in
      w.stats.dies &+= 1
      guard dwarf_tag(&child) == Int32(DWARFTag.subrangeType) else { return }
      w.dimensionCounts.append(w.subrangeCount(&child))
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

  /// The element count of one `DW_TAG_subrange_type` of an array: `DW_AT_count`, else upper
  /// minus lower bound plus one; 0 when unknown (a flexible array).
  mutating func subrangeCount(_ die: inout Dwarf_Die) -> UInt64 {
    guard rb_collect(&die, attrs) == 0 else {
      noteUnreadableDIE()
      return 0
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
      let u = Int64(bitPattern: upper)
      let l = Int64(bitPattern: lower)
      if u >= l {
        let (diff, overflow) = u.subtractingReportingOverflow(l)
        count = overflow ? UInt64.max : UInt64(diff) &+ 1
      }
    }
    return count
  }

  mutating func subroutineType(
    _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags
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
    descend(into: &die) { w, child in
      switch UInt16(truncatingIfNeeded: dwarf_tag(&child)) {
      case DW.formalParameter:
        guard rb_collect(&child, w.attrs) == 0 else {
          w.stats.dies &+= 1
          w.noteUnreadableDIE()
          return
        }
        w.appendParameter(w.internName(w.nameAttribute()), type: rb_ref(w.attrs, Slot.type))
      case DW.unspecifiedParameters:
        w.appendParameter(.empty, type: 0)
      default:
        w.visit(&child, Context(kind: .typesOnly))
      }
    }
    finishMembers(id, start)
  }
}
