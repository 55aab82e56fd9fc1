/// What the DWARF says about how each imported function is called, for `select-symbols`'
/// rules on which functions get a FUNC (pahole master's: `dwarf_loader.c` and
/// `btf_encoder.c`). The importer records, per function node, a byte of flags and, per formal
/// parameter, where the parameter's value is on entry (`ParameterLocation`); the pass adds what
/// the types say (sizes, struct or not), which the walk does not know yet. Columns, sorted by
/// node id: 4 bytes per parameter and 9 per function.
public struct FunctionFacts: Sendable {
  /// The ELF machine (`e_machine`) and address size: which registers carry arguments.
  public var machine: UInt16 = 0
  public var addressSize: UInt8 = 8

  /// Function nodes that have facts, in id order.
  public internal(set) var nodes: ContiguousArray<TypeID> = []
  public internal(set) var flags: ContiguousArray<Flags> = []
  /// Where each function's parameters start in `parameters` (they end where the next starts).
  public internal(set) var parameterStarts: ContiguousArray<Int32> = []
  /// One entry per `DW_TAG_formal_parameter`, in DIE order (`...` has none).
  public internal(set) var parameters: ContiguousArray<ParameterLocation> = []

  public init() {}

  public struct Flags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The code address came from `DW_AT_low_pc` (pahole's `function__addr` reads only that;
    /// a function described by `DW_AT_ranges` has address 0 there).
    public static let lowPC = Flags(rawValue: 1 << 0)
    /// `DW_AT_calling_convention DW_CC_nocall` on the function or its abstract origin.
    public static let nocall = Flags(rawValue: 1 << 1)
    /// `DW_AT_inline` on the function itself (an abstract instance).
    public static let inline = Flags(rawValue: 1 << 2)
    /// A parameter's `DW_AT_abstract_origin` is a parameter at another position of the
    /// function it comes from (pahole's `reordered_parm`).
    public static let reordered = Flags(rawValue: 1 << 3)
  }

  // MARK: Building (the importer)

  /// Starts the facts of function `id`; ids must come in increasing order.
  public mutating func beginFunction(_ id: TypeID, _ f: Flags) {
    precondition(nodes.last.map { $0 < id } ?? true, "function facts must be recorded in id order")
    nodes.append(id)
    flags.append(f)
    parameterStarts.append(Int32(truncatingIfNeeded: parameters.count))
  }

  /// Appends a parameter of the function begun last; returns its index in `parameters`.
  public mutating func appendParameter(_ p: ParameterLocation) -> Int {
    parameters.append(p)
    return parameters.count - 1
  }

  public mutating func insertFlags(_ f: Flags, at fact: Int) { flags[fact].formUnion(f) }

  /// Shares a concrete copy's parameter location with the parameter it comes from, as pahole's
  /// `ftype__recode_dwarf_types` does: an abstract instance's parameters have no location of
  /// their own, its out-of-line copy's do.
  public mutating func shareLocation(from concrete: Int, to origin: Int) {
    parameters[origin] = parameters[origin].sharing(parameters[concrete])
  }

  /// Appends another walk's facts (the parallel import), its node ids mapped by `type`.
  public mutating func append(_ other: FunctionFacts, mapping type: (TypeID) -> TypeID) {
    let shift = Int32(truncatingIfNeeded: parameters.count)
    for k in other.nodes.indices {
      nodes.append(type(other.nodes[k]))
      flags.append(other.flags[k])
      parameterStarts.append(other.parameterStarts[k] + shift)
    }
    parameters.append(contentsOf: other.parameters)
  }

  // MARK: Queries

  /// The index of `id`'s facts, if the importer recorded any.
  public func index(of id: TypeID) -> Int? {
    let r = ELFSymbols.equalRange(nodes, id)
    return r.isEmpty ? nil : r.lowerBound
  }

  /// The parameters of the facts at `index`.
  public func parameters(at index: Int) -> Range<Int> {
    let start = Int(parameterStarts[index])
    let end = index + 1 < parameterStarts.count ? Int(parameterStarts[index + 1]) : parameters.count
    return start..<end
  }

  /// The DWARF registers (`DW_OP_regN`) that carry integer arguments, by slot (pahole's
  /// `arch__set_register_params`; nil for a machine pahole knows only the count of), and how
  /// many slots there are (`arch__nr_register_params`).
  public var argumentRegisters: (registers: [UInt8]?, count: Int) {
    switch machine {
    case 62: return ([5, 4, 1, 2, 8, 9], 6) // EM_X86_64: rdi, rsi, rdx, rcx, r8, r9
    case 22: return ([2, 3, 4, 5, 6], 5) // EM_S390: r2-r6
    case 40, 183: return ([0, 1, 2, 3, 4, 5, 6, 7], 8) // EM_ARM, EM_AARCH64
    case 2, 43: return (nil, 6) // EM_SPARC, EM_SPARCV9
    case 195, 8, 20, 21, 243: return (nil, 8) // EM_ARC, EM_MIPS, EM_PPC, EM_PPC64, EM_RISCV
    default: return (nil, 0)
    }
  }

  /// An aggregate of up to two addresses' size takes two argument registers (all but s390).
  public var aggregatesUseTwoRegisters: Bool { machine != 22 }

  /// The x86-64 register name of DWARF register `n`, for messages.
  public func registerName(_ n: UInt8) -> String {
    guard machine == 62 else { return "reg\(n)" }
    let names = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
    if Int(n) < names.count { return names[Int(n)] }
    if n >= 17 && n <= 32 { return "xmm\(n - 17)" }
    return "reg\(n)"
  }
}

/// Where one formal parameter is on entry, as pahole's DWARF loader reads it (see
/// `rb_param_location` in `Sources/CDwarf/shim.h`): 32 bits.
public struct ParameterLocation: Sendable, Hashable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// No register known (`RB_REG_UNKNOWN`).
  public static let unknownRegister: UInt8 = 63

  public init(hasLocation: Bool, hasConstValue: Bool, small: UInt8, large: UInt8, second: UInt8 = 63) {
    rawValue =
      UInt32(small & 63) | UInt32(large & 63) << 6
      | (hasLocation ? 1 << 12 : 0) | (hasConstValue ? 1 << 13 : 0) | UInt32(second & 63) << 16
  }

  /// The register for a value of at most an address's size (`unknownRegister` if none).
  public var smallRegister: UInt8 { UInt8(rawValue & 63) }
  /// The register for a larger aggregate: the first among its pieces.
  public var largeRegister: UInt8 { UInt8((rawValue >> 6) & 63) }
  /// `DW_AT_location` is present (on it or, shared, on a concrete copy).
  public var hasLocation: Bool { rawValue & (1 << 12) != 0 }
  /// `DW_AT_const_value`: the value is a constant, not passed.
  public var hasConstValue: Bool { rawValue & (1 << 13) != 0 }
  /// The register of a later piece of the first location entry that is not the first
  /// piece's (`unknownRegister` if none): where a value split over two registers has its rest.
  public var secondRegister: UInt8 { UInt8((rawValue >> 16) & 63) }

  /// This (an abstract instance's parameter) with what a concrete copy knows: pahole sets
  /// presence flags when the copy has them and takes a register the copy knows.
  func sharing(_ c: ParameterLocation) -> ParameterLocation {
    ParameterLocation(
      hasLocation: hasLocation || c.hasLocation, hasConstValue: hasConstValue || c.hasConstValue,
      small: c.smallRegister != Self.unknownRegister ? c.smallRegister : smallRegister,
      large: c.largeRegister != Self.unknownRegister ? c.largeRegister : largeRegister,
      second: c.secondRegister != Self.unknownRegister ? c.secondRegister : secondRegister)
  }
}
