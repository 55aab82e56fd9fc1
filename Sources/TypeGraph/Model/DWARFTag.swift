/// DWARF tags the graph talks about (values from the DWARF 5 standard). Kept here, not taken
/// from libdw's headers, so that passes can name them without importing C.
public enum DWARFTag {
  public static let arrayType: UInt16 = 0x01
  public static let classType: UInt16 = 0x02
  public static let enumerationType: UInt16 = 0x04
  public static let member: UInt16 = 0x0d
  public static let pointerType: UInt16 = 0x0f
  public static let referenceType: UInt16 = 0x10
  public static let compileUnit: UInt16 = 0x11
  public static let stringType: UInt16 = 0x12
  public static let structureType: UInt16 = 0x13
  public static let subroutineType: UInt16 = 0x15
  public static let typedef: UInt16 = 0x16
  public static let unionType: UInt16 = 0x17
  public static let variant: UInt16 = 0x19
  public static let ptrToMemberType: UInt16 = 0x1f
  public static let setType: UInt16 = 0x20
  public static let subrangeType: UInt16 = 0x21
  public static let baseType: UInt16 = 0x24
  public static let constType: UInt16 = 0x26
  public static let subprogram: UInt16 = 0x2e
  public static let templateTypeParameter: UInt16 = 0x2f
  public static let templateValueParameter: UInt16 = 0x30
  public static let variantPart: UInt16 = 0x33
  public static let variable: UInt16 = 0x34
  public static let volatileType: UInt16 = 0x35
  public static let restrictType: UInt16 = 0x37
  public static let namespace: UInt16 = 0x39
  public static let unspecifiedType: UInt16 = 0x3b
  public static let rvalueReferenceType: UInt16 = 0x42
  public static let atomicType: UInt16 = 0x47
  public static let dynamicType: UInt16 = 0x46
  public static let immutableType: UInt16 = 0x4b
  public static let llvmAnnotation: UInt16 = 0x6000

  /// `DW_TAG_variant_part` style names for messages and dumps.
  public static func name(_ tag: UInt16) -> String {
    switch tag {
    case arrayType: "DW_TAG_array_type"
    case classType: "DW_TAG_class_type"
    case enumerationType: "DW_TAG_enumeration_type"
    case member: "DW_TAG_member"
    case pointerType: "DW_TAG_pointer_type"
    case referenceType: "DW_TAG_reference_type"
    case compileUnit: "DW_TAG_compile_unit"
    case stringType: "DW_TAG_string_type"
    case structureType: "DW_TAG_structure_type"
    case subroutineType: "DW_TAG_subroutine_type"
    case typedef: "DW_TAG_typedef"
    case unionType: "DW_TAG_union_type"
    case variant: "DW_TAG_variant"
    case ptrToMemberType: "DW_TAG_ptr_to_member_type"
    case setType: "DW_TAG_set_type"
    case subrangeType: "DW_TAG_subrange_type"
    case baseType: "DW_TAG_base_type"
    case constType: "DW_TAG_const_type"
    case subprogram: "DW_TAG_subprogram"
    case templateTypeParameter: "DW_TAG_template_type_parameter"
    case templateValueParameter: "DW_TAG_template_value_parameter"
    case variantPart: "DW_TAG_variant_part"
    case variable: "DW_TAG_variable"
    case volatileType: "DW_TAG_volatile_type"
    case restrictType: "DW_TAG_restrict_type"
    case namespace: "DW_TAG_namespace"
    case unspecifiedType: "DW_TAG_unspecified_type"
    case rvalueReferenceType: "DW_TAG_rvalue_reference_type"
    case atomicType: "DW_TAG_atomic_type"
    case dynamicType: "DW_TAG_dynamic_type"
    case immutableType: "DW_TAG_immutable_type"
    case llvmAnnotation: "DW_TAG_LLVM_annotation"
    default: "DW_TAG_0x" + String(tag, radix: 16)
    }
  }
}
