import Encode
import TypeGraph

/// btf.c's `struct btf_kind_operations`: what the checker does with a type of one kind. Each
/// operation is the kernel's function of the same name (`btf_struct_check_meta` is
/// `btfStructCheckMeta`), so a row reads like its original.
struct BTFKindOperations: Sendable {
  typealias Failure = KernelChecker.Failure
  typealias MemberRef = KernelChecker.MemberRef
  var checkMeta: @Sendable (KernelChecker, _ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32
  var resolve: @Sendable (KernelChecker, _ t: UInt32, _ next: Int) throws(Failure) -> Void
  var checkMember: @Sendable (KernelChecker, _ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) -> Void
  var checkKflagMember: @Sendable (KernelChecker, _ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) -> Void
  var logDetails: @Sendable (KernelChecker, _ t: UInt32) -> String
}

extension KernelChecker {
  /// btf.c's `kind_ops[]`, by kind number: one row per BTF kind (nil for 0, UNKN). A new
  /// kind is one row here and its functions.
  static let kindOps: [BTFKindOperations?] = {
    var ops = [BTFKindOperations?](repeating: nil, count: Int(KindLayout.kindCount))
    for kind in Kind.allCases where kind.isBTF { ops[Int(kind.rawValue)] = operations(kind) }
    return ops
  }()

  /// The row of `t`'s kind (`btf_type_ops`); nil for void and kinds the kernel does not know.
  @inline(__always) func kindOps(_ t: UInt32) -> BTFKindOperations? {
    guard t != 0 else { return nil }
    let k = Int(kindNumber(t))
    return k < Self.kindOps.count ? Self.kindOps[k] : nil
  }

  // The rows, named as in btf.c (`int_ops`, `ptr_ops`, `modifier_ops`…).
  private static func operations(_ kind: Kind) -> BTFKindOperations? {
    switch kind {
    case .int: intOps
    case .pointer: ptrOps
    case .array: arrayOps
    case .structure, .union: structOps
    case .enumeration: enumOps
    case .forward: fwdOps
    case .typedef, .volatile, .const, .restrict, .typeTag: modifierOps
    case .function: funcOps
    case .functionProto: funcProtoOps
    case .variable: varOps
    case .dataSection: datasecOps
    case .float: floatOps
    case .declTag: declTagOps
    case .enum64: enum64Ops
    case .unrepresentable, .void, .removed: nil
    }
  }

  private static let intOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfIntCheckMeta(t, left) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDfResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfIntCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfIntCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfIntLog(t) })

  private static let ptrOps = BTFKindOperations(
    checkMeta: { (c, t, _) throws(Failure) in try c.btfRefTypeCheckMeta(t) },
    resolve: { (c, t, _) throws(Failure) in try c.btfPtrResolve(t) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfPtrCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfGenericCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfRefTypeLog(t) })

  private static let modifierOps = BTFKindOperations(
    checkMeta: { (c, t, _) throws(Failure) in try c.btfRefTypeCheckMeta(t) },
    resolve: { (c, t, _) throws(Failure) in try c.btfModifierResolve(t) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfModifierCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfModifierCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfRefTypeLog(t) })

  private static let arrayOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfArrayCheckMeta(t, left) },
    resolve: { (c, t, _) throws(Failure) in try c.btfArrayResolve(t) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfArrayCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfGenericCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfArrayLog(t) })

  private static let structOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfStructCheckMeta(t, left) },
    resolve: { (c, t, next) throws(Failure) in try c.btfStructResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfStructCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfGenericCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfStructLog(t) })

  private static let enumOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfEnumCheckMeta(t, left) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDfResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfEnumCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfEnumCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfStructLog(t) })

  private static let enum64Ops = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfEnum64CheckMeta(t, left) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDfResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfEnumCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfEnumCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfStructLog(t) })

  private static let fwdOps = BTFKindOperations(
    checkMeta: { (c, t, _) throws(Failure) in try c.btfFwdCheckMeta(t) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDfResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfFwdTypeLog(t) })

  private static let funcOps = BTFKindOperations(
    checkMeta: { (c, t, _) throws(Failure) in try c.btfFuncCheckMeta(t) },
    resolve: { (c, t, _) throws(Failure) in try c.btfFuncResolve(t) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfRefTypeLog(t) })

  private static let funcProtoOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfFuncProtoCheckMeta(t, left) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDfResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfFuncProtoLog(t) })

  private static let varOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfVarCheckMeta(t, left) },
    resolve: { (c, t, _) throws(Failure) in try c.btfVarResolve(t) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfVarLog(t) })

  private static let datasecOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfDatasecCheckMeta(t, left) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDatasecResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfStructLog(t) })

  private static let floatOps = BTFKindOperations(
    checkMeta: { (c, t, _) throws(Failure) in try c.btfFloatCheckMeta(t) },
    resolve: { (c, t, next) throws(Failure) in try c.btfDfResolve(t, next) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfFloatCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfGenericCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfFloatLog(t) })

  private static let declTagOps = BTFKindOperations(
    checkMeta: { (c, t, left) throws(Failure) in try c.btfDeclTagCheckMeta(t, left) },
    resolve: { (c, t, _) throws(Failure) in try c.btfDeclTagResolve(t) },
    checkMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckMember(st, m, mt) },
    checkKflagMember: { (c, st, m, mt) throws(Failure) in try c.btfDfCheckKflagMember(st, m, mt) },
    logDetails: { c, t in c.btfDeclTagLog(t) })
}
