/// The wording of every `Decision.Reason`: the one place a case becomes text. The sentences are
/// stable (goldens, tools and `--stats` read them); change one only on purpose.
extension Decision.Reason: CustomStringConvertible {
  /// The sentence, without a trailing period ("DW_TAG_variant_part has no BTF kind").
  public var description: String {
    var out = ""
    for piece in pieces {
      switch piece {
      case .text(let s): out += s
      case .quoted(let s, let q): out.append(q); out += s; out.append(q)
      }
    }
    return out
  }

  /// The cause without what varies from node to node, so that equal causes count together
  /// (`--stats`' root causes): quoted names become `'…'`, digit runs `N` (in the wording too,
  /// as the report has always printed them: `a N-byte ENUMN`). A `.custom` reason counts as it
  /// reads.
  public var pattern: String {
    if case .custom(let text) = self { return text }
    var out = ""
    var lastWasDigit = false
    for piece in pieces {
      switch piece {
      case .quoted(_, let q):
        out.append(q); out += "…"; out.append(q)
        lastWasDigit = false
      case .text(let s):
        for c in s {
          let digit = c.isASCII && c.isNumber
          if !digit { out.append(c) } else if !lastWasDigit { out.append("N") }
          lastWasDigit = digit
        }
      }
    }
    return out
  }

  /// A sentence as pieces: wording (and payloads that tell causes apart, such as a DWARF tag)
  /// and quoted names, which `pattern` leaves out.
  enum Piece {
    case text(String)
    case quoted(String, Character)
  }

  private static func name(_ s: String) -> Piece { .quoted(s, "'") }
  private static func code(_ s: String) -> Piece { .quoted(s, "`") }
  private static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

  var pieces: [Piece] {
    typealias R = Decision.Reason
    switch self {
    case .custom(let s): return [.text(s)]
    // demote-unrepresentable
    case .noBTFKind(let tag): return [.text("\(DWARFTag.name(tag)) has no BTF kind")]
    case .referenceMappedToPointer(let tag): return [.text("\(DWARFTag.name(tag)) mapped to PTR")]
    case .atomicMappedToVolatile: return [.text("DW_TAG_atomic_type mapped to VOLATILE (BTF has no atomic qualifier)")]
    case .immutableMappedToConst: return [.text("DW_TAG_immutable_type mapped to CONST")]
    case .zeroSizedBaseTypeMappedToStruct:
      return [.text("zero-sized base type mapped to an empty STRUCT (a 0-byte INT cannot be an array element)")]
    case .wideEnumMappedToInt(let s):
      return [.text("enumeration of \(s) bytes mapped to a \(s)-byte INT (BTF enums are 1, 2, 4 or 8 bytes)")]
    // lower-rust
    case .dataCarryingEnum(let e): return e.pieces
    case .variantStructNamedAfterEnum(let e): return [.text("variant struct of "), R.code(e), .text(", named after its enum")]
    case .foldedIntoEnum: return [.text("a variant part or variant of a data-carrying enum, now members of the enum's union")]
    case .unsizedTail(let m, let bytes):
      return [.text("member "), R.name(m),
              .text(" starts at the end of the \(bytes)-byte struct: an unsized tail, kept as a zero-length array of its element type")]
    case .repeatedMember(let m):
      return [.text("member "), R.name(m), .text(" repeats an earlier member (same name, type and offset); the copy is dropped")]
    case .rustBaseTypeAsTypedef(let bytes, let encoding, let cName):
      let what: String
      switch encoding {
      case .float: what = "FLOAT"
      case .boolInt: what = "BOOL INT"
      case .signedInt: what = "signed INT"
      case .unsignedInt: what = "unsigned INT"
      }
      return [.text("Rust base type made a TYPEDEF of the \(bytes)-byte \(what) "), R.name(cName),
              .text(", since C tools read INT and FLOAT names as C types")]
    // select-symbols
    case .namedBySymbol: return [.text("named by its ELF symbol")]
    case .prototypeOfPruned: return [.text("the prototype of a function not written, used by nothing else")]
    case .noSymbol: return [.text("no ELF function symbol of its name (inlined everywhere, or not emitted)")]
    case .compiledAsClone(let clone):
      return [.text("compiled only as a clone with its own symbol, whose parameters may differ from the DWARF prototype: \(clone)")]
    case .symbolIsAnotherCopy(let name, let symbolAddress, let address):
      return [.text("the ELF symbol of its name is another copy's code; this copy was discarded by the linker or is not the one the symbol names: "),
              R.name(name), .text(" is at \(R.hex(symbolAddress)), this copy at \(R.hex(address))")]
    case .symbolHasAnotherName(let other): return [.text("its code's ELF symbol has another name: \(other)")]
    case .noSymbolTable:
      return [.text("static, and the file has no ELF symbol table to show it was kept (only external functions are kept)")]
    case .changedCallingConvention:
      return [.text("the compiler changed how it is called (DW_AT_calling_convention DW_CC_nocall: arguments or return value removed or changed), so its DWARF prototype would mislead a BPF program reading its arguments (nocall=keep writes it anyway)")]
    case .notTraceable: return [.text("not traceable: no __mcount_loc entry in its code (notrace, or not instrumented) (functions=ftrace)")]
    case .inlinedCopy: return [.text("inlined; the out-of-line code of its name has a DWARF description of its own, which is kept")]
    case .sameCode: return [.text("another DWARF description of the same code is kept (one FUNC per symbol)")]
    case .duplicateName: return [.text("another function of the same name and prototype is kept (one FUNC per name)")]
    case .inconsistentPrototypes(let definitions, let prototypes, let units):
      // At most four units named.
      let shown = units.prefix(4).joined(separator: ", ") + (units.count > 4 ? ", …" : "")
      return [.text("its name stands for functions with different prototypes, so a BPF program attaching by name could not tell which: \(definitions) definitions with \(prototypes) prototypes, in units \(shown)")]
    case .notPercpu(let section):
      return [.text("in \(section), not .data..percpu: only per-CPU variables are kept (pahole's feature global_var, variables=global, keeps the others)")]
    case .notFileScope: return [.text("not at file scope (in a namespace): pahole encodes file-scope variables only")]
    case .artificialVariable: return [.text("made by the compiler (DW_AT_artificial), not in the source")]
    case .noStaticAddress: return [.text("has no static address (a declaration, thread-local, or kept in registers)")]
    case .notInDataSection: return [.text("its address is in no PROGBITS or NOBITS section of the file")]
    case .skippedVariablePrefix(let prefix): return [.text("its name starts with \(prefix), which pahole never encodes (a name with no use to BPF programs)")]
    case .discardedVariable(let section):
      return [.text("at the first byte of \(section) with no symbol of its name there: DWARF of a variable the linker discarded reads 0")]
    case .voidVariable: return [.text("its type is void")]
    case .unsizedVariable: return [.text("its type has no size (or size 0): the kernel takes no DATASEC entry for it")]
    case .variableTooLarge(let bytes): return [.text("\(bytes) bytes: a DATASEC entry's size is 32 bits")]
    case .offsetTooLarge(let section, let offset): return [.text("at offset \(offset) of \(section): a DATASEC offset is 32 bits")]
    case .variableOverlaps(let previous, let section):
      return [.text("lies where a variable kept before it in \(section) does (the same one described by another unit, or an overlap, which the kernel rejects): "), R.name(previous)]
    case .unnamedParameter(let index):
      return [.text("parameter \(index + 1) has no name, and pahole writes no FUNC for such a function")]
    case .unexpectedRegister(let parameter, let register, let expected):
      return [.text("unexpected register usage for parameter "), R.name(parameter),
              .text(": its DWARF location is \(register), where the calling convention puts its slot in \(expected), so the prototype misstates where the arguments are (pahole: unexpected register usage for parameter)")]
    case .uncertainParameterLocation:
      return [.text("uncertain parameter location: a packed struct passed on the stack after the register arguments (pahole: uncertain parameter location)")]
    case .reorderedParameters:
      return [.text("reordered parameters: a copy of it (a clone) has its parameters in another order than its declaration, so the prototype misstates where the arguments are (pahole: reordered parameters)")]
    case .optimizedParameters(let clone):
      let why = clone.map { "its code is the clone \($0), whose arguments the compiler may have changed" }
        ?? "the compiler changed how it is called (DW_AT_calling_convention DW_CC_nocall)"
      return [.text("optimized parameters: a parameter was optimized out and \(why), so the prototype does not say how it is called (pahole: optimized parameters)")]
    case .ambiguousAddress(let symbols, let addresses):
      return [.text("ambiguous address: its name's \(symbols) ELF symbols (with its clones') are at \(addresses) different addresses, so a BPF program attaching by name could not tell which code it gets (pahole: ambiguous address)")]
    case .notCABI(let parameter, let why):
      return [.text("Rust function whose parameter "), R.name(parameter),
              .text(" is not where the C calling convention puts it (\(why)), so its prototype would mislead a BPF program reading its arguments")]
    case .variablesNone: return [.text("variables=none")]
    // merge-bindgen-copies, dedup
    case .sameLayout:
      return [.text("bindgen's copy of a C type with the same layout (kind, size, member names, offsets and sizes): merged into the C type")]
    case .structurallyEqual: return [.text("structurally equal to the kept node")]
    // sanitize-names
    case .invalidName: return [.text(R.invalidText)]
    case .cKeyword: return [.text("a C keyword, which C headers made from the BTF cannot use as a name")]
    case .anonymousNeedsName: return [.text("anonymous, and the kernel requires a name for its kind")]
    case .qualified(let why, let alsoInvalid):
      let text = why == .all
        ? "qualified by its namespace path (qualify=all)"
        : "qualified by its namespace path: its name stands for nodes of different namespace paths"
      return [.text(alsoInvalid ? R.invalidText + "; " + text : text)]
    // prune-dependents
    case .byValueCycle(let n):
      return [.text("part of a by-value reference cycle (through \(n.kind) "), R.name(n.name),
              .text(" \(n.id) [die \(R.hex(n.dieOffset))])")]
    case .memberOpaque(let m, let bytes, let namedAs):
      return R.member(m) + [.text(" has no BTF type; kept as \(bytes) opaque bytes")] + R.named(namedAs)
    case .memberUnsizedDropped(let m): return R.member(m) + [.text(" has no BTF type and no size; dropped")]
    case .memberPastEnd(let m, let bytes): return R.member(m) + [.text(" ends past the end of the \(bytes)-byte type; dropped")]
    case .floatMisaligned(let m, let bytes, let namedAs):
      return [.text("FLOAT ")] + R.member(m)
        + [.text(" is not aligned as the kernel requires; kept as \(bytes) opaque bytes")] + R.named(namedAs)
    case .memberUnsizedStrict(let m): return R.member(m) + [.text(" has no sized BTF type (policy=strict)")]
    case .elementUnsizedStrict: return [.text("element type has no sized BTF type (policy=strict)")]
    case .elementsOpaque(let bytes): return [.text("element type has no BTF type; kept as \(bytes) opaque bytes")]
    case .elementUnsized: return [.text("element type has no BTF type and no known size")]
    case .parameterUnsized(let n): return [.text("parameter \(n) has no sized BTF type")]
    case .returnUnsized: return [.text("return type has no sized BTF type")]
    case .prototypeRemoved: return [.text("its prototype has no BTF type")]
    case .variableTypeUnsized: return [.text("its type has no sized BTF type")]
    case .targetRemoved: return [.text("its target was removed")]
    case .emptyDataSection: return [.text("DATASEC has no variable left")]
    // tag-kfuncs
    case .kfuncTagged(let fastcall):
      return [.text("a kfunc (listed in a .BTF_ids kfunc set): DECL_TAG 'bpf_kfunc'" + (fastcall ? " and 'bpf_fastcall' (KF_FASTCALL)" : ""))]
    case .arenaAddressSpace(let returnValue, let parameters, let sharedPrototype):
      var what: [String] = []
      if returnValue { what.append("the return value") }
      what += parameters.map { "parameter \($0)" }
      return [.text("an arena kfunc (KF_ARENA_*): the pointee of " + what.joined(separator: " and ") + " tagged with TYPE_TAG attribute 'address_space(1)'"),
              .text(sharedPrototype ? ", in a FUNC_PROTO of its own (others keep the old one)" : ", in a new FUNC_PROTO")]
    case .prototypeReplaced: return [.text("the prototype of a kfunc, replaced by its copy with arena pointers, used by nothing else")]
    }
  }

  private static let invalidText = "not a valid BTF identifier"

  /// `member 'x'` or `member (anon)@8`.
  private static func member(_ m: MemberLabel) -> [Piece] {
    switch m {
    case .named(let n): [.text("member "), name(n)]
    case .anonymous(let byte): [.text("member (anon)@\(byte)")]
    }
  }

  private static func named(_ namedAs: String?) -> [Piece] {
    namedAs.map { [.text(" named "), name($0)] } ?? []
  }
}

extension Decision.Reason.LoweredEnum {
  /// `data-carrying enum: discriminant 'discriminant' at byte 0, a 1-byte ENUM; variants A = 3,
  /// B = 7 as members of an anonymous union`.
  var pieces: [Decision.Reason.Piece] {
    var out: [Decision.Reason.Piece] = [.text("data-carrying enum: ")]
    if let d = discriminant {
      let type: String
      switch d.type {
      case .enumeration(let bytes): type = "a \(bytes)-byte \(bytes <= 4 ? "ENUM" : "ENUM64")"
      case .integerTooWide(let bytes): type = "a \(bytes)-byte integer (too wide for an ENUM)"
      case .integerWithoutValues(let bytes): type = "a \(bytes)-byte integer (no variant has a value for an ENUM)"
      case .ownType(let kind): type = "its own type (\(kind))"
      }
      out += [.text("discriminant "), .quoted(d.name, "'"), .text(" at byte \(d.byte), \(type)")]
    } else {
      out.append(.text("no discriminant (DW_TAG_variant_part without DW_AT_discr)"))
    }
    if variants.isEmpty {
      out.append(.text("; no variants (uninhabited)"))
    } else {
      let values = variants.map { v in
        switch v.value {
        case .anyOther: "\(v.name) = any other value"
        case .value(let n): "\(v.name) = \(n)"
        case .wide(let text): "\(v.name) = \(text)"
        }
      }
      out.append(.text("; variants " + values.joined(separator: ", ") + " as members of an anonymous union"))
    }
    if !dropped.isEmpty {
      out.append(.text("; variant members not at offset 0 dropped: " + dropped.map { "\($0.name)@\($0.byte)" }.joined(separator: ", ")))
    }
    return out
  }
}
