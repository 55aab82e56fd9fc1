internal import CDwarf

/// Structs, classes and unions with their members, and Rust enums' `DW_TAG_variant_part`s with
/// their discriminant and variants.
extension DWARFWalker {
  mutating func aggregate(
    _ tag: UInt16, _ die: inout Dwarf_Die, _ offset: UInt64, _ origin: Origin, _ flags: NodeFlags
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
    walkChildren(&die, Context(kind: .aggregate, owner: id, isUnion: isUnion))
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
  mutating func variantPart(_ die: inout Dwarf_Die) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let discr = rb_ref(attrs, Slot.discr)
    let offset = dieOffset(&die)
    let vp = graph.add(
      .unrepresentable, flags: baseFlags, dwarfTag: DWARFTag.variantPart,
      origin: Origin(dieOffset: offset, unit: unit), scope: currentScope())
    addIndex(offset, vp)
    memberBuffer.append(Member(type: vp))
    memberBufferOffsets.append(0)
    let start = memberBuffer.count
    descend(into: &die) { w, child in
      switch UInt16(truncatingIfNeeded: dwarf_tag(&child)) {
      case DWARFTag.member:
        // The discriminant: the variant part's DW_AT_discr names it.
        w.stats.dies &+= 1
        guard discr != 0, w.dieOffset(&child) == discr,
          let (read, target) = w.readMember(&child, isUnion: false)
        else { return }
        var m = read
        m.bits = VariantFlags.discriminant.rawValue
        w.memberBuffer.append(m)
        w.memberBufferOffsets.append(target)
      case DWARFTag.variant:
        w.stats.dies &+= 1
        w.variant(&child)
      default:
        w.visit(&child, Context(kind: .typesOnly))
      }
    }
    finishMembers(vp, start)
  }

  mutating func variant(_ die: inout Dwarf_Die) {
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
    let offset = dieOffset(&die)
    let v = graph.add(
      .unrepresentable, flags: baseFlags, dwarfTag: DWARFTag.variant,
      origin: Origin(dieOffset: offset, unit: unit), scope: currentScope())
    addIndex(offset, v)
    memberBuffer.append(Member(name: wideValue, type: v, value: value, bits: flags.rawValue))
    memberBufferOffsets.append(0)
    let start = memberBuffer.count
    if dwarf_haschildren(&die) > 0 {
      walkChildren(&die, Context(kind: .aggregate, owner: v, isUnion: false))
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
}
