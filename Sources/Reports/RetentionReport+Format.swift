import TypeGraph

/// The text and JSON of `rustbtf --stats` (README "Retention report" documents both).
extension RetentionReport {
  /// `part` of `whole` as a percentage with one decimal, rounded down (so 100.0% means all).
  static func percent(_ part: Int, of whole: Int) -> String {
    guard whole > 0 else { return "-" }
    let tenths = part * 1000 / whole
    return "\(tenths / 10).\(tenths % 10)%"
  }

  private static func pad(_ s: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - s.count)) + s
  }

  private static func describe(_ r: Reason?) -> String {
    guard let r else { return unexplained }
    return r.root == r.description ? r.description : "\(r.description) (root: \(r.root))"
  }

  private static func title(_ e: TypeEntry) -> String {
    let kind = e.dataCarrying ? "data-carrying enum" : e.kind
    return "\(kind) `\(e.name)` (\(e.bytes) bytes, \(e.copies) cop\(e.copies == 1 ? "y" : "ies"))"
  }

  public func text(inputName: String? = nil) -> String {
    var out = "Rust retention report" + (inputName.map { ": \($0)" } ?? "") + "\n"
    let copies = types.reduce(0) { $0 + $1.copies }
    out += "named Rust struct, union and enum types: \(total) distinct (by qualified name and size), \(copies) in the DWARF\n"
    for s in Status.allCases {
      let n = count(s)
      out +=
        """
          \(s.rawValue)\(String(repeating: " ", count: 9 - s.rawValue.count))\(Self.pad("\(n)", 8))  \
        \(Self.pad(Self.percent(n, of: total), 6))\n
        """
    }
    out +=
      """
      data-carrying enums: \(dataCarryingEnums), with discriminant and every variant: \(dataCarryingEnumsComplete) \
      (\(Self.percent(dataCarryingEnumsComplete, of: dataCarryingEnums)))\n
      """
    if let with = functions.withSymbol, let emitted = functions.emittedWithSymbol {
      out += "Rust functions with an ELF symbol: \(with), written as FUNC: \(emitted) (\(Self.percent(emitted, of: with)))\n"
    }
    out +=
      """
      Rust functions with a linkage name: \(functions.withLinkageName), written as FUNC: \(functions.emitted) \
      (\(Self.percent(functions.emitted, of: functions.withLinkageName))); Rust FUNCs in the BTF: \(functions.rustFuncsOut)\n
      """
    if !topReasons.isEmpty {
      out += "\nroot causes (types per cause):\n"
      for r in topReasons { out += "\(Self.pad("\(r.count)", 8))  \(r.reason)\n" }
    }
    if !functions.missingReasons.isEmpty {
      out += "\nfunctions not written (per root cause):\n"
      for r in functions.missingReasons { out += "\(Self.pad("\(r.count)", 8))  \(r.reason)\n" }
      out += "\nfunctions not written:\n"
      for m in functions.missing { out += "  \(m.name): \(m.reason)\n" }
    }
    if !functions.unaccountedFuncs.isEmpty {
      out +=
        """
        \nRust FUNCs in the BTF without a Rust function DIE of that linkage name (named by their ELF symbol, or without a linkage name in \
        the DWARF):\n
        """
      for n in functions.unaccountedFuncs { out += "  \(n)\n" }
    }
    let opaque = types.filter { $0.status == .opaque }
    if !opaque.isEmpty {
      out += "\nopaque (kept, members not as in DWARF):\n"
      for e in opaque {
        out += "  \(Self.title(e)): kept as \(e.btfKind ?? "-")\n"
        for i in e.issues {
          out += "    \(i.member): \(i.problem.rawValue)" + (i.detail.isEmpty ? "" : " (\(i.detail))") + "; \(Self.describe(i.reason))\n"
        }
      }
    }
    let pruned = types.filter { $0.status == .pruned }
    if !pruned.isEmpty {
      out += "\npruned:\n"
      for e in pruned {
        let state = e.state == "rewritten" ? "rewritten as \(e.btfKind ?? "-")" : e.state
        out += "  \(Self.title(e)): \(state); \(Self.describe(e.reason))\n"
      }
    }
    return out
  }

  /// One JSON document (an object); entries in the same order as the text.
  public func json(inputName: String? = nil) -> String {
    let q = Self.jsonString
    let copies = types.reduce(0) { $0 + $1.copies }
    var out = "{\"input\": \(q(inputName)),\n"
    out +=
      """
      \"types\": {\"total\": \(total), \"copies\": \(copies), \"complete\": \(count(.complete)), \"opaque\": \(count(.opaque)), \
      \"pruned\": \(count(.pruned))},\n
      """
    out += "\"data_carrying_enums\": {\"total\": \(dataCarryingEnums), \"complete\": \(dataCarryingEnumsComplete)},\n"
    out +=
      """
      \"functions\": {\"with_linkage_name\": \(functions.withLinkageName), \"emitted\": \(functions.emitted), \"with_symbol\": \
      \(functions.withSymbol.map(String.init) ?? "null"), \"emitted_with_symbol\": \
      \(functions.emittedWithSymbol.map(String.init) ?? "null"), \"rust_funcs_out\": \(functions.rustFuncsOut), \"missing_reasons\": \
      \(Self.json(functions.missingReasons)), \"missing\": [
      """
      + functions.missing.map { "{\"name\": \(q($0.name)), \"reason\": \(q($0.reason))}" }.joined(separator: ", ")
      + "], \"unaccounted_funcs\": [" + functions.unaccountedFuncs.map(q).joined(separator: ", ") + "]},\n"
    out += "\"root_causes\": \(Self.json(topReasons)),\n"
    for (key, status) in [("opaque", Status.opaque), ("pruned", Status.pruned)] {
      out += "\"\(key)\": ["
      var first = true
      for e in types where e.status == status {
        out += (first ? "\n" : ",\n") + Self.json(e)
        first = false
      }
      out += key == "opaque" ? "],\n" : "]\n"
    }
    return out + "}\n"
  }

  private static func json(_ counts: [ReasonCount]) -> String {
    "[" + counts.map { "{\"reason\": \(jsonString($0.reason)), \"count\": \($0.count)}" }.joined(separator: ", ") + "]"
  }

  private static func json(_ r: Reason?) -> String {
    guard let r else { return "null" }
    return "{\"pass\": \(jsonString(r.pass)), \"reason\": \(jsonString(r.text)), \"root_cause\": \(jsonString(r.root))}"
  }

  private static func json(_ e: TypeEntry) -> String {
    var out = "{\"name\": \(jsonString(e.name)), \"kind\": \(jsonString(e.kind)), \"bytes\": \(e.bytes), \"copies\": \(e.copies)"
    out += ", \"data_carrying\": \(e.dataCarrying), \"state\": \(jsonString(e.state)), \"btf_kind\": \(jsonString(e.btfKind))"
    out += ", \"reason\": \(json(e.reason)), \"issues\": ["
    out += e.issues.map {
      """
      {\"member\": \(jsonString($0.member)), \"problem\": \(jsonString($0.problem.rawValue)), \"detail\": \(jsonString($0.detail)), \
      \"reason\": \(json($0.reason))}
      """
    }.joined(separator: ", ")
    return out + "]}"
  }

  static func jsonString(_ s: String?) -> String { Explanation.jsonString(s) }
}
