import TypeGraph

// The reasons `tag-kfuncs` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension TagKfuncs {
  /// Why `tag-kfuncs` decided what it did.
  public enum Reason: WordedReason {
    /// A kfunc (its name in a `.BTF_ids` kfunc set): DECL_TAG `bpf_kfunc` on its FUNC, and
    /// `bpf_fastcall` too when its flags have `KF_FASTCALL`.
    case kfuncTagged(fastcall: Bool)
    /// A kfunc flagged `KF_ARENA_RET`/`KF_ARENA_ARG1`/`KF_ARENA_ARG2`: those pointers now point
    /// through a TYPE_TAG attribute `address_space(1)`, in a new FUNC_PROTO; `sharedPrototype`
    /// when other nodes keep using the old one.
    case arenaAddressSpace(returnValue: Bool, parameters: [Int], sharedPrototype: Bool)
    /// A kfunc's FUNC_PROTO that nothing uses once the kfunc has its arena-tagged copy.
    case prototypeReplaced
  }
}

extension TagKfuncs.Reason {
  public var pieces: [ReasonPiece] {
    switch self {
    case .kfuncTagged(let fastcall):
      return [
        .text("a kfunc (listed in a .BTF_ids kfunc set): DECL_TAG 'bpf_kfunc'" + (fastcall ? " and 'bpf_fastcall' (KF_FASTCALL)" : ""))
      ]
    case .arenaAddressSpace(let returnValue, let parameters, let sharedPrototype):
      var what: [String] = []
      if returnValue { what.append("the return value") }
      what += parameters.map { "parameter \($0)" }
      return [
        .text(
          "an arena kfunc (KF_ARENA_*): the pointee of " + what.joined(separator: " and ")
            + " tagged with TYPE_TAG attribute 'address_space(1)'"),
        .text(sharedPrototype ? ", in a FUNC_PROTO of its own (others keep the old one)" : ", in a new FUNC_PROTO"),
      ]
    case .prototypeReplaced: return [.text("the prototype of a kfunc, replaced by its copy with arena pointers, used by nothing else")]
    }
  }
}
