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

/// The `dwarf.h` constants the importer uses, typed once (they import as `Int`; libdw takes
/// `UInt32` attribute codes, tags are `UInt16` in the graph, constants are read as `UInt64`).
enum DW {
  // Tags not in DWARFTag.
  static let enumerator = UInt16(DW_TAG_enumerator)
  static let formalParameter = UInt16(DW_TAG_formal_parameter)
  static let lexicalBlock = UInt16(DW_TAG_lexical_block)
  static let inheritance = UInt16(DW_TAG_inheritance)
  static let inlinedSubroutine = UInt16(DW_TAG_inlined_subroutine)
  static let module = UInt16(DW_TAG_module)
  static let unspecifiedParameters = UInt16(DW_TAG_unspecified_parameters)
  static let fileType = UInt16(DW_TAG_file_type)
  static let packedType = UInt16(DW_TAG_packed_type)
  static let thrownType = UInt16(DW_TAG_thrown_type)
  static let interfaceType = UInt16(DW_TAG_interface_type)
  static let sharedType = UInt16(DW_TAG_shared_type)
  static let coarrayType = UInt16(DW_TAG_coarray_type)
  static let genericSubrange = UInt16(DW_TAG_generic_subrange)

  // Attributes (for the dwarf_attr_integrate shims).
  static let atName = UInt32(DW_AT_name)
  static let atType = UInt32(DW_AT_type)
  static let atExternal = UInt32(DW_AT_external)
  static let atPrototyped = UInt32(DW_AT_prototyped)
  static let atCallingConvention = UInt32(DW_AT_calling_convention)
  /// `DW_CC_nocall`: the function does not follow the platform's calling convention (LLVM
  /// marks functions whose arguments or return value it removed or changed).
  static let ccNocall = UInt64(DW_CC_nocall)
  static let atLinkageName = UInt32(DW_AT_linkage_name)
  static let atMIPSLinkageName = UInt32(DW_AT_MIPS_linkage_name)
  /// The .dwo file of a split-DWARF skeleton unit (DWARF 5, and GNU's DWARF 4 extension).
  static let atDwoName = UInt32(DW_AT_dwo_name)
  static let atGNUDwoName = UInt32(DW_AT_GNU_dwo_name)
  /// `DW_UT_skeleton`: a DWARF 5 unit whose DIEs are in a .dwo file.
  static let utSkeleton = UInt8(DW_UT_skeleton)

  // Base type encodings.
  static let ateBoolean = UInt64(DW_ATE_boolean)
  static let ateComplexFloat = UInt64(DW_ATE_complex_float)
  static let ateFloat = UInt64(DW_ATE_float)
  static let ateImaginaryFloat = UInt64(DW_ATE_imaginary_float)
  static let ateSigned = UInt64(DW_ATE_signed)
  static let ateSignedChar = UInt64(DW_ATE_signed_char)
  static let ateDecimalFloat = UInt64(DW_ATE_decimal_float)

  // Forms.
  static let formSdata = UInt32(DW_FORM_sdata)
  static let formData1 = UInt32(DW_FORM_data1)
  static let formData2 = UInt32(DW_FORM_data2)
  static let formData4 = UInt32(DW_FORM_data4)
  static let formData8 = UInt32(DW_FORM_data8)

  static let langRust = UInt64(DW_LANG_Rust)

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

  /// A constant class form (data1..8, udata, sdata, implicit_const), as the shim decides it.
  static func isConstantForm(_ form: UInt32) -> Bool { rb_is_constant_form(form) }

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
