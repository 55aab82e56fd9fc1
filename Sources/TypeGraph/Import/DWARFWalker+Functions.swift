internal import CDwarf

/// Functions (`DW_TAG_subprogram`: a FUNC node and its prototype, parameters from the DIE's
/// children), global variables and template parameters.
extension DWARFWalker {
  mutating func subprogram(_ die: inout Dwarf_Die) {
    if rb_collect(&die, attrs) != 0 {
      noteUnreadableDIE()
      return
    }
    let offset = dieOffset(&die)
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
      return // methods declared in types, extern declarations: scope recorded above
    }
    if isAbstractInstance && !isEmittedAbstractInstance() {
      // Inlined-only bodies: no function of their own, but types may be declared inside.
      if dwarf_haschildren(&die) > 0 { walkChildren(&die, Context(kind: .function)) }
      return
    }
    let name = internName(rb_integrate_string(&die, DW.atName))
    var linkage = rb_integrate_string(&die, DW.atLinkageName)
    if linkage == nil { linkage = rb_integrate_string(&die, DW.atMIPSLinkageName) }
    let linkageName = internName(linkage)
    let external = rb_integrate_flag(&die, DW.atExternal)
    let prototyped = isRust || rb_integrate_flag(&die, DW.atPrototyped)
    let returnType = rb_integrate_ref(&die, DW.atType, alt)
    var flags = baseFlags
    if external { flags.insert(.external) }
    if artificial { flags.insert(.artificial) }
    let origin = Origin(dieOffset: offset, unit: unit)
    let fn = graph.add(
      .function, name: name, aux: external ? 1 : 0, flags: flags, dwarfTag: DWARFTag.subprogram,
      origin: origin, scope: scope, linkageName: linkageName)
    var codeAddress: UInt64 = 0
    if rb_code_address(&die, attrs, &codeAddress) { graph.symbols.recordAddress(fn, codeAddress &+ addressBias) }
    var facts: FunctionFacts.Flags = []
    if rb_has(attrs, Slot.lowPC) { facts.insert(.lowPC) }
    var inlineValue: UInt64 = 0
    if rb_udata(attrs, Slot.inline, &inlineValue), inlineValue != 0 { facts.insert(.inline) }
    var callingConvention: UInt64 = 0
    if rb_integrate_udata(&die, DW.atCallingConvention, &callingConvention), callingConvention == DW.ccNocall {
      graph.symbols.recordChangedCall(fn)
      facts.insert(.nocall)
    }
    graph.symbols.functionFacts.beginFunction(fn, facts)
    let factIndex = Int32(truncatingIfNeeded: graph.symbols.functionFacts.nodes.count - 1)
    var position: Int32 = 0
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
    descend(into: &die) { w, child in
      switch UInt16(truncatingIfNeeded: dwarf_tag(&child)) {
      case DW.formalParameter:
        w.formalParameter(&child, fact: factIndex, position: position)
        position += 1
      case DW.unspecifiedParameters:
        w.appendParameter(.empty, type: 0)
      case DWARFTag.templateTypeParameter, DWARFTag.templateValueParameter:
        w.stats.dies &+= 1
        w.templateParameter(&child, owner: fn)
      default:
        w.visit(&child, Context(kind: .function))
      }
    }
    finishMembers(proto, start)
  }

  /// A `DW_TAG_formal_parameter` of the function being built: a member of its prototype, and
  /// where its value is on entry (`FunctionFacts`). A concrete copy's parameter names the
  /// parameter it comes from (`DW_AT_abstract_origin`); that one's position and location are
  /// matched at the end of the unit (`finishUnitFunctions`).
  mutating func formalParameter(_ child: inout Dwarf_Die, fact: Int32, position: Int32) {
    let offset = dieOffset(&child)
    var origin: UInt64 = 0
    var location = ParameterLocation(hasLocation: false, hasConstValue: false, small: 63, large: 63)
    if rb_collect(&child, attrs) == 0 {
      origin = rb_ref(attrs, Slot.abstractOrigin)
      var small: UInt8 = 0
      var large: UInt8 = 0
      var second: UInt8 = 0
      let hasLocation = rb_param_location_of(attrs, &small, &large, &second)
      location = ParameterLocation(
        hasLocation: hasLocation, hasConstValue: rb_has(attrs, Slot.constValue), small: small, large: large,
        second: second)
    } else {
      noteUnreadableDIE()
    }
    if origin == 0 {
      appendParameter(internName(rb_string(attrs, Slot.name)), type: rb_ref(attrs, Slot.type))
    } else {
      // Through DW_AT_abstract_origin: an inlined or out-of-line copy names its parameters there.
      appendParameter(internName(rb_integrate_string(&child, DW.atName)), type: rb_integrate_ref(&child, DW.atType, alt))
    }
    let record = Int32(truncatingIfNeeded: graph.symbols.functionFacts.appendParameter(location))
    unitParameterOffsets.append(offset)
    unitParameterRecords.append(record)
    unitParameterPositions.append(position)
    if origin != 0 {
      unitOrigins.append(UnitOrigin(record: record, position: position, fact: fact, origin: origin))
    }
  }

  /// At the end of a unit: each concrete parameter's abstract origin, found among the unit's
  /// parameters, gets the concrete one's location, and a function whose parameter comes from
  /// another position is `reordered` (pahole's `ftype__recode_dwarf_types`, which also works
  /// within one unit).
  mutating func finishUnitFunctions() {
    defer {
      unitParameterOffsets.removeAll(keepingCapacity: true)
      unitParameterRecords.removeAll(keepingCapacity: true)
      unitParameterPositions.removeAll(keepingCapacity: true)
      unitOrigins.removeAll(keepingCapacity: true)
    }
    for o in unitOrigins {
      let k = ELFSymbols.equalRange(unitParameterOffsets, o.origin)
      guard !k.isEmpty else { continue }
      if unitParameterPositions[k.lowerBound] != o.position {
        graph.symbols.functionFacts.insertFlags(.reordered, at: Int(o.fact))
      }
      graph.symbols.functionFacts.shareLocation(from: Int(o.record), to: Int(unitParameterRecords[k.lowerBound]))
    }
  }

  /// One parameter of the prototype being built, into the member buffer (its type a pending
  /// reference); `...` (DW_TAG_unspecified_parameters) is a parameter without name and type.
  mutating func appendParameter(_ name: NameID, type: UInt64) {
    stats.dies &+= 1
    memberBuffer.append(Member(name: name))
    memberBufferOffsets.append(type)
  }

  /// An inlined function that has a defined ELF function symbol of its name (or a clone of it): GCC may give its
  /// out-of-line copy no DIE of its own (`__dev_fwnode`, `wakeup_abort_count_show` in Debian's
  /// vmlinux), so its abstract instance stands for it, without an address (`select-symbols`
  /// matches it by name, as pahole does, and prefers a copy matched by address). Reads
  /// `attrs` of the subprogram.
  mutating func isEmittedAbstractInstance() -> Bool {
    guard !graph.symbols.functionNames.isEmpty else { return false }
    guard let symbol = rb_string(attrs, Slot.linkageName) ?? rb_string(attrs, Slot.name) else { return false }
    let name = internName(symbol) // interned whatever the answer: the string order depends on it
    // A walker of the parallel import has a string table of its own; the symbols' names are in
    // the table they were read into.
    guard let symbolName = symbolStrings == nil ? name : symbolStrings!.lookup(cString: symbol) else { return false }
    // Clones count (`foo.constprop.0` is `foo`'s), as pahole keys symbols.
    return !graph.symbols.functions(withBaseName: symbolName).isEmpty
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
    let type = rb_integrate_ref(&die, DW.atType, alt)
    var flags = baseFlags
    if external { flags.insert(.external) }
    if rb_flag(attrs, Slot.artificial) { flags.insert(.artificial) }
    let id = graph.add(
      .variable, name: name, aux: external ? 1 : 0, flags: flags, dwarfTag: DWARFTag.variable,
      origin: Origin(dieOffset: dieOffset(&die), unit: unit), scope: currentScope(),
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
}
