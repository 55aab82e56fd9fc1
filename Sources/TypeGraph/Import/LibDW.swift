internal import CDwarf

/// Attribute slots of `rb_attrs` (see `Sources/CDwarf/shim.h`), typed once: C anonymous enums
/// import as `Int`, the shim functions take `Int32`.
enum Slot {
  static let name = Int32(RB_NAME)
  static let type = Int32(RB_TYPE)
  static let byteSize = Int32(RB_BYTE_SIZE)
  static let bitSize = Int32(RB_BIT_SIZE)
  static let dataMemberLocation = Int32(RB_DATA_MEMBER_LOCATION)
  static let dataBitOffset = Int32(RB_DATA_BIT_OFFSET)
  static let bitOffset = Int32(RB_BIT_OFFSET)
  static let declaration = Int32(RB_DECLARATION)
  static let external = Int32(RB_EXTERNAL)
  static let encoding = Int32(RB_ENCODING)
  static let count = Int32(RB_COUNT)
  static let upperBound = Int32(RB_UPPER_BOUND)
  static let lowerBound = Int32(RB_LOWER_BOUND)
  static let linkageName = Int32(RB_LINKAGE_NAME)
  static let mipsLinkageName = Int32(RB_MIPS_LINKAGE_NAME)
  static let specification = Int32(RB_SPECIFICATION)
  static let abstractOrigin = Int32(RB_ABSTRACT_ORIGIN)
  static let location = Int32(RB_LOCATION)
  static let constValue = Int32(RB_CONST_VALUE)
  static let discr = Int32(RB_DISCR)
  static let discrValue = Int32(RB_DISCR_VALUE)
  static let prototyped = Int32(RB_PROTOTYPED)
  static let artificial = Int32(RB_ARTIFICIAL)
  static let lowPC = Int32(RB_LOW_PC)
  static let ranges = Int32(RB_RANGES)
  static let inline = Int32(RB_INLINE)
  static let producer = Int32(RB_PRODUCER)
  static let compDir = Int32(RB_COMP_DIR)
  static let language = Int32(RB_LANGUAGE)
}

/// DWARF constants the importer needs beyond `DWARFTag` (values from the DWARF 5 standard).
enum DW {
  // Tags not in DWARFTag.
  static let enumerator: UInt16 = 0x28
  static let formalParameter: UInt16 = 0x05
  static let lexicalBlock: UInt16 = 0x0b
  static let inheritance: UInt16 = 0x1c
  static let inlinedSubroutine: UInt16 = 0x1d
  static let module: UInt16 = 0x1e
  static let unspecifiedParameters: UInt16 = 0x18
  static let fileType: UInt16 = 0x29
  static let packedType: UInt16 = 0x2d
  static let thrownType: UInt16 = 0x31
  static let interfaceType: UInt16 = 0x38
  static let sharedType: UInt16 = 0x40
  static let coarrayType: UInt16 = 0x44
  static let genericSubrange: UInt16 = 0x45

  // Attributes (for the dwarf_attr_integrate shims).
  static let atName: UInt32 = 0x03
  static let atType: UInt32 = 0x49
  static let atExternal: UInt32 = 0x3f
  static let atPrototyped: UInt32 = 0x27
  static let atCallingConvention: UInt32 = 0x36
  /// `DW_CC_nocall`: the function does not follow the platform's calling convention (LLVM
  /// marks functions whose arguments or return value it removed or changed).
  static let ccNocall: UInt64 = 0x03
  static let atLinkageName: UInt32 = 0x6e
  static let atMIPSLinkageName: UInt32 = 0x2007
  /// The .dwo file of a split-DWARF skeleton unit (DWARF 5, and GNU's DWARF 4 extension).
  static let atDwoName: UInt32 = 0x76
  static let atGNUDwoName: UInt32 = 0x2130
  /// `DW_UT_skeleton`: a DWARF 5 unit whose DIEs are in a .dwo file.
  static let utSkeleton: UInt8 = 0x04

  // Base type encodings.
  static let ateBoolean: UInt64 = 0x02
  static let ateComplexFloat: UInt64 = 0x03
  static let ateFloat: UInt64 = 0x04
  static let ateImaginaryFloat: UInt64 = 0x09
  static let ateSigned: UInt64 = 0x05
  static let ateSignedChar: UInt64 = 0x06
  static let ateDecimalFloat: UInt64 = 0x0f

  // Forms.
  static let formSdata: UInt32 = 0x0d
  static let formData1: UInt32 = 0x0b
  static let formData2: UInt32 = 0x05
  static let formData4: UInt32 = 0x06
  static let formData8: UInt32 = 0x07
  static let formUdata: UInt32 = 0x0f
  static let formImplicitConst: UInt32 = 0x21

  static let langRust: UInt64 = 0x1c

  /// Tags that describe a type: imported as a node even when the importer has no mapping for
  /// them (those become `.unrepresentable`).
  static func isTypeTag(_ tag: UInt16) -> Bool {
    switch tag {
    case DWARFTag.arrayType, DWARFTag.classType, DWARFTag.enumerationType, DWARFTag.pointerType,
      DWARFTag.referenceType, DWARFTag.stringType, DWARFTag.structureType, DWARFTag.subroutineType,
      DWARFTag.typedef, DWARFTag.unionType, DWARFTag.ptrToMemberType, DWARFTag.setType,
      DWARFTag.subrangeType, DWARFTag.baseType, DWARFTag.constType, fileType, packedType,
      thrownType, DWARFTag.volatileType, DWARFTag.restrictType, interfaceType,
      DWARFTag.unspecifiedType, sharedType, DWARFTag.rvalueReferenceType, coarrayType,
      genericSubrange, DWARFTag.dynamicType, DWARFTag.atomicType, DWARFTag.immutableType:
      true
    default:
      false
    }
  }

  static func isConstantForm(_ form: UInt32) -> Bool {
    switch form {
    case formData1, formData2, formData4, formData8, formUdata, formSdata, formImplicitConst: true
    default: false
    }
  }

  /// Byte width of a fixed-size data form (for sign extension), 0 otherwise.
  static func dataFormWidth(_ form: UInt32) -> Int {
    switch form {
    case formData1: 1
    case formData2: 2
    case formData4: 4
    case formData8: 8
    default: 0
    }
  }
}

func dwarfError() -> String {
  guard let m = dwarf_errmsg(-1) else { return "unknown error" }
  return DWARFImporter.oneLine(String(cString: m))
}
