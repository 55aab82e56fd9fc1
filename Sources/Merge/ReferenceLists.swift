import TypeGraph

/// Every node's reference slots (`TypeGraph.forEachReference`, in its order) flattened into one
/// column, for `Dedup`'s refinement: its rounds read each node's references several times (five
/// rounds on a range of a kernel's units), and a read here is two loads from one array, where
/// `forEachReference` looks at the node's kind, its row in `KindInfo`, its member count and
/// start, and three columns.
struct ReferenceLists {
  /// Node i's references are `targets[starts[i]..<starts[i + 1]]`, as node indices.
  private(set) var starts: ContiguousArray<Int32>
  private(set) var targets: ContiguousArray<Int32>

  /// `definitions`: a reference to a node with a definition there (not void) is listed as a
  /// reference to its definition.
  init(_ g: TypeGraph, through definitions: ContiguousArray<TypeID>? = nil) {
    let n = g.count
    var starts = ContiguousArray<Int32>(repeating: 0, count: n + 1)
    var total = 0
    for i in 0..<n {
      starts[i] = Int32(total)
      total += g.referenceCount(of: TypeID(i))
    }
    starts[n] = Int32(total)
    var targets = ContiguousArray<Int32>(repeating: 0, count: total)
    targets.withUnsafeMutableBufferPointer { out in
      var at = 0
      for i in 0..<n {
        g.forEachReference(of: TypeID(i)) { t in
          out[at] = Int32(t.index)
          at += 1
        }
      }
      if let definitions {
        for k in out.indices where !definitions[Int(out[k])].isVoid { out[k] = definitions[Int(out[k])].rawValue }
      }
    }
    self.starts = starts
    self.targets = targets
  }

  /// The same references the other way: node i's `targets` are the nodes that refer to it (once
  /// per slot), in id order.
  func reversed() -> ReferenceLists {
    let n = starts.count - 1
    var back = ReferenceLists(count: n, total: targets.count)
    for t in targets { back.starts[Int(t) + 1] += 1 }
    for i in 0..<n { back.starts[i + 1] += back.starts[i] }
    var fill = back.starts
    for i in 0..<n {
      for k in slots(i) {
        let t = Int(targets[k])
        back.targets[Int(fill[t])] = Int32(i)
        fill[t] += 1
      }
    }
    return back
  }

  private init(count n: Int, total: Int) {
    starts = ContiguousArray(repeating: 0, count: n + 1)
    targets = ContiguousArray(repeating: 0, count: total)
  }

  /// The slots of node `i` as a range of `targets`.
  @inline(__always) func slots(_ i: Int) -> Range<Int> { Int(starts[i])..<Int(starts[i + 1]) }
}

extension ReferenceLists {
  /// The hash of node `i`'s signature in a refinement round: its class, then its references'
  /// classes in slot order.
  @inline(__always) func signatureHash(_ i: Int, classes: ContiguousArray<Int32>) -> UInt64 {
    var h = UInt64(bitPattern: Int64(classes[i])) &* 0x9E37_79B9_7F4A_7C15
    for k in slots(i) { h = mix(h, UInt64(UInt32(bitPattern: classes[Int(targets[k])]))) }
    return h
  }

  /// Nodes `a` and `b` have equal signatures: the same class, and slot by slot references of
  /// the same class.
  @inline(__always) func sameSignature(_ a: Int, _ b: Int, classes: ContiguousArray<Int32>) -> Bool {
    guard classes[a] == classes[b] else { return false }
    let sa = Int(starts[a])
    let sb = Int(starts[b])
    let n = Int(starts[a + 1]) - sa
    guard n == Int(starts[b + 1]) - sb else { return false }
    for k in 0..<n where classes[Int(targets[sa + k])] != classes[Int(targets[sb + k])] { return false }
    return true
  }
}
