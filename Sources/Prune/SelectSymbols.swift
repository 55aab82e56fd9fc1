import TypeGraph

/// `select-symbols`: keeps the FUNCs and VARs a BPF program can use, as pahole chooses them by
/// the ELF symbol table, and names each Rust FUNC by its symbol.
///
/// - Functions (`functions=symbol`, the default): pahole master's rules (`match=pahole`,
///   `SelectSymbols+Functions.swift`): symbols keyed by the name cut at the first `.` (clones
///   match), then, per name, the location rules (unexpected register, reordered or optimized
///   parameters of a changed ABI, uncertain location), inconsistent prototypes and ambiguous
///   addresses; otherwise the canonical description is written. Rust functions must also
///   have every parameter where the C calling convention puts it. `match=exact` is rustbtf's
///   earlier rule (`SelectSymbols+ExactMatch.swift`). `functions=ftrace` also requires an
///   `__mcount_loc` entry in the symbol's code where the file has that table (pahole before
///   1.22); `functions=all` keeps every FUNC.
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
  public static let summary =
    "keep the FUNCs with an ELF function symbol (Rust ones named by it) and the per-CPU VARs in a .data..percpu DATASEC, as pahole does"

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
  /// changed its arguments or return value, so its DWARF prototype may not say how it is
  /// called and a BPF program reading arguments by it would read the wrong registers.
  public enum ChangedCalls: String, Sendable, CaseIterable {
    /// pahole master's rule (the default): not written when a parameter was optimized out (in
    /// a clang unit); otherwise the locations of its parameters were checked and it is written.
    case check
    /// Never written, with a reason (rustbtf's rule before pahole master's).
    case drop
    /// Written with the DWARF prototype when the other rules allow, as pahole 1.24 does.
    case keep
  }

  /// How functions are matched with ELF symbols and chosen.
  public enum Matching: String, Sendable, CaseIterable {
    /// pahole master's rules (the default): symbols keyed by the name cut at the first `.`
    /// (clones match), then the location, prototype and address rules
    /// (`SelectSymbols+Functions.swift`).
    case pahole
    /// rustbtf's earlier rule: a symbol of exactly the function's name at its address, clones
    /// dropped, one FUNC per name, no location rules (`SelectSymbols+ExactMatch.swift`).
    case exact
  }

  public var functions: Functions
  public var variables: Variables
  public var nocall: ChangedCalls
  public var match: Matching
  /// The fewest keys (function names) a thread decides when `PassContext.threads` allows more
  /// than one: a thread costs more than a few thousand decisions. Tests set 1.
  package var keysPerThread = 4096

  public init(functions: Functions = .symbol, variables: Variables = .percpu, nocall: ChangedCalls = .check, match: Matching = .pahole) {
    self.functions = functions
    self.variables = variables
    self.nocall = nocall
    self.match = match
  }

  /// Canonical order `functions=…;variables=…;nocall=…;match=…`, defaults left out.
  public var parameterText: String {
    var parts: [String] = []
    if functions != .symbol { parts.append("functions=\(functions.rawValue)") }
    if variables != .percpu { parts.append("variables=\(variables.rawValue)") }
    if nocall != .check { parts.append("nocall=\(nocall.rawValue)") }
    if match != .pahole { parts.append("match=\(match.rawValue)") }
    return parts.joined(separator: ";")
  }

  public static let descriptor = PassDescriptor(
    SelectSymbols.self,
    parameterHelp:
      """
      functions=symbol|ftrace|all (default symbol: FUNCs with an ELF function symbol); variables=percpu|global|all|none (default percpu: \
      per-CPU VARs in a .data..percpu DATASEC; global: every section's VARs, one DATASEC each, as pahole's global_var); \
      nocall=check|drop|keep (default check: a DW_CC_nocall function with an optimized-out parameter gets no FUNC, as in pahole master; \
      drop: none gets one); match=pahole|exact (default pahole: pahole master's rules, clones matched by base name; exact: a symbol of \
      the function's own name at its address, no location rules)
      """
  ) { params in
    try params.checkKnown(["functions", "variables", "nocall", "match"])
    return SelectSymbols(
      functions: try params.choice("functions", default: Functions.symbol),
      variables: try params.choice("variables", default: Variables.percpu),
      nocall: try params.choice("nocall", default: ChangedCalls.check),
      match: try params.choice("match", default: Matching.pahole))
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    guard graph.symbols.imported else { return .unchanged }
    var changed =
      match == .pahole
      ? FunctionSelection(mode: functions, nocall: nocall, keysPerThread: keysPerThread).run(&graph, &context)
      : ExactMatchSelection(mode: functions, nocall: nocall == .check ? .drop : nocall).run(&graph, &context)
    changed = VariableSelection(mode: variables).run(&graph, &context) || changed
    return changed ? .changed : .unchanged
  }
}
