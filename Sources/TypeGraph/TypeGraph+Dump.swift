/// The graph in bpftool's raw format (`bpftool btf dump file F format raw`), with ids densely
/// renumbered in encoding order: every node that is neither `void` nor `removed` gets the next
/// number, references to void nodes print as 0. For a graph that holds only BTF kinds this is
/// exactly what bpftool prints for the encoded file; graph-only kinds print as
/// `UNREPRESENTABLE` lines carrying their DWARF tag.
extension TypeGraph {
  /// The live nodes (neither `void` nor `removed`, nor nodes of the split base, which are
  /// never written) in the order the encoder writes them: `byValueOrder()`, derived from the
  /// graph as it is, so that no pass keeps an order up to date. Every BTF writer and reader of
  /// this graph goes through this one function, so dumps and encoded ids always agree.
  public func encodingSequence() -> [TypeID] {
    let base = splitBase?.nodes ?? 0..<0
    return byValueOrder().filter { !base.contains($0.index) }
  }

  /// Dense encoding-order ids: `numbering[id]` is the BTF id of node `id`, 0 for void nodes,
  /// -1 for removed ones. With a split base, base nodes have their base ids and the written
  /// nodes continue after the base's last id.
  public func encodingOrder() -> ContiguousArray<Int32> { encodingOrder(of: encodingSequence()) }

  /// `encodingOrder()` for the `encodingSequence()` the caller already has.
  public func encodingOrder(of sequence: [TypeID]) -> ContiguousArray<Int32> {
    var out = ContiguousArray<Int32>(repeating: -1, count: count)
    out[0] = 0
    for i in 1..<count where kinds[i] == .void { out[i] = 0 }
    var next: Int32 = 1
    if let base = splitBase {
      for i in base.nodes where kinds[i] != .removed { out[i] = Int32(base.baseID(TypeID(i))) }
      next = Int32(base.typeCount)
    }
    for id in sequence {
      out[id.index] = next
      next += 1
    }
    return out
  }

  public func dump() -> String {
    let sequence = encodingSequence()
    let order = encodingOrder(of: sequence)
    var out = ""
    out.reserveCapacity(count * 48)
    func q(_ n: NameID) -> String { n.isEmpty ? "'(anon)'" : "'" + strings.string(n) + "'" }
    func r(_ t: TypeID) -> String {
      let v = order[t.index]
      return v < 0 ? "?\(t.rawValue)" : String(v)
    }
    for id in sequence {
      let i = id.index
      let k = kinds[i]
      out += "[\(order[i])] \(k.btfName) \(q(names[i]))"
      let size = sizes[i]
      let ref = refs[i]
      let aux = auxes[i]
      let signed = flags[i].contains(.signed)
      switch k {
      case .int:
        out += " size=\(size) " + IntEncoding.logText(aux)
      case .pointer, .const, .volatile, .restrict, .typedef:
        out += " type_id=\(r(ref))"
      case .typeTag:
        out += " type_id=\(r(ref))" + (aux != 0 ? " kind_flag=1" : "")
      case .array:
        out += " type_id=\(r(ref)) index_type_id=\(r(arrayIndexTypeID)) nr_elems=\(aux)"
      case .structure, .union:
        out += " size=\(size) vlen=\(memberCount(id))"
        for m in memberRange(id) {
          out += "\n\t\(q(memberNames[m])) type_id=\(r(memberTypes[m])) bits_offset=\(memberValues[m])"
          if memberBits[m] != 0 { out += " bitfield_size=\(memberBits[m])" }
        }
      case .enumeration, .enum64:
        out += " encoding=\(signed ? "SIGNED" : "UNSIGNED") size=\(size) vlen=\(memberCount(id))"
        for m in memberRange(id) {
          let v = memberValues[m]
          let text: String
          if k == .enumeration {
            text = signed ? String(Int32(truncatingIfNeeded: v)) : String(UInt32(truncatingIfNeeded: v))
          } else {
            // bpftool prints ENUM64 values as C literals: `-1LL`, `18446744073709551615ULL`.
            text = signed ? String(Int64(bitPattern: v)) + "LL" : String(v) + "ULL"
          }
          out += "\n\t\(q(memberNames[m])) val=\(text)"
        }
      case .forward:
        out += " fwd_kind=\(aux == 1 ? "union" : "struct")"
      case .function:
        out += " type_id=\(r(ref)) linkage=\(aux == 0 ? "static" : aux == 1 ? "global" : "extern")"
      case .functionProto:
        out += " ret_type_id=\(r(ref)) vlen=\(memberCount(id))"
        for m in memberRange(id) { out += "\n\t\(q(memberNames[m])) type_id=\(r(memberTypes[m]))" }
      case .variable:
        out += " type_id=\(r(ref)), linkage=\(aux == 0 ? "static" : aux == 1 ? "global" : "extern")"
      case .dataSection:
        out += " size=\(size) vlen=\(memberCount(id))"
        for m in memberRange(id) {
          let v = memberTypes[m]
          out += "\n\ttype_id=\(r(v)) offset=\(memberValues[m]) size=\(memberBits[m]) (\(kinds[v.index].btfName) \(q(names[v.index])))"
        }
      case .float:
        out += " size=\(size)"
      case .declTag:
        out += " type_id=\(r(ref)) component_idx=\(Int32(bitPattern: aux))"
      case .unrepresentable:
        out += " tag=\(DWARFTag.name(dwarfTags[i])) size=\(size) type_id=\(r(ref)) vlen=\(memberCount(id))"
        for m in memberRange(id) {
          out += "\n\t\(q(memberNames[m])) type_id=\(r(memberTypes[m])) value=\(memberValues[m]) bits=\(memberBits[m])"
        }
      case .void, .removed:
        break
      }
      out += "\n"
    }
    return out
  }
}
