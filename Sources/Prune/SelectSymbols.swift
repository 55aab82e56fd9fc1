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
/// - Variables (`variables=percpu`, the default): only per-CPU variables are kept, listed in
///   a `.data..percpu` DATASEC with their offsets and sizes (pahole's feature `var`);
///   `variables=global` keeps the variables of every section, one DATASEC each (pahole's
///   `global_var`); `variables=all` keeps every VAR (the placed ones in their DATASECs too),
///   `variables=none` none. Which variables are placed: `DatasecPlacement`.
///   `SelectSymbols+Variables.swift`.
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
    /// Every section's placed variables, one DATASEC per section (pahole's `global_var`).
    case global
    /// Every variable; the placed ones also in their DATASECs.
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
    parameterHelp: "functions=symbol|ftrace|all (default symbol: FUNCs with an ELF function symbol); variables=percpu|global|all|none (default percpu: per-CPU VARs in a .data..percpu DATASEC; global: every section's VARs, one DATASEC each, as pahole's global_var); nocall=drop|keep (default drop: no FUNC for functions whose calling convention the compiler changed, DW_CC_nocall)"
  ) { params in
    try params.checkKnown(["functions", "variables", "nocall"])
    return SelectSymbols(
      functions: try params.choice("functions", default: Functions.symbol),
      variables: try params.choice("variables", default: Variables.percpu),
      nocall: try params.choice("nocall", default: ChangedCalls.drop))
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    guard graph.symbols.imported else { return .unchanged }
    var changed = FunctionSelection(mode: functions, nocall: nocall).run(&graph, &context)
    changed = VariableSelection(mode: variables).run(&graph, &context) || changed
    return changed ? .changed : .unchanged
  }
}
