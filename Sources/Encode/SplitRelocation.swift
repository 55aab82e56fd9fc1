import TypeGraph

/// What the kernel does with a module's `.BTF.base` when it loads the module: it relocates the
/// module's split BTF from the distilled base onto the running vmlinux's BTF (`btf_relocate`,
/// kernel/bpf/btf_relocate.c, the same file as libbpf's `btf__relocate`). rustbtf runs it to
/// check what it writes (a module must relocate onto the base it was built against) and tests
/// run it onto other bases, as a kernel the module was not built for does.
///
/// The rules, as the kernel applies them:
/// - The distilled base may hold only named INT, FLOAT, ENUM, STRUCT, UNION and FWD types.
/// - Each distilled type is matched to the base types of the same name:
///   - INT: same size and the same encoding (signed, char, bool);
///   - FLOAT: same size;
///   - ENUM: an ENUM or ENUM64 of the same size;
///   - FWD: a FWD of the same kind_flag, or a STRUCT (kind_flag 0) or UNION (kind_flag 1);
///   - STRUCT, UNION: a STRUCT, UNION or FWD of that name; the size must match too when the
///     base has several composites of that name, or when a split struct or union embeds the
///     type (a member reaching it through CONST, VOLATILE, RESTRICT, TYPEDEF, TYPE_TAG and
///     ARRAY, but not a pointer).
/// - A distilled type with no match, or with two, fails the relocation (the module then loads
///   without BTF, or not at all without `CONFIG_MODULE_ALLOW_BTF_MISMATCH`).
/// - The split's own ids move up by `base count - distilled count`, its references to the
///   distilled base go to the matched ids, its own strings move up by the difference of the
///   string section lengths, and its references to distilled names go to the base's names.
public enum SplitRelocation {
  /// Marks a distilled struct or union that a split struct or union embeds (the kernel's
  /// `BTF_IS_EMBEDDED`).
  private static let embedded = UInt32.max

  /// `split` (split BTF on top of `distilledBase`), rewritten as split BTF on top of `base`.
  /// Throws `EncodeError` with the kernel's reason (its log line, with rustbtf's context) when
  /// the kernel would refuse the relocation.
  /// - Complexity: O(base records · log(distilled types) + split bytes).
  public static func relocate(split splitBytes: [UInt8], distilledBase: [UInt8], onto baseBytes: [UInt8]) throws(EncodeError) -> [UInt8] {
    let dist = try WireBTF(distilledBase, what: "distilled base BTF")
    let base = try WireBTF(baseBytes, what: "base BTF")
    let split = try WireBTF(splitBytes, firstID: dist.endID, firstStringOffset: dist.stringLength, what: "split BTF")
    let distCount = dist.endID
    let baseCount = base.endID // void included
    let total = split.endID

    // btf_relocate_validate_distilled_base
    for id in 1..<distCount {
      let rec = dist.record(id)
      switch dist.kind(rec) {
      case .int, .float, .enumeration, .structure, .union, .forward:
        if dist.nameOffset(rec) == 0 {
          throw EncodeError("type [\(id)], kind [\(dist.kind(rec).rawValue)] is invalid for distilled base BTF; it is anonymous")
        }
      default:
        throw EncodeError("type [\(id)] in distilled based BTF has unexpected kind [\(dist.kind(rec).rawValue)]")
      }
    }

    // Split ids move up; distilled ids are found below.
    var map = [UInt32](repeating: 0, count: total)
    for id in distCount..<total { map[id] = UInt32(id + baseCount - distCount) }

    // The distilled types by (name, size descending), as the kernel sorts them.
    struct Entry {
      var name: Range<Int>
      var size: UInt32
      var id: Int
    }
    var entries: [Entry] = []
    entries.reserveCapacity(distCount)
    for id in 1..<distCount {
      let rec = dist.record(id)
      entries.append(Entry(name: try dist.string(at: dist.nameOffset(rec)), size: dist.sizeOrType(rec), id: id))
    }
    func precedes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool { a.lexicographicallyPrecedes(b) }
    entries.sort { x, y in
      let a = dist.bytes[x.name]
      let b = dist.bytes[y.name]
      if a != b { return precedes(a, b) }
      return x.size > y.size
    }

    // btf_mark_embedded_composite_type_ids
    func record(_ id: Int) throws(EncodeError) -> (WireBTF, BTFDecoder.RecordPosition) {
      guard id > 0, id < total else { throw EncodeError("split BTF refers to type \(id), but there are only \(total - 1) types") }
      return id < distCount ? (dist, dist.record(id)) : (split, split.record(id))
    }
    for rec in split.records where split.kind(rec) == .structure || split.kind(rec) == .union {
      try WireFields.typeIDs(rec) { (at) throws(EncodeError) in
        var next = Int(split.reader.u32(at))
        while next != 0 {
          let (blob, r) = try record(next)
          switch blob.kind(r) {
          case .const, .restrict, .volatile, .typedef, .typeTag:
            next = Int(blob.sizeOrType(r))
          case .array:
            next = Int(blob.reader.u32(r.pos + 12))
          case .structure, .union:
            if next < distCount { map[next] = embedded }
            next = 0
          default:
            next = 0
          }
        }
      }
    }

    // btf_relocate_map_distilled_base: composite names the base has more than once.
    var nameCount = [UInt8](repeating: 0, count: base.stringLength)
    for rec in base.records {
      let k = base.kind(rec)
      let off = Int(base.nameOffset(rec))
      if (k == .structure || k == .union) && off != 0 && off < nameCount.count && nameCount[off] < 255 { nameCount[off] += 1 }
    }
    var strMap = [UInt32](repeating: 0, count: dist.stringLength)
    for (k, rec) in base.records.enumerated() {
      let id = k + 1
      let nameOff = base.nameOffset(rec)
      if nameOff == 0 { continue }
      let baseKind = base.kind(rec)
      let needsSize: Bool
      switch baseKind {
      case .int, .float, .enumeration, .enum64: needsSize = true
      case .forward: needsSize = false
      case .structure, .union: needsSize = Int(nameOff) < nameCount.count && nameCount[Int(nameOff)] > 1
      default: continue
      }
      let name = base.bytes[try base.string(at: nameOff)]
      let size = base.sizeOrType(rec)
      // The first entry of this name (and size), then every equal one.
      var low = 0
      var high = entries.count
      while low < high {
        let mid = (low + high) / 2
        let e = entries[mid]
        let en = dist.bytes[e.name]
        let before = en != name ? precedes(en, name) : (needsSize && e.size > size)
        if before { low = mid + 1 } else { high = mid }
      }
      var i = low
      while i < entries.count, dist.bytes[entries[i].name] == name, !needsSize || entries[i].size == size {
        defer { i += 1 }
        let e = entries[i]
        let d = dist.record(e.id)
        switch dist.kind(d) {
        case .forward:
          switch baseKind {
          case .forward: if dist.kindFlag(d) != base.kindFlag(rec) { continue }
          case .structure: if base.kindFlag(rec) { continue }
          case .union: if !base.kindFlag(rec) { continue }
          default: continue
          }
        case .int:
          // BTF_INT_ENCODING: bits 24-27 of the int word.
          if baseKind != .int || (base.reader.u32(rec.pos + 12) >> 24) & 0xf != (dist.reader.u32(d.pos + 12) >> 24) & 0xf { continue }
        case .float:
          if baseKind != .float { continue }
        case .enumeration:
          if baseKind != .enumeration && baseKind != .enum64 { continue }
        case .structure, .union:
          if map[e.id] == embedded && size != e.size { continue }
        default:
          continue
        }
        if map[e.id] != 0 && map[e.id] != embedded {
          throw EncodeError(
            """
            distilled base BTF type '\(String(decoding: name, as: UTF8.self))' [\(e.id)], size \(size) has multiple candidates of the \
            same size (ids [\(id), \(map[e.id])]) in base BTF
            """
          )
        }
        map[e.id] = UInt32(id)
        strMap[Int(dist.nameOffset(d))] = nameOff
      }
    }
    for id in 1..<distCount where map[id] == 0 || map[id] == embedded {
      let rec = dist.record(id)
      throw EncodeError(
        """
        distilled base BTF type '\(dist.text(at: dist.nameOffset(rec)))' [\(id)] is not mapped to base BTF id \
        (\(describeDistilled(dist, rec, embedded: map[id] == embedded)))
        """
      )
    }

    // The split, rewritten.
    var types = ByteWriter()
    types.bytes = Array(split.bytes[split.sections.types])
    let shiftStrings = UInt32(base.stringLength) &- UInt32(dist.stringLength)
    for (k, rec) in split.records.enumerated() {
      let at = BTFDecoder.RecordPosition(pos: rec.pos - split.sections.types.lowerBound, info: rec.info)
      try WireFields.typeIDs(at) { (field) throws(EncodeError) in
        let v = Int(types.get32(field))
        guard v < total else {
          throw EncodeError("split BTF: type [\(split.firstID + k)] refers to type \(v), but there are only \(total - 1) types")
        }
        types.set32(field, map[v])
      }
      try WireFields.strings(at) { (field) throws(EncodeError) in
        let off = types.get32(field)
        if off == 0 { return }
        if Int(off) >= dist.stringLength {
          types.set32(field, off &+ shiftStrings)
        } else if strMap[Int(off)] != 0 {
          types.set32(field, strMap[Int(off)])
        } else {
          throw EncodeError("split BTF: type [\(split.firstID + k)]: string at offset \(off) is not mapped to base BTF")
        }
      }
    }
    var out = ByteWriter()
    out.btfHeader(typeLength: types.bytes.count, stringLength: split.stringLength)
    out.bytes += types.bytes
    out.bytes += split.bytes[split.sections.strings]
    return out.bytes
  }

  private static func describeDistilled(_ dist: WireBTF, _ rec: BTFDecoder.RecordPosition, embedded: Bool) -> String {
    let kind = dist.kind(rec)
    var s = "\(kind.btfName)"
    if kind != .forward { s += " size \(dist.sizeOrType(rec))" }
    if embedded { s += ", embedded in a split struct, so the size must match" }
    return s
  }
}
