import Testing
@_spi(Columns) import TypeGraph

@testable import Encode
@testable import Verify

/// The typed constructors (`addInt`, `addArray`, `addDeclTag`…): a graph built with them
/// encodes and loads into the kernel, and each check refuses its wrong argument with a clear
/// error and adds nothing (each case below fails when its check is taken out).
@Suite struct TypedConstructorTests {
  /// Nodes the wrong arguments refer to.
  struct Fixture: Sendable {
    var int, fwd, proto, unnamedProto, function, variable, structure, tag, removed: TypeID
  }

  static func fixture(_ g: inout TypeGraph) throws -> Fixture {
    let int = try g.addInt(name: "int", bytes: 4, encoding: .init(isSigned: true, bits: 32)) // [1]
    let fwd = try g.addForward(name: "opaque") // [2]
    let proto = try g.addFunctionProto(returning: int, parameters: [("x", int)]) // [3]
    let unnamedProto = try g.addFunctionProto(returning: int, parameters: [("", int)]) // [4]
    let function = try g.addFunction(name: "f", prototype: proto) // [5]
    let variable = try g.addVariable(name: "v", type: int) // [6]
    let structure = try g.addStruct(name: "s", bytes: 8, fields: [.init("a", int, bitOffset: 0), .init("b", int, bitOffset: 32)])
    let tag = try g.addDeclTag(value: "t", on: structure) // [8]
    let removed = g.add(.removed) // a tombstone
    return Fixture(
      int: int, fwd: fwd, proto: proto, unnamedProto: unnamedProto, function: function, variable: variable,
      structure: structure, tag: tag, removed: removed)
  }

  @Test func everyConstructorGivesBTFTheKernelLoads() throws {
    var g = TypeGraph()
    let f = try Self.fixture(&g)
    let char = try g.addInt(name: "char", bytes: 1, encoding: .init(isChar: true, bits: 8))
    let double = try g.addFloat(name: "double", bytes: 8)
    let ptr = try g.addPointer(to: f.structure)
    let constInt = try g.addModifier(.const, of: f.int)
    _ = try g.addModifier(.volatile, of: constInt)
    _ = try g.addModifier(.restrict, of: ptr)
    let td = try g.addTypedef(name: "s_t", of: f.structure)
    _ = try g.addTypeTag(value: "user", of: f.int)
    let arr = try g.addArray(of: char, count: 16)
    _ = try g.addStruct(.union, name: "u", bytes: 16, fields: [.init("c", arr, bitOffset: 0), .init("d", double, bitOffset: 0)])
    _ = try g.addStruct(
      name: "bits", bytes: 4,
      fields: [.init("lo", f.int, bitOffset: 0, bitfieldSize: 3), .init("hi", f.int, bitOffset: 3, bitfieldSize: 5)])
    _ = try g.addEnum(name: "e", bytes: 4, signed: true, enumerators: [("A", -1), ("B", 2)])
    _ = try g.addEnum(.enum64, name: "e64", bytes: 8, enumerators: [("BIG", 1 << 40)])
    _ = try g.addForward(name: "later", union: true)
    let varargs = try g.addFunctionProto(returning: .void, parameters: [("fmt", ptr), ("", .void)])
    let printf = try g.addFunction(name: "printk", prototype: varargs, linkage: .static)
    _ = try g.addDeclTag(value: "kfunc", on: printf, component: 0)
    _ = try g.addDeclTag(value: "field", on: f.structure, component: 1)
    _ = try g.addDeclTag(value: "alias", on: td)
    let count = try g.addVariable(name: "count", type: f.int, linkage: .static)
    _ = try g.addDataSection(name: ".data", bytes: 8, entries: [.init(f.variable, offset: 0, size: 4), .init(count, offset: 4, size: 4)])
    #expect(g.verify() == [])
    let bytes = try BTFEncoder(target: .linux6_1).encode(g)
    #expect(BTFValidator.validate(bytes) == [])
    let failure = KernelCheck.acceptanceFailure(bytes)
    #expect(failure == nil, "\(failure ?? "")")
  }

  /// One wrong call and the words its refusal must contain.
  struct Case: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var expected: String
    var call: @Sendable (inout TypeGraph, Fixture) throws -> Void
    init(_ what: String, _ expected: String, _ call: @escaping @Sendable (inout TypeGraph, Fixture) throws -> Void) {
      testDescription = what
      self.expected = expected
      self.call = call
    }
  }

  static let cases: [Case] = [
    Case("INT of 0 bytes", "0 bytes, an INT has 1 to 16") { g, _ in _ = try g.addInt(name: "i", bytes: 0, encoding: .init(bits: 8)) },
    Case("INT of 0 bits", "0 bits, an INT has 1 to 128") { g, _ in _ = try g.addInt(name: "i", bytes: 4, encoding: .init(bits: 0)) },
    Case("INT bits past its bytes", "do not fit 1 bytes") { g, _ in
      _ = try g.addInt(name: "i", bytes: 1, encoding: .init(offset: 4, bits: 8))
    },
    Case("INT signed and bool", "at most one of signed, char and bool") { g, _ in
      _ = try g.addInt(name: "i", bytes: 1, encoding: .init(isSigned: true, isBool: true, bits: 8))
    },
    Case("FLOAT of 3 bytes", "3 bytes, a FLOAT has") { g, _ in _ = try g.addFloat(name: "f", bytes: 3) },
    Case("PTR to a FUNC", "a FUNC is not a type") { g, f in _ = try g.addPointer(to: f.function) },
    Case("PTR to no node", "but the graph has") { g, _ in _ = try g.addPointer(to: TypeID(9999)) },
    Case("PTR to a removed node", "a removed node") { g, f in _ = try g.addPointer(to: f.removed) },
    Case("CONST of a DECL_TAG", "a DECL_TAG is not a type") { g, f in _ = try g.addModifier(.const, of: f.tag) },
    Case("modifier of kind PTR", "PTR is not a modifier") { g, f in _ = try g.addModifier(.pointer, of: f.int) },
    Case("TYPEDEF of a VAR", "a VAR is not a type") { g, f in _ = try g.addTypedef(name: "t", of: f.variable) },
    Case("TYPEDEF without a name", "a TYPEDEF needs a name") { g, f in _ = try g.addTypedef(name: "", of: f.int) },
    Case("TYPE_TAG without a value", "a TYPE_TAG needs a value") { g, f in _ = try g.addTypeTag(value: "", of: f.int) },
    Case("array of a function", "has no size") { g, f in _ = try g.addArray(of: f.function, count: 2) },
    Case("array of a FUNC_PROTO", "has no size") { g, f in _ = try g.addArray(of: f.proto, count: 2) },
    Case("array of void", "void (#0), which has no size") { g, _ in _ = try g.addArray(of: .void, count: 2) },
    Case("array of a FWD", "has no size") { g, f in _ = try g.addArray(of: f.fwd, count: 2) },
    Case("array over 4 GiB", "exceed 4 GiB") { g, f in _ = try g.addArray(of: f.int, count: 1 << 31) },
    Case("struct of kind ENUM", "ENUM is neither STRUCT nor UNION") { g, _ in _ = try g.addStruct(.enumeration, bytes: 4, fields: []) },
    Case("union field off 0", "a UNION's fields are all at 0") { g, f in
      _ = try g.addStruct(.union, bytes: 8, fields: [.init("a", f.int, bitOffset: 32)])
    },
    Case("fields out of order", "comes before the one above it") { g, f in
      _ = try g.addStruct(bytes: 8, fields: [.init("a", f.int, bitOffset: 32), .init("b", f.int, bitOffset: 0)])
    },
    Case("field past the end", "ends at bit 64, past the 4 bytes") { g, f in
      _ = try g.addStruct(bytes: 4, fields: [.init("a", f.int, bitOffset: 32)])
    },
    Case("field of a FWD", "which has no size") { g, f in _ = try g.addStruct(bytes: 4, fields: [.init("a", f.fwd, bitOffset: 0)]) },
    Case("enum of kind STRUCT", "STRUCT is neither ENUM nor ENUM64") { g, _ in
      _ = try g.addEnum(.structure, bytes: 4, enumerators: [("A", 0)])
    },
    Case("enum of 3 bytes", "3 bytes, an enum has") { g, _ in _ = try g.addEnum(bytes: 3, enumerators: [("A", 0)]) },
    Case("enumerator without a name", "enumerator 0 has no name") { g, _ in _ = try g.addEnum(bytes: 4, enumerators: [("", 0)]) },
    Case("ENUM value over 32 bits", "does not fit an ENUM's 32 bits") { g, _ in _ = try g.addEnum(bytes: 8, enumerators: [("A", 1 << 33)])
    },
    Case("FWD without a name", "a FWD needs a name") { g, _ in _ = try g.addForward(name: "") },
    Case("prototype returning a FUNC", "the return type is FUNC") { g, f in
      _ = try g.addFunctionProto(returning: f.function, parameters: [])
    },
    Case("void parameter not last", "parameter 0 '' is void (#0)") { g, f in
      _ = try g.addFunctionProto(returning: .void, parameters: [("", .void), ("x", f.int)])
    },
    Case("named varargs", "the varargs parameter (type void) has a name") { g, _ in
      _ = try g.addFunctionProto(returning: .void, parameters: [("rest", .void)])
    },
    Case("FUNC of an INT", "not a FUNC_PROTO") { g, f in _ = try g.addFunction(name: "g", prototype: f.int) },
    Case("FUNC with an unnamed parameter", "Invalid arg#1") { g, f in _ = try g.addFunction(name: "g", prototype: f.unnamedProto) },
    Case("FUNC without a name", "a FUNC needs a name") { g, f in _ = try g.addFunction(name: "", prototype: f.proto) },
    Case("extern VAR", "extern linkage") { g, f in _ = try g.addVariable(name: "x", type: f.int, linkage: .external) },
    Case("VAR of void", "which has no size") { g, _ in _ = try g.addVariable(name: "x", type: .void) },
    Case("VAR without a name", "a VAR needs a name") { g, f in _ = try g.addVariable(name: "", type: f.int) },
    Case("DATASEC of 0 bytes", "0 bytes; a DATASEC has a size") { g, _ in _ = try g.addDataSection(name: ".bss", bytes: 0, entries: []) },
    Case("DATASEC entry not a VAR", "not a VAR") { g, f in
      _ = try g.addDataSection(name: ".bss", bytes: 8, entries: [.init(f.int, offset: 0, size: 4)])
    },
    Case("DATASEC entries overlapping", "overlaps the one above it") { g, f in
      _ = try g.addDataSection(
        name: ".bss", bytes: 8, entries: [.init(f.variable, offset: 0, size: 4), .init(f.variable, offset: 2, size: 4)])
    },
    Case("DATASEC entry smaller than its VAR", "has 2 bytes, its variable's type 4") { g, f in
      _ = try g.addDataSection(name: ".bss", bytes: 8, entries: [.init(f.variable, offset: 0, size: 2)])
    },
    Case("DATASEC without a name", "a DATASEC needs a section name") { g, _ in _ = try g.addDataSection(name: "", bytes: 8, entries: []) },
    Case("DECL_TAG on void", "the target is void (#0); a DECL_TAG tags") { g, _ in _ = try g.addDeclTag(value: "t", on: .void) },
    Case("DECL_TAG on an INT", "a DECL_TAG tags a STRUCT, UNION, FUNC, VAR or TYPEDEF") { g, f in
      _ = try g.addDeclTag(value: "t", on: f.int)
    },
    Case("DECL_TAG component past the members", "component 2 of STRUCT 's'") { g, f in
      _ = try g.addDeclTag(value: "t", on: f.structure, component: 2)
    },
    Case("DECL_TAG component of a VAR", "which has 0") { g, f in _ = try g.addDeclTag(value: "t", on: f.variable, component: 0) },
    Case("DECL_TAG without a value", "a DECL_TAG needs a value") { g, f in _ = try g.addDeclTag(value: "", on: f.structure) },
  ]

  @Test(arguments: cases) func wrongArgumentIsRefused(_ c: Case) throws {
    var g = TypeGraph()
    let f = try Self.fixture(&g)
    let before = g.count
    do {
      try c.call(&g, f)
      Issue.record("accepted: \(c.testDescription)")
    } catch let error as TypeGraph.NodeError {
      #expect(error.description.contains(c.expected), "\(error.description)")
    }
    #expect(g.count == before, "a refused call added a node")
  }
}
