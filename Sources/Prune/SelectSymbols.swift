import TypeGraph

/// `select-symbols`: keeps the FUNCs and VARs a BPF program can use, as pahole chooses them by
/// the ELF symbol table, and names each Rust FUNC by its symbol.
///
/// - Functions (`functions=symbol`, the default): a FUNC is kept when a defined ELF function
///   symbol of its symbol name (its linkage name when it has one — every mangled Rust
///   function — else its name) sits at its code address; one FUNC per name (copies with the
///   same prototype collapse to the first; names whose definitions disagree are dropped
///   whole). `functions=ftrace` also requires an `__mcount_loc` entry in the symbol's code
///   where the file has that table (pahole before 1.22); `functions=all` keeps every FUNC.
///   `SelectSymbols+Functions.swift`.
/// - Variables (`variables=percpu`, the default): only per-CPU variables are kept, each named
///   by its symbol and listed in a `.data..percpu` DATASEC with its offset and symbol size;
///   `variables=all` keeps every VAR (the per-CPU ones in the DATASEC too), `variables=none`
///   none. `SelectSymbols+Variables.swift`.
///
/// A graph that was not imported from an ELF file (hand-built, decoded BTF) has no symbol
/// information and is left as it is. Nothing references a FUNC or VAR at this point of the
/// pipeline (right after `lower-rust`), so removing one needs no rewiring; a FUNC's own
/// FUNC_PROTO goes with it.
public struct SelectSymbols: Pass {
  public static let name = "select-symbols"
  public static let summary = "keep the FUNCs with an ELF function symbol (Rust ones named by it) and the per-CPU VARs in a .data..percpu DATASEC, as pahole does"

  public enum Functions: String, Sendable, CaseIterable {
    /// Functions with a defined ELF function symbol of their symbol name at their address.
    case symbol
    /// As `symbol`, and traceable: an `__mcount_loc` entry lies in the symbol's code (when
    /// the file has that table; otherwise as `symbol`).
    case ftrace
    /// Every function, as imported.
    case all
  }

  public enum Variables: String, Sendable, CaseIterable {
    /// Per-CPU variables only, in a `.data..percpu` DATASEC.
    case percpu
    /// Every variable; the per-CPU ones also in the DATASEC.
    case all
    /// No variables.
    case none
  }

  /// What to do with a function whose DWARF says `DW_CC_nocall`: the compiler removed or
  /// changed its arguments or return value, so its DWARF prototype does not say how it is
  /// called and a BPF program reading arguments by it would read the wrong registers.
  public enum ChangedCalls: String, Sendable, CaseIterable {
    /// Not written, with a reason (the default).
    case drop
    /// Written with the DWARF prototype, as pahole 1.24 does.
    case keep
  }

  public var functions: Functions
  public var variables: Variables
  public var nocall: ChangedCalls

  public init(functions: Functions = .symbol, variables: Variables = .percpu, nocall: ChangedCalls = .drop) {
    self.functions = functions
    self.variables = variables
    self.nocall = nocall
  }

  /// Canonical order `functions=…;variables=…;nocall=…`, defaults left out.
  public var parameterText: String {
    var parts: [String] = []
    if functions != .symbol { parts.append("functions=\(functions.rawValue)") }
    if variables != .percpu { parts.append("variables=\(variables.rawValue)") }
    if nocall != .drop { parts.append("nocall=\(nocall.rawValue)") }
    return parts.joined(separator: ";")
  }

  public static let descriptor = PassDescriptor(
    SelectSymbols.self,
    parameterHelp: "functions=symbol|ftrace|all (default symbol: FUNCs with an ELF function symbol); variables=percpu|all|none (default percpu: per-CPU VARs in a .data..percpu DATASEC); nocall=drop|keep (default drop: no FUNC for functions whose calling convention the compiler changed, DW_CC_nocall)"
  ) { params in
    try params.checkKnown(["functions", "variables", "nocall"])
    return SelectSymbols(
      functions: try params.choice("functions", default: Functions.symbol),
      variables: try params.choice("variables", default: Variables.percpu),
      nocall: try params.choice("nocall", default: ChangedCalls.drop))
  }

  /// Reason texts (stable: tools and goldens read them). Variable parts follow a colon.
  public enum Reason {
    public static let prototypeOfPruned = "the prototype of a function not written, used by nothing else"
    public static let namedBySymbol = "named by its ELF symbol"
    public static let noSymbol = "no ELF function symbol of its name (inlined everywhere, or not emitted)"
    public static let clonePrefix = "compiled only as a clone with its own symbol, whose parameters may differ from the DWARF prototype: "
    public static let elsewherePrefix = "the ELF symbol of its name is another copy's code; this copy was discarded by the linker or is not the one the symbol names: "
    public static let otherNamePrefix = "its code's ELF symbol has another name: "
    public static let noSymbolTable = "static, and the file has no ELF symbol table to show it was kept (only external functions are kept)"
    public static let changedCall = "the compiler changed how it is called (DW_AT_calling_convention DW_CC_nocall: arguments or return value removed or changed), so its DWARF prototype would mislead a BPF program reading its arguments (nocall=keep writes it anyway)"
    public static let notTraceable = "not traceable: no __mcount_loc entry in its code (notrace, or not instrumented) (functions=ftrace)"
    public static let inlinedCopy = "inlined; the out-of-line code of its name has a DWARF description of its own, which is kept"
    public static let sameCode = "another DWARF description of the same code is kept (one FUNC per symbol)"
    public static let duplicateName = "another function of the same name and prototype is kept (one FUNC per name)"
    public static let inconsistentPrefix = "its name stands for functions with different prototypes, so a BPF program attaching by name could not tell which: "
    public static let notPercpu = "not a per-CPU variable (only per-CPU variables are kept, in .data..percpu)"
    public static let noPercpuSection = "not a per-CPU variable: the file has no .data..percpu symbols (only per-CPU variables are kept)"
    public static let noAddress = "has no static address (a declaration, or kept in registers): not a per-CPU variable"
    public static let noPercpuSymbol = "no per-CPU symbol at its offset in .data..percpu"
    public static let unsizedPercpu = "per-CPU variable whose type has no size: the kernel takes no DATASEC entry for it"
    public static let symbolSmallerPrefix = "per-CPU symbol smaller than its type, which the kernel rejects in a DATASEC: "
    public static let samePercpuSymbol = "another DWARF description of the same per-CPU variable is kept"
    public static let overlapsPrefix = "per-CPU variable overlapping the one before it in .data..percpu: "
    public static let variablesNone = "variables=none"
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    guard graph.symbols.imported else { return .unchanged }
    var changed = FunctionSelection(mode: functions, nocall: nocall).run(&graph, &context)
    changed = VariableSelection(mode: variables).run(&graph, &context) || changed
    return changed ? .changed : .unchanged
  }
}
