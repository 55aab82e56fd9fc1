import Encode
import TypeGraph

/// The resolve pass (`btf_check_all_types`, `btf_resolve`): each kind's `resolve`, sizes and cycles.
extension KernelChecker {
  func btfCheckAllTypes() throws(Failure) {
    let n = Int(nrTypes)
    visit = [UInt8](repeating: Self.notVisited, count: n)
    resolvedIDs = [UInt32](repeating: 0, count: n)
    resolvedSizes = [UInt32](repeating: 0, count: n)
    checkMetaPhase = false
    for i in min(firstResolvedType, UInt32(n))..<UInt32(n) {
      logTypeID = i
      if needsResolve(i) && !isResolved(i) { try btfResolve(i) }
      if isFuncProto(i) { try btfFuncProtoCheck(i) }
    }
  }

  func isResolved(_ id: UInt32) -> Bool { Int(id) < visit.count && visit[Int(id)] == Self.resolved }

  func isResolveSink(_ next: UInt32) -> Bool {
    switch resolveMode {
    case .tbd: return !needsResolve(next)
    case .ptr: return !isModifier(next) && !isPtr(next)
    case .structOrArray: return !isModifier(next) && !isArray(next) && !isStruct(next)
    }
  }

  func stackPush(_ id: UInt32) throws(Failure) {
    if stack.count == 32 { throw .e2big }
    if visit[Int(id)] != Self.notVisited { throw .eexist }
    visit[Int(id)] = Self.visited
    stack.append((id, 0))
    if resolveMode == .tbd {
      if isPtr(id) {
        resolveMode = .ptr
      } else if isStruct(id) || isArray(id) {
        resolveMode = .structOrArray
      }
    }
  }

  func stackPopResolved(_ resolvedID: UInt32, _ size: UInt32) {
    let id = Int(stack.removeLast().id)
    resolvedSizes[id] = size
    resolvedIDs[id] = resolvedID
    visit[id] = Self.resolved
  }

  /// `btf_type_id_size`: the sized type `id` stands for and its size, or nil.
  func typeIDSize(_ id: UInt32) -> (id: UInt32, size: UInt32)? {
    guard exists(id), !nosize(id) else { return nil }
    if hasSize(id) { return (id, sizeType(id)) }
    if isArray(id) { return (id, resolvedSizes[Int(id)]) }
    if isPtr(id) { return (id, 8) }
    guard isModifier(id) || isVar(id) else { return nil }
    let r = resolvedIDs[Int(id)]
    guard exists(r), !nosize(r) else { return nil }
    if hasSize(r) { return (r, sizeType(r)) }
    if isArray(r) { return (r, resolvedSizes[Int(r)]) }
    if isPtr(r) { return (r, 8) }
    return nil
  }

  func btfResolve(_ t: UInt32) throws(Failure) {
    let saved = logTypeID
    resolveMode = .tbd
    try? stackPush(t)
    var err: Failure? = nil
    while err == nil, let top = stack.last {
      logTypeID = top.id
      do { try resolveOne(top.id, next: top.next) } catch { err = error }
    }
    logTypeID = t
    if err == .e2big {
      logType(t, "Exceeded max resolving depth:32")
    } else if err == .eexist {
      logType(t, "Loop detected")
    }
    if err == nil && !btfResolveValid(t) {
      logType(t, "Invalid resolve state")
      err = .inval
    }
    logTypeID = saved
    if let err { throw err }
  }

  /// `btf_type_ops(t)->resolve`.
  func resolveOne(_ t: UInt32, next: Int) throws(Failure) {
    guard let ops = kindOps(t) else { return try btfDfResolve(t, next) }
    try ops.resolve(self, t, next)
  }

  /// `btf_df_resolve`: the kinds that need no resolving never get here.
  func btfDfResolve(_ t: UInt32, _ next: Int) throws(Failure) {
    logType(t, details: false, "Unsupported resolve")
    throw .inval
  }

  /// `btf_func_resolve`.
  func btfFuncResolve(_ t: UInt32) throws(Failure) {
    try btfFuncCheck(t)
    stackPopResolved(sizeType(t), 0)
  }

  func btfModifierResolve(_ t: UInt32) throws(Failure) {
    var next = sizeType(t)
    if !exists(next) || resolveSourceOnly(next) {
      logType(t, "Invalid type_id")
      throw .inval
    }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    if let r = typeIDSize(next) {
      next = r.id
    } else {
      if isResolved(next) { next = resolvedIDs[Int(next)] }
      if !isVoid(next) && !isFwd(next) && !isFuncProto(next) {
        logType(t, "Invalid type_id")
        throw .inval
      }
    }
    stackPopResolved(next, 0)
  }

  func btfPtrResolve(_ t: UInt32) throws(Failure) {
    var next = sizeType(t)
    if !exists(next) || resolveSourceOnly(next) {
      logType(t, "Invalid type_id")
      throw .inval
    }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    if isModifier(next) {
      let r = resolvedIDs[Int(next)]
      if isPtr(r) && !isResolveSink(r) && !isResolved(r) { return try stackPush(r) }
    }
    if let r = typeIDSize(next) {
      next = r.id
    } else {
      if isResolved(next) { next = resolvedIDs[Int(next)] }
      if !isVoid(next) && !isFwd(next) && !isFuncProto(next) {
        logType(t, "Invalid type_id")
        throw .inval
      }
    }
    stackPopResolved(next, 0)
  }

  func btfVarResolve(_ t: UInt32) throws(Failure) {
    let next = sizeType(t)
    if !exists(next) || resolveSourceOnly(next) {
      logType(t, "Invalid type_id")
      throw .inval
    }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    if isModifier(next) {
      let r = resolvedIDs[Int(next)]
      if isPtr(r) && !isResolveSink(r) && !isResolved(r) { return try stackPush(r) }
    }
    guard let r = typeIDSize(next) else {
      logType(t, "Invalid type_id")
      throw .inval
    }
    stackPopResolved(r.id, 0)
  }

  func btfArrayResolve(_ t: UInt32) throws(Failure) {
    let index = word(t, 1)
    if nosizeOrNull(index) || resolveSourceOnly(index) {
      logType(t, "Invalid index")
      throw .inval
    }
    if !isResolveSink(index) && !isResolved(index) { return try stackPush(index) }
    guard let ri = typeIDSize(index), isInt(ri.id), intIsRegular(ri.id) else {
      logType(t, "Invalid index")
      throw .inval
    }
    let elem = word(t, 0)
    if nosizeOrNull(elem) || resolveSourceOnly(elem) {
      logType(t, "Invalid elem")
      throw .inval
    }
    if !isResolveSink(elem) && !isResolved(elem) { return try stackPush(elem) }
    guard let re = typeIDSize(elem) else {
      logType(t, "Invalid elem")
      throw .inval
    }
    if isInt(re.id) && !intIsRegular(re.id) {
      logType(t, "Invalid array of int")
      throw .inval
    }
    let nelems = word(t, 2)
    if nelems != 0 && re.size > UInt32.max / nelems {
      logType(t, "Array size overflows U32_MAX")
      throw .inval
    }
    stackPopResolved(re.id, re.size &* nelems)
  }

  func btfStructResolve(_ t: UInt32, _ next: Int) throws(Failure) {
    if next > 0 {
      let last = member(t, next - 1)
      guard isResolved(last.type) else { throw .inval }
      try checkMember(t, last, last.type)
    }
    for i in next..<vlen(t) {
      let m = member(t, i)
      if nosizeOrNull(m.type) || resolveSourceOnly(m.type) {
        logMember(t, m, "Invalid member")
        throw .inval
      }
      if !isResolveSink(m.type) && !isResolved(m.type) {
        stack[stack.count - 1].next = i + 1
        return try stackPush(m.type)
      }
      try checkMember(t, m, m.type)
    }
    stackPopResolved(0, 0)
  }

  func btfDatasecResolve(_ t: UInt32, _ next: Int) throws(Failure) {
    resolveMode = .tbd
    for i in next..<vlen(t) {
      let vt = word(t, 3 * i)
      let off = word(t, 3 * i + 1)
      let sz = word(t, 3 * i + 2)
      if !exists(vt) || !isVar(vt) {
        logVSI(t, vt, off, sz, "Not a VAR kind member")
        throw .inval
      }
      if !isResolveSink(vt) && !isResolved(vt) {
        stack[stack.count - 1].next = i + 1
        return try stackPush(vt)
      }
      guard let r = typeIDSize(sizeType(vt)) else {
        logVSI(t, vt, off, sz, "Invalid type")
        throw .inval
      }
      if sz < r.size {
        logVSI(t, vt, off, sz, "Invalid size")
        throw .inval
      }
    }
    stackPopResolved(0, 0)
  }

  func btfDeclTagResolve(_ t: UInt32) throws(Failure) {
    var next = sizeType(t)
    if !exists(next) || !isDeclTagTarget(next) {
      logType(t, "Invalid type_id")
      throw .inval
    }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    let target = next
    let comp = Int32(bitPattern: word(t, 0))
    if comp != -1 {
      if isVar(next) || isTypedef(next) {
        logType(t, "Invalid component_idx")
        throw .inval
      }
      let n: Int
      if isStruct(next) {
        n = vlen(next)
      } else {
        next = sizeType(next)
        n = exists(next) ? vlen(next) : 0
      }
      if UInt32(bitPattern: comp) >= UInt32(n) {
        logType(t, "Invalid component_idx")
        throw .inval
      }
    }
    stackPopResolved(target, 0)
  }

  func btfFuncCheck(_ t: UInt32) throws(Failure) {
    let proto = sizeType(t)
    if !exists(proto) || !isFuncProto(proto) {
      logType(t, "Invalid type_id")
      throw .inval
    }
    for i in 0..<vlen(proto) {
      let name = word(proto, 2 * i)
      let type = word(proto, 2 * i + 1)
      if name == 0 && type != 0 {
        logType(t, "Invalid arg#\(i + 1)")
        throw .inval
      }
    }
  }

  func btfFuncProtoCheck(_ t: UInt32) throws(Failure) {
    let ret = sizeType(t)
    if ret != 0 {
      if !exists(ret) {
        logType(t, "Invalid return type")
        throw .inval
      }
      if resolveSourceOnly(ret) {
        logType(t, "Invalid return type")
        throw .inval
      }
      if needsResolve(ret) && !isResolved(ret) { try btfResolve(ret) }
      if typeIDSize(ret) == nil {
        logType(t, "Invalid return type")
        throw .inval
      }
    }
    var n = vlen(t)
    if n == 0 { return }
    if word(t, 2 * (n - 1) + 1) == 0 {
      if word(t, 2 * (n - 1)) != 0 {
        logType(t, "Invalid arg#\(n)")
        throw .inval
      }
      n -= 1
    }
    for i in 0..<n {
      let name = word(t, 2 * i)
      let at = word(t, 2 * i + 1)
      if !exists(at) {
        logType(t, "Invalid arg#\(i + 1)")
        throw .inval
      }
      if resolveSourceOnly(at) {
        logType(t, "Invalid arg#\(i + 1)")
        throw .inval
      }
      if name != 0 && (!nameOffsetValid(name) || !nameValidIdentifier(name)) {
        logType(t, "Invalid arg#\(i + 1)")
        throw .inval
      }
      if needsResolve(at) && !isResolved(at) { try btfResolve(at) }
      if typeIDSize(at) == nil {
        logType(t, "Invalid arg#\(i + 1)")
        throw .inval
      }
    }
  }

  func btfResolveValid(_ t: UInt32) -> Bool {
    guard isResolved(t) else { return false }
    let i = Int(t)
    if isStruct(t) || isDatasec(t) { return resolvedIDs[i] == 0 && resolvedSizes[i] == 0 }
    if isDeclTag(t) || isFunc(t) { return resolvedIDs[i] != 0 && resolvedSizes[i] == 0 }
    if isModifier(t) || isPtr(t) || isVar(t) {
      let r = resolvedIDs[i]
      return exists(r) && !isModifier(r) && !isVar(r) && !isDatasec(r)
    }
    if isArray(t) {
      guard let e = typeIDSize(word(t, 0)) else { return false }
      return !isModifier(e.id) && word(t, 2) &* e.size == resolvedSizes[i]
    }
    return false
  }
}
