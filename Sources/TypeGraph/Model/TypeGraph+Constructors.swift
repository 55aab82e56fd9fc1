/// Typed constructors (libbpf's `btf__add_int`, `btf__add_array`, `btf__add_decl_tag`…): one
/// per kind, taking what the kind's row (`KindInfo`) says its columns mean, and checking the
/// arguments on insert the way the kernel checks the record, so that a wrong one (a DECL_TAG
/// on void, an INT of 0 bits, an array of a function) is refused here with one clear line
/// instead of giving a graph the encoder or the kernel rejects later. Nothing is added when an
/// argument is refused.
///
/// `add(_:name:size:ref:aux:…)` stays for code that copies nodes as they are (the importer,
/// the decoder); a pass that makes a new node uses these.
extension TypeGraph {
  /// A constructor's refusal: which constructor, and what is wrong with which argument.
  public struct NodeError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
  }

  // MARK: Checks shared by the constructors

  /// The text of `id` in a refusal: `void` for id 0, else `describe`.
  private func text(_ id: TypeID) -> String { id.isVoid ? "void (#0)" : describe(id) }

  /// `id` is a node of this graph that is not a tombstone.
  private func checkNode(_ id: TypeID, _ what: @autoclosure () -> String) throws(NodeError) {
    guard id.index < count else { throw NodeError("\(what()) is #\(id.rawValue), but the graph has \(count) nodes") }
    guard kinds[id.index] != .removed else { throw NodeError("\(what()) is \(text(id)), a removed node") }
  }

  /// A reference to a type whose values have a size (an element, a member, a variable, a
  /// parameter): the kernel's `btf_type_id_size` must find one, and a VAR, DATASEC or DECL_TAG
  /// is never a type (`btf_type_is_resolve_source_only`).
  private func checkSized(_ id: TypeID, _ what: @autoclosure () -> String) throws(NodeError) {
    try checkNode(id, what())
    let target = resolvingModifiers(id)
    guard !id.isVoid, kinds[target.index] != .dataSection, byteSize(of: id) != nil else {
      throw NodeError(
        """
        \(what()) is \(text(id)), which has no size: it must be a type with one (not void, a FWD, a FUNC, a FUNC_PROTO, a VAR, a DATASEC \
        or a DECL_TAG)
        """
      )
    }
  }

  /// A name the kind's row requires (`KindInfo.NameRule`): not empty.
  private mutating func requiredName(_ kind: Kind, _ name: String, _ caller: String) throws(NodeError) -> NameID {
    guard !name.isEmpty else {
      let what = kind.info.name == .value ? "a value" : kind.info.name == .section ? "a section name" : "a name"
      throw NodeError("\(caller): a \(kind.btfName) needs \(what), got an empty string")
    }
    return strings.intern(name)
  }

  // MARK: Constructors

  /// An INT (`btf__add_int`): `bytes` 1...16, `encoding.bits` 1...128 ending within the bytes,
  /// at most one of signed, char and bool.
  @discardableResult
  public mutating func addInt(name: String, bytes: UInt32, encoding: IntEncoding) throws(NodeError) -> TypeID {
    guard (1...16).contains(bytes) else { throw NodeError("addInt '\(name)': \(bytes) bytes, an INT has 1 to 16") }
    guard (1...128).contains(encoding.bits) else {
      throw NodeError("addInt '\(name)': \(encoding.bits) bits, an INT has 1 to 128")
    }
    guard encoding.offset + encoding.bits <= bytes * 8 else {
      throw NodeError("addInt '\(name)': \(encoding.bits) bits at bit \(encoding.offset) do not fit \(bytes) bytes")
    }
    guard [encoding.isSigned, encoding.isChar, encoding.isBool].filter({ $0 }).count <= 1 else {
      throw NodeError("addInt '\(name)': an INT is at most one of signed, char and bool")
    }
    return add(.int, name: strings.intern(name), size: bytes, aux: encoding.word, flags: .synthesized)
  }

  /// A FLOAT (`btf__add_float`) of 2, 4, 8, 12 or 16 bytes.
  @discardableResult
  public mutating func addFloat(name: String, bytes: UInt32) throws(NodeError) -> TypeID {
    guard [2, 4, 8, 12, 16].contains(bytes) else {
      throw NodeError("addFloat '\(name)': \(bytes) bytes, a FLOAT has 2, 4, 8, 12 or 16")
    }
    return add(.float, name: strings.intern(name), size: bytes, flags: .synthesized)
  }

  /// A PTR (`btf__add_ptr`) to void or a type: not to a VAR, DATASEC, DECL_TAG or FUNC (a
  /// pointer to a function points to its FUNC_PROTO).
  @discardableResult
  public mutating func addPointer(to target: TypeID) throws(NodeError) -> TypeID {
    try checkReferable(target, "addPointer: the target")
    return add(.pointer, ref: target, flags: .synthesized)
  }

  /// A CONST, VOLATILE or RESTRICT (`btf__add_const`…) of void or a type.
  @discardableResult
  public mutating func addModifier(_ kind: Kind, of target: TypeID) throws(NodeError) -> TypeID {
    guard kind == .const || kind == .volatile || kind == .restrict else {
      throw NodeError("addModifier: \(kind.btfName) is not a modifier (CONST, VOLATILE or RESTRICT)")
    }
    try checkReferable(target, "addModifier: the target of the \(kind.btfName)")
    return add(kind, ref: target, flags: .synthesized)
  }

  /// A TYPEDEF (`btf__add_typedef`): a name, and void or a type.
  @discardableResult
  public mutating func addTypedef(name: String, of target: TypeID) throws(NodeError) -> TypeID {
    try checkReferable(target, "addTypedef '\(name)': the target")
    let n = try requiredName(.typedef, name, "addTypedef")
    return add(.typedef, name: n, ref: target, flags: .synthesized)
  }

  /// A TYPE_TAG (`btf__add_type_tag`, `btf__add_type_attr` with `attribute`): a value, and void
  /// or a type.
  @discardableResult
  public mutating func addTypeTag(value: String, of target: TypeID, attribute: Bool = false) throws(NodeError) -> TypeID {
    try checkReferable(target, "addTypeTag '\(value)': the target")
    let n = try requiredName(.typeTag, value, "addTypeTag")
    return add(.typeTag, name: n, ref: target, aux: attribute ? 1 : 0, flags: .synthesized)
  }

  /// What a PTR, modifier, TYPEDEF or TYPE_TAG may refer to: void or a type, not a VAR,
  /// DATASEC or DECL_TAG (`btf_type_is_resolve_source_only`), nor a FUNC.
  private func checkReferable(_ id: TypeID, _ what: @autoclosure () -> String) throws(NodeError) {
    try checkNode(id, what())
    switch kinds[id.index] {
    case .variable, .dataSection, .declTag, .function:
      throw NodeError("\(what()) is \(text(id)): a \(kinds[id.index].btfName) is not a type")
    default: break
    }
  }

  /// An ARRAY (`btf__add_array`) of `count` elements of a type with a size, indexed by the
  /// graph's index type (`arrayIndexType()`).
  @discardableResult
  public mutating func addArray(of element: TypeID, count elements: UInt32) throws(NodeError) -> TypeID {
    try checkSized(element, "addArray: the element type")
    if let size = byteSize(of: element), size * UInt64(elements) > UInt64(UInt32.max) {
      throw NodeError("addArray: \(elements) elements of \(size) bytes exceed 4 GiB (the kernel's U32_MAX)")
    }
    _ = arrayIndexType()
    return add(.array, ref: element, aux: elements, flags: .synthesized)
  }

  /// One field of `addStruct`: a name (empty for an anonymous member), a type with a size, a
  /// bit offset, and a bitfield size (0: not a bitfield).
  public struct Field: Sendable {
    public var name: String
    public var type: TypeID
    public var bitOffset: UInt64
    public var bitfieldSize: UInt32
    public init(_ name: String, _ type: TypeID, bitOffset: UInt64, bitfieldSize: UInt32 = 0) {
      self.name = name
      self.type = type
      self.bitOffset = bitOffset
      self.bitfieldSize = bitfieldSize
    }
  }

  /// A STRUCT or UNION (`btf__add_struct`, `btf__add_union`, `btf__add_field`): every field of
  /// a type with a size, in offset order, ending within `bytes`; a union's all at offset 0.
  @discardableResult
  public mutating func addStruct(
    _ kind: Kind = .structure, name: String = "", bytes: UInt32, fields: [Field]
  ) throws(NodeError) -> TypeID {
    guard kind.info.members == .fields else { throw NodeError("addStruct: \(kind.btfName) is neither STRUCT nor UNION") }
    let caller = "addStruct \(kind.btfName) '\(name)'"
    var last: UInt64 = 0
    for (j, f) in fields.enumerated() {
      try checkSized(f.type, "\(caller): the type of field \(j) '\(f.name)'")
      if kind == .union && f.bitOffset != 0 {
        throw NodeError("\(caller): field \(j) '\(f.name)' at bit \(f.bitOffset); a UNION's fields are all at 0")
      }
      if f.bitOffset < last {
        throw NodeError("\(caller): field \(j) '\(f.name)' at bit \(f.bitOffset) comes before the one above it (bit \(last))")
      }
      let bits = f.bitfieldSize != 0 ? UInt64(f.bitfieldSize) : byteSize(of: f.type)! * 8
      if f.bitOffset + bits > UInt64(bytes) * 8 {
        throw NodeError("\(caller): field \(j) '\(f.name)' ends at bit \(f.bitOffset + bits), past the \(bytes) bytes")
      }
      last = f.bitOffset
    }
    let id = add(kind, name: strings.intern(name), size: bytes, flags: .synthesized)
    setMembers(
      id,
      fields.map { f in
        Member(name: strings.intern(f.name), type: f.type, value: f.bitOffset, bits: f.bitfieldSize)
      })
    return id
  }

  /// An ENUM or ENUM64 (`btf__add_enum`, `btf__add_enum64`) of 1, 2, 4 or 8 bytes: each
  /// enumerator named; an ENUM's values fit 32 bits.
  @discardableResult
  public mutating func addEnum(
    _ kind: Kind = .enumeration, name: String = "", bytes: UInt32, signed: Bool = false,
    enumerators: [(name: String, value: Int64)]
  ) throws(NodeError) -> TypeID {
    guard kind.info.members == .enumerators else { throw NodeError("addEnum: \(kind.btfName) is neither ENUM nor ENUM64") }
    let caller = "addEnum \(kind.btfName) '\(name)'"
    guard [1, 2, 4, 8].contains(bytes) else { throw NodeError("\(caller): \(bytes) bytes, an enum has 1, 2, 4 or 8") }
    for (j, e) in enumerators.enumerated() {
      if e.name.isEmpty { throw NodeError("\(caller): enumerator \(j) has no name") }
      let fits = signed ? Int64(Int32.min)...Int64(Int32.max) : 0...Int64(UInt32.max)
      if kind == .enumeration && !fits.contains(e.value) {
        throw NodeError("\(caller): enumerator '\(e.name)' = \(e.value) does not fit an ENUM's 32 bits; use ENUM64")
      }
    }
    let id = add(kind, name: strings.intern(name), size: bytes, flags: signed ? [.synthesized, .signed] : .synthesized)
    setMembers(id, enumerators.map { e in Member(name: strings.intern(e.name), value: UInt64(bitPattern: e.value)) })
    return id
  }

  /// A FWD (`btf__add_fwd`): a name; a struct's or a union's.
  @discardableResult
  public mutating func addForward(name: String, union: Bool = false) throws(NodeError) -> TypeID {
    let n = try requiredName(.forward, name, "addForward")
    return add(.forward, name: n, aux: union ? 1 : 0, flags: .synthesized)
  }

  /// A FUNC_PROTO (`btf__add_func_proto`, `btf__add_func_param`): a return type that is void or
  /// has a size; parameters of types with a size, but a last one of type void with no name
  /// (varargs).
  @discardableResult
  public mutating func addFunctionProto(
    returning result: TypeID, parameters: [(name: String, type: TypeID)]
  ) throws(NodeError) -> TypeID {
    if !result.isVoid { try checkSized(result, "addFunctionProto: the return type") }
    for (j, p) in parameters.enumerated() {
      if p.type.isVoid && j == parameters.count - 1 {
        if !p.name.isEmpty { throw NodeError("addFunctionProto: the varargs parameter (type void) has a name, '\(p.name)'") }
        continue
      }
      try checkSized(p.type, "addFunctionProto: the type of parameter \(j) '\(p.name)'")
    }
    let id = add(.functionProto, ref: result, flags: [.synthesized, .prototyped])
    setMembers(id, parameters.map { p in Member(name: strings.intern(p.name), type: p.type) })
    return id
  }

  /// A FUNC (`btf__add_func`): a name, a FUNC_PROTO whose parameters all have names, a linkage.
  @discardableResult
  public mutating func addFunction(name: String, prototype: TypeID, linkage: Linkage = .global) throws(NodeError) -> TypeID {
    try checkNode(prototype, "addFunction '\(name)': the prototype")
    guard kinds[prototype.index] == .functionProto else {
      throw NodeError("addFunction '\(name)': the prototype is \(text(prototype)), not a FUNC_PROTO")
    }
    for (j, i) in memberRange(prototype).enumerated() where memberNames[i].isEmpty && !memberTypes[i].isVoid {
      throw NodeError("addFunction '\(name)': parameter \(j) of its prototype has no name (the kernel's \"Invalid arg#\(j + 1)\")")
    }
    let n = try requiredName(.function, name, "addFunction")
    return add(.function, name: n, ref: prototype, aux: linkage.rawValue, flags: .synthesized)
  }

  /// A VAR (`btf__add_var`): a name, a type with a size, a static or global linkage (the
  /// kernel takes no other).
  @discardableResult
  public mutating func addVariable(name: String, type: TypeID, linkage: Linkage = .global) throws(NodeError) -> TypeID {
    try checkSized(type, "addVariable '\(name)': the type")
    guard linkage != .external else {
      throw NodeError("addVariable '\(name)': extern linkage; the kernel takes a VAR's static or global only")
    }
    let n = try requiredName(.variable, name, "addVariable")
    return add(.variable, name: n, ref: type, aux: linkage.rawValue, flags: .synthesized)
  }

  /// One entry of `addDataSection`: a VAR, its offset and size in the section.
  public struct SectionEntry: Sendable {
    public var variable: TypeID
    public var offset: UInt32
    public var size: UInt32
    public init(_ variable: TypeID, offset: UInt32, size: UInt32) {
      self.variable = variable
      self.offset = offset
      self.size = size
    }
  }

  /// A DATASEC (`btf__add_datasec`, `btf__add_datasec_var_info`): a section name, `bytes`
  /// above 0, entries that are VARs, in offset order, not overlapping, each within the section
  /// and at least its variable's size.
  @discardableResult
  public mutating func addDataSection(name: String, bytes: UInt32, entries: [SectionEntry]) throws(NodeError) -> TypeID {
    let caller = "addDataSection '\(name)'"
    guard bytes > 0 else { throw NodeError("\(caller): 0 bytes; a DATASEC has a size") }
    var end: UInt64 = 0
    for (j, e) in entries.enumerated() {
      try checkNode(e.variable, "\(caller): entry \(j)")
      guard kinds[e.variable.index] == .variable else {
        throw NodeError("\(caller): entry \(j) is \(text(e.variable)), not a VAR")
      }
      if UInt64(e.offset) < end || UInt64(e.offset) + UInt64(e.size) > UInt64(bytes) || e.size == 0 {
        throw NodeError("\(caller): entry \(j) at \(e.offset)+\(e.size) overlaps the one above it or leaves the \(bytes) bytes")
      }
      if let size = byteSize(of: refs[e.variable.index]), UInt64(e.size) < size {
        throw NodeError("\(caller): entry \(j) has \(e.size) bytes, its variable's type \(size)")
      }
      end = UInt64(e.offset) + UInt64(e.size)
    }
    let n = try requiredName(.dataSection, name, "addDataSection")
    let id = add(.dataSection, name: n, size: bytes, flags: .synthesized)
    setMembers(id, entries.map { e in Member(type: e.variable, value: UInt64(e.offset), bits: e.size) })
    return id
  }

  /// A DECL_TAG (`btf__add_decl_tag`): a value, on a STRUCT, UNION, FUNC, VAR or TYPEDEF
  /// (`btf_decl_tag_resolve`); `component` -1 for the node itself, else a member of the struct
  /// or union or a parameter of the FUNC.
  @discardableResult
  public mutating func addDeclTag(value: String, on target: TypeID, component: Int = -1) throws(NodeError) -> TypeID {
    try checkNode(target, "addDeclTag '\(value)': the target")
    let k = kinds[target.index]
    guard !target.isVoid, [.structure, .union, .function, .variable, .typedef].contains(k) else {
      throw NodeError("addDeclTag '\(value)': the target is \(text(target)); a DECL_TAG tags a STRUCT, UNION, FUNC, VAR or TYPEDEF")
    }
    if component != -1 {
      let n: Int
      switch k {
      case .structure, .union: n = memberCount(target)
      case .function: n = kinds[refs[target.index].index] == .functionProto ? memberCount(refs[target.index]) : 0
      default: n = 0
      }
      guard component >= 0 && component < n else {
        throw NodeError("addDeclTag '\(value)': component \(component) of \(text(target)), which has \(n); -1 tags the node itself")
      }
    }
    let n = try requiredName(.declTag, value, "addDeclTag")
    return add(.declTag, name: n, ref: target, aux: UInt32(bitPattern: Int32(component)), flags: .synthesized)
  }
}
