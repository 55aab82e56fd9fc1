import TypeGraph

/// What one function's DWARF says about how it is called, as pahole master's DWARF loader
/// derives it (`dwarf_loader.c`: `function__analyze_parameter_locations`,
/// `function__match_clang_parameter_locations`, `cu__resolve_func_ret_types_optimized`;
/// `btf_encoder.c`: `ftype__has_uncertain_arg_loc`, `btf_encoder__save_func`), from the
/// importer's `FunctionFacts` and the parameter types.
struct CallFacts {
  /// pahole's code address: `DW_AT_low_pc` only (nil without it).
  var address: UInt64?
  /// A parameter has no location, a constant value (GCC), or a location in no register.
  var optimizedParameters = false
  /// A parameter in a register its slot does not use (only when no parameter is a struct).
  var unexpectedRegister: (parameter: String, register: String, expected: String)? = nil
  /// A packed struct passed on the stack after the register arguments.
  var uncertainLocation = false
  /// A parameter of this copy comes from another position of its abstract origin.
  var reordered = false
  /// `DW_CC_nocall` in a clang unit (pahole's `signature_changed`).
  var signatureChanged = false
  /// `DW_CC_nocall` in any unit (rustbtf's `nocall=drop`).
  var nocall = false
  /// A `.constprop`/`.isra` symbol of the key at `address` (its index in the symbol columns).
  var optimizedSymbol: Int? = nil
  /// Rust only: the first parameter not where the C calling convention puts it.
  var rustMismatch: (parameter: String, why: String)? = nil
}

/// Computes `CallFacts`; remembers per compile unit whether clang made it. Holds no graph: the
/// pass mutates its graph between calls.
struct CallAnalysis {
  private var clangUnits: [UInt8]

  init(graph: TypeGraph) {
    clangUnits = [UInt8](repeating: 2, count: graph.compileUnits.count)
  }

  /// Whether LLVM made `id`'s unit (pahole's `attr_producer_clang`: "clang" in DW_AT_producer;
  /// rustc's producer says "clang LLVM (rustc …)").
  mutating func isClang(_ id: TypeID, _ graph: TypeGraph) -> Bool {
    let u = Int(graph.units[id.index].rawValue)
    guard u >= 0 && u < clangUnits.count else { return false }
    if clangUnits[u] == 2 {
      clangUnits[u] = graph.strings.contains(graph.compileUnits[u].producer, "clang") ? 1 : 0
    }
    return clangUnits[u] == 1
  }

  /// `symbols` is `graph.symbols` (taken once by the caller: each access copies its columns).
  mutating func facts(of id: TypeID, symbolsOf syms: ArraySlice<Int32>, _ graph: TypeGraph, _ symbols: ELFSymbols) -> CallFacts {
    let all = symbols.functionFacts
    var out = CallFacts()
    guard let f = all.index(of: id) else { return out }
    let flags = all.flags[f]
    if flags.contains(.lowPC), let a = symbols.address(of: id) {
      out.address = a
      out.optimizedSymbol = syms.first {
        symbols.functionAddresses[Int($0)] == a && symbols.functionSuffixes[Int($0)].contains(.optimizedClone)
      }.map { Int($0) }
    }
    out.reordered = flags.contains(.reordered)
    out.nocall = flags.contains(.nocall)
    let clang = isClang(id, graph)
    out.signatureChanged = clang && out.nocall && !flags.contains(.inline)

    let proto = graph.ref(id)
    // The prototype's formal parameters (`...` is a member without name and type, wherever
    // DW_TAG_unspecified_parameters stood), in the order of their locations.
    let members = (graph.kind(proto) == .functionProto ? graph.memberRange(proto) : 0..<0).filter {
      !(graph.memberNames[$0].isEmpty && graph.memberTypes[$0].isVoid)
    }
    let locations = all.parameters(at: f)
    let count = min(locations.count, members.count)
    let (table, nr) = all.argumentRegisters
    let addr = Int(all.addressSize)
    let twoRegisters = all.aggregatesUseTwoRegisters

    struct Parameter {
      var location: ParameterLocation
      var type: TypeID
      var size: Int
      var register: UInt8
      var slots: Int
      var inMemory: Bool
    }
    var parameters: [Parameter] = []
    parameters.reserveCapacity(count)
    for k in 0..<count {
      let loc = all.parameters[locations.lowerBound + k]
      let type = graph.memberTypes[members[k]]
      let size = Self.byteSize(type, graph, addressSize: addr)
      let large = twoRegisters && size > addr
      parameters.append(
        Parameter(
          location: loc, type: type, size: size, register: large ? loc.largeRegister : loc.smallRegister,
          slots: large ? max(1, (size + addr - 1) / addr) : 1, inMemory: size > (twoRegisters ? 2 * addr : addr)))
    }
    func expected(_ slot: Int) -> Int { slot < nr ? Int(table?[slot] ?? 255) : -1 }
    func name(_ k: Int) -> String { graph.strings.string(graph.memberNames[members[k]]) }

    var unexpected: Int? = nil
    var unexpectedSlot = 0
    var optimized = false
    let unknown = ParameterLocation.unknownRegister
    if clang && !out.signatureChanged {
      // clang, signature unchanged: each register a location names must be in its slot's window.
      var slot = 0
      for (k, p) in parameters.enumerated() {
        if p.inMemory { continue }
        if slot >= nr { break }
        if p.register != unknown && unexpected == nil,
          !(0..<p.slots).contains(where: { slot + $0 < nr && expected(slot + $0) == Int(p.register) })
        {
          unexpected = k
          unexpectedSlot = slot
        }
        slot += p.slots
      }
    } else {
      var slot = 0
      for (k, p) in parameters.enumerated() {
        var consumes = true
        let available = slot < nr
        if p.location.hasLocation {
          if !available {
            consumes = false
          } else if p.register == unknown {
            optimized = true
          } else if table != nil && expected(slot) != Int(p.register) {
            if unexpected == nil {
              unexpected = k
              unexpectedSlot = slot
            }
          }
        } else if p.location.hasConstValue && !clang {
          optimized = true
        }
        if consumes { slot += p.inMemory ? 1 : p.slots }
      }
    }
    out.optimizedParameters = optimized || parameters.contains { !$0.location.hasLocation }
    if let k = unexpected, !parameters.contains(where: { Self.isStruct($0.type, graph) }) {
      let e = expected(unexpectedSlot)
      out.unexpectedRegister = (
        name(k), all.registerName(parameters[k].register), e >= 0 && e < 255 ? all.registerName(UInt8(e)) : "none"
      )
    }
    // ftype__has_uncertain_arg_loc: a named packed struct passed after the register arguments.
    if nr > 0 && count >= nr {
      for p in parameters[nr...] {
        let t = p.type
        if (graph.kind(t) == .structure) && !graph.name(t).isEmpty && Self.isPacked(t, graph, addressSize: addr) {
          out.uncertainLocation = true
          break
        }
      }
    }
    if graph.flags(id).contains(.rust), let table {
      out.rustMismatch = Self.rustMismatch(parameters.map { ($0.location, $0.type, $0.size) }, table, graph, all, name)
    }
    return out
  }

  /// A Rust function's parameters against the C calling convention (x86-64 SysV and the other
  /// machines with a register table): each must be in the integer register of its slot (a
  /// value of up to two registers' size, as C passes it), shown by its DWARF location, or be a
  /// scalar (integer, enum, pointer) that both conventions pass alike. rustc passes a larger
  /// aggregate by reference where C copies it to the stack, and may split a small one over two
  /// registers where C uses one: a BPF program reading arguments by the C prototype would read
  /// the wrong ones.
  static func rustMismatch(
    _ parameters: [(ParameterLocation, TypeID, Int)], _ table: [UInt8], _ graph: TypeGraph, _ facts: FunctionFacts,
    _ name: (Int) -> String
  ) -> (parameter: String, why: String)? {
    let addr = Int(facts.addressSize)
    let unknown = ParameterLocation.unknownRegister
    var slot = 0
    for (k, (loc, type, size)) in parameters.enumerated() {
      let scalar = isScalar(type, graph)
      if size == 0 { continue } // zero-sized: neither convention passes it
      if isFloat(type, graph) { return (name(k), "a floating-point value, which BTF prototypes do not carry in an integer register") }
      if size > 2 * addr {
        return (name(k), "an aggregate of \(size) bytes, which the C convention copies to the stack and Rust's passes by reference")
      }
      let slots = size > addr ? 2 : 1
      let register = size > addr ? loc.largeRegister : loc.smallRegister
      if slot + slots > table.count {
        if !scalar { return (name(k), "an aggregate past the argument registers, where the conventions differ") }
        slot += slots
        continue
      }
      if register != unknown {
        if register != table[slot] {
          return (name(k), "in \(facts.registerName(register)), where the C convention has \(facts.registerName(table[slot]))")
        }
        let second = loc.secondRegister
        if slots == 1 && second != unknown {
          return (
            name(k),
            """
            split over \(facts.registerName(register)) and \(facts.registerName(second)), where the C convention passes it in \
            \(facts.registerName(table[slot])) alone
            """
          )
        }
        if slots == 2 && second != table[slot + 1] {
          return (
            name(k),
            second == unknown
              ? "its second half is in no register, where the C convention passes it in \(facts.registerName(table[slot + 1]))"
              : "its second half is in \(facts.registerName(second)), where the C convention has \(facts.registerName(table[slot + 1]))"
          )
        }
      } else if !scalar && !passedAlike(type, size, graph, addressSize: addr) {
        return (name(k), "an aggregate whose DWARF location does not show the registers that carry it")
      }
      slot += slots
    }
    return nil
  }

  /// Whether rustc and the C convention pass an aggregate of `size` bytes in the same integer
  /// registers whatever its location says (rustc's `PassMode` by layout): one integer or
  /// pointer field (rustc's `Scalar`), two of a register's size at offsets 0 and 8 (a
  /// `ScalarPair` such as a slice or `&str`: C's two eightbytes), or three and more fields
  /// within one register (rustc casts such an aggregate to one integer). Two smaller fields
  /// are a `ScalarPair` rustc passes in two registers where C uses one; unions, enums with
  /// data and floats are not judged.
  static func passedAlike(_ type: TypeID, _ size: Int, _ graph: TypeGraph, addressSize: Int) -> Bool {
    var leaves: [(offset: Int, size: Int)] = []
    guard collectLeaves(strip(type, graph), 0, graph, addressSize, &leaves, depth: 0) else { return false }
    switch leaves.count {
    case 1: return true
    case 2: return size == 2 * addressSize && leaves[0] == (0, addressSize) && leaves[1] == (addressSize, addressSize)
    default: return size <= addressSize && leaves.count >= 3
    }
  }

  private static func collectLeaves(
    _ t: TypeID, _ base: Int, _ graph: TypeGraph, _ addr: Int, _ out: inout [(offset: Int, size: Int)], depth: Int
  ) -> Bool {
    guard depth < 8, out.count < 16 else { return false }
    switch graph.kind(t) {
    case .int, .enumeration, .enum64, .pointer:
      let s = byteSize(t, graph, addressSize: addr)
      if s > 0 { out.append((base, s)) }
      return true
    case .structure:
      for i in graph.memberRange(t) {
        if graph.memberBits[i] != 0 { return false }
        let m = strip(graph.memberTypes[i], graph)
        if byteSize(m, graph, addressSize: addr) == 0 { continue }
        if !collectLeaves(m, base + Int(graph.memberValues[i] / 8), graph, addr, &out, depth: depth + 1) { return false }
      }
      return true
    default:
      return false
    }
  }

  /// pahole's `get_type_byte_size`: through modifiers and typedefs (which have no size of
  /// their own in DWARF), a pointer the address size, else the type's byte size.
  static func byteSize(_ type: TypeID, _ graph: TypeGraph, addressSize: Int) -> Int {
    var t = type
    for _ in 0..<32 {
      if t.isVoid { return 0 }
      switch graph.kind(t) {
      case .pointer: return addressSize
      case .typedef, .const, .volatile, .restrict, .typeTag, .array: t = graph.ref(t)
      case .forward, .void, .removed: return 0
      default:
        let s = Int(graph.size(t))
        if s != 0 { return s }
        let next = graph.ref(t)
        if next.isVoid || next == t { return 0 }
        t = next
      }
    }
    return 0
  }

  /// pahole's `param__is_struct`: a struct through `const` and typedefs.
  static func isStruct(_ type: TypeID, _ graph: TypeGraph) -> Bool {
    var t = type
    for _ in 0..<32 {
      switch graph.kind(t) {
      case .structure: return true
      case .forward: return graph.forwardIsUnion(t) == false
      case .const, .typedef: t = graph.ref(t)
      default: return false
      }
    }
    return false
  }

  static func strip(_ type: TypeID, _ graph: TypeGraph) -> TypeID {
    var t = type
    for _ in 0..<32 {
      switch graph.kind(t) {
      case .const, .typedef, .volatile, .restrict, .typeTag: t = graph.ref(t)
      default: return t
      }
    }
    return t
  }

  static func isScalar(_ type: TypeID, _ graph: TypeGraph) -> Bool {
    switch graph.kind(strip(type, graph)) {
    case .int, .enumeration, .enum64, .pointer: return true
    default: return false
    }
  }

  static func isFloat(_ type: TypeID, _ graph: TypeGraph) -> Bool { graph.kind(strip(type, graph)) == .float }

  /// pahole's `class__infer_packed_attributes`, for a struct without holes: a member at an
  /// offset its natural alignment does not divide, or a size the largest alignment does not.
  static func isPacked(_ type: TypeID, _ graph: TypeGraph, addressSize: Int) -> Bool {
    var maxAlign = 1
    var end = 0
    for i in graph.memberRange(type) {
      let m = graph.memberTypes[i]
      let bits = graph.memberBits[i]
      let offset = Int(graph.memberValues[i] / 8)
      let size = byteSize(m, graph, addressSize: addressSize)
      if bits != 0 { return false } // bitfields: pahole's hole logic, not followed here
      if offset > end { return false } // a hole: not packed
      end = offset + size
      let align = naturalAlignment(m, graph, addressSize: addressSize, depth: 0)
      if align <= 1 { continue }
      maxAlign = max(maxAlign, align)
      if offset % align != 0 { return true }
    }
    if end < Int(graph.size(type)) { return false } // padding: not packed
    return Int(graph.size(type)) % maxAlign != 0
  }

  static func naturalAlignment(_ type: TypeID, _ graph: TypeGraph, addressSize: Int, depth: Int) -> Int {
    let t = strip(type, graph)
    guard depth < 8 else { return 1 }
    switch graph.kind(t) {
    case .pointer: return addressSize
    case .int, .float, .enumeration, .enum64: return max(1, min(Int(graph.size(t)), 8))
    case .array: return naturalAlignment(graph.ref(t), graph, addressSize: addressSize, depth: depth + 1)
    case .structure, .union:
      var a = 1
      for i in graph.memberRange(t) {
        a = max(a, naturalAlignment(graph.memberTypes[i], graph, addressSize: addressSize, depth: depth + 1))
      }
      return a
    default: return 1
    }
  }
}
