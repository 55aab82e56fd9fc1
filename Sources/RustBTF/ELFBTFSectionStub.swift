// TEMPORARY until the elf-writer branch lands.
public func writeBTFSection(_ btf: [UInt8], intoELF path: String, sectionName: String = ".BTF") throws { throw ConversionError("not yet") }
public func readBTFSection(fromELF path: String, sectionName: String = ".BTF") throws -> [UInt8]? { nil }
