import TypeGraph

// The reasons `select-symbols` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension SelectSymbols {
  /// Why `select-symbols` decided what it did.
  public enum Reason: WordedReason {
    case namedBySymbol
    /// A FUNC_PROTO pruned with the only FUNC that used it.
    case prototypeOfPruned
    case noSymbol
    case compiledAsClone(symbol: String)
    case symbolIsAnotherCopy(name: String, symbolAddress: UInt64, address: UInt64)
    case symbolHasAnotherName(String)
    case noSymbolTable
    case changedCallingConvention
    case notTraceable
    case inlinedCopy
    case sameCode
    case duplicateName
    /// Several functions of one name with different prototypes; `units` are their compile
    /// units, in order, each once.
    case inconsistentPrototypes(definitions: Int, prototypes: Int, units: [String])
    /// A variable (or DATASEC) of another section than `.data..percpu` (`variables=percpu`).
    case notPercpu(section: String)
    /// In a namespace (Rust, C++), not at file scope.
    case notFileScope
    case artificialVariable
    /// pahole master's function rules (`select-symbols` `match=pahole`), one case per rule.
    /// A parameter without a name (pahole's `ftype__has_arg_names`); `index` from 0.
    case unnamedParameter(index: Int)
    /// A parameter's DWARF location is another register than its slot's.
    case unexpectedRegister(parameter: String, register: String, expected: String)
    /// A packed struct passed on the stack after the register arguments.
    case uncertainParameterLocation
    /// A clone's parameters come from other positions of the declared prototype.
    case reorderedParameters
    /// A parameter optimized out of a function whose ABI changed: `clone` is the `.constprop`/
    /// `.isra` symbol at its address, nil for `DW_CC_nocall`.
    case optimizedParameters(clone: String?)
    /// The name's symbols are at several addresses.
    case ambiguousAddress(symbols: Int, addresses: Int)
    /// A Rust function whose parameter is not where the C calling convention puts it.
    case notCABI(parameter: String, why: String)
    case noStaticAddress
    case notInDataSection
    case skippedVariablePrefix(String)
    /// At a section's first byte without a symbol of its name there: discarded by the linker.
    case discardedVariable(section: String)
    case voidVariable
    case unsizedVariable
    case variableTooLarge(bytes: UInt64)
    case offsetTooLarge(section: String, offset: UInt64)
    /// Where a variable kept before it in the same section lies (the same one, described by
    /// another unit, or an overlap): the kernel takes no overlapping DATASEC entries.
    case variableOverlaps(previous: String, section: String)
    case variablesNone
  }
}

extension SelectSymbols.Reason {
  public var pieces: [ReasonPiece] {
    switch self {
    case .namedBySymbol: return [.text("named by its ELF symbol")]
    case .prototypeOfPruned: return [.text("the prototype of a function not written, used by nothing else")]
    case .noSymbol: return [.text("no ELF function symbol of its name (inlined everywhere, or not emitted)")]
    case .compiledAsClone(let clone):
      return [.text("compiled only as a clone with its own symbol, whose parameters may differ from the DWARF prototype: \(clone)")]
    case .symbolIsAnotherCopy(let name, let symbolAddress, let address):
      return [
        .text(
          "the ELF symbol of its name is another copy's code; this copy was discarded by the linker or is not the one the symbol names: "),
        .name(name), .text(" is at \(ReasonPiece.hex(symbolAddress)), this copy at \(ReasonPiece.hex(address))"),
      ]
    case .symbolHasAnotherName(let other): return [.text("its code's ELF symbol has another name: \(other)")]
    case .noSymbolTable:
      return [.text("static, and the file has no ELF symbol table to show it was kept (only external functions are kept)")]
    case .changedCallingConvention:
      return [
        .text(
          """
          the compiler changed how it is called (DW_AT_calling_convention DW_CC_nocall: arguments or return value removed or changed), so \
          its DWARF prototype would mislead a BPF program reading its arguments (nocall=keep writes it anyway)
          """
        )
      ]
    case .notTraceable: return [.text("not traceable: no __mcount_loc entry in its code (notrace, or not instrumented) (functions=ftrace)")]
    case .inlinedCopy: return [.text("inlined; the out-of-line code of its name has a DWARF description of its own, which is kept")]
    case .sameCode: return [.text("another DWARF description of the same code is kept (one FUNC per symbol)")]
    case .duplicateName: return [.text("another function of the same name and prototype is kept (one FUNC per name)")]
    case .inconsistentPrototypes(let definitions, let prototypes, let units):
      // At most four units named.
      let shown = units.prefix(4).joined(separator: ", ") + (units.count > 4 ? ", …" : "")
      return [
        .text(
          """
          its name stands for functions with different prototypes, so a BPF program attaching by name could not tell which: \
          \(definitions) definitions with \(prototypes) prototypes, in units \(shown)
          """
        )
      ]
    case .notPercpu(let section):
      return [
        .text(
          """
          in \(section), not .data..percpu: only per-CPU variables are kept (pahole's feature global_var, variables=global, keeps the \
          others)
          """
        )
      ]
    case .notFileScope: return [.text("not at file scope (in a namespace): pahole encodes file-scope variables only")]
    case .artificialVariable: return [.text("made by the compiler (DW_AT_artificial), not in the source")]
    case .noStaticAddress: return [.text("has no static address (a declaration, thread-local, or kept in registers)")]
    case .notInDataSection: return [.text("its address is in no PROGBITS or NOBITS section of the file")]
    case .skippedVariablePrefix(let prefix):
      return [.text("its name starts with \(prefix), which pahole never encodes (a name with no use to BPF programs)")]
    case .discardedVariable(let section):
      return [.text("at the first byte of \(section) with no symbol of its name there: DWARF of a variable the linker discarded reads 0")]
    case .voidVariable: return [.text("its type is void")]
    case .unsizedVariable: return [.text("its type has no size (or size 0): the kernel takes no DATASEC entry for it")]
    case .variableTooLarge(let bytes): return [.text("\(bytes) bytes: a DATASEC entry's size is 32 bits")]
    case .offsetTooLarge(let section, let offset): return [.text("at offset \(offset) of \(section): a DATASEC offset is 32 bits")]
    case .variableOverlaps(let previous, let section):
      return [
        .text(
          """
          lies where a variable kept before it in \(section) does (the same one described by another unit, or an overlap, which the \
          kernel rejects): 
          """
        ), .name(previous),
      ]
    case .unnamedParameter(let index):
      return [.text("parameter \(index + 1) has no name, and pahole writes no FUNC for such a function")]
    case .unexpectedRegister(let parameter, let register, let expected):
      return [
        .text("unexpected register usage for parameter "), .name(parameter),
        .text(
          """
          : its DWARF location is \(register), where the calling convention puts its slot in \(expected), so the prototype misstates \
          where the arguments are (pahole: unexpected register usage for parameter)
          """
        ),
      ]
    case .uncertainParameterLocation:
      return [
        .text(
          """
          uncertain parameter location: a packed struct passed on the stack after the register arguments (pahole: uncertain parameter \
          location)
          """
        )
      ]
    case .reorderedParameters:
      return [
        .text(
          """
          reordered parameters: a copy of it (a clone) has its parameters in another order than its declaration, so the prototype \
          misstates where the arguments are (pahole: reordered parameters)
          """
        )
      ]
    case .optimizedParameters(let clone):
      let why =
        clone.map { "its code is the clone \($0), whose arguments the compiler may have changed" }
        ?? "the compiler changed how it is called (DW_AT_calling_convention DW_CC_nocall)"
      return [
        .text(
          """
          optimized parameters: a parameter was optimized out and \(why), so the prototype does not say how it is called (pahole: \
          optimized parameters)
          """
        )
      ]
    case .ambiguousAddress(let symbols, let addresses):
      return [
        .text(
          """
          ambiguous address: its name's \(symbols) ELF symbols (with its clones') are at \(addresses) different addresses, so a BPF \
          program attaching by name could not tell which code it gets (pahole: ambiguous address)
          """
        )
      ]
    case .notCABI(let parameter, let why):
      return [
        .text("Rust function whose parameter "), .name(parameter),
        .text(
          " is not where the C calling convention puts it (\(why)), so its prototype would mislead a BPF program reading its arguments"),
      ]
    case .variablesNone: return [.text("variables=none")]
    }
  }
}
