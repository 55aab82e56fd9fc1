/// `items` ordered by `key`, ascending; items with equal keys keep their order (a stable sort).
///
/// An LSD radix sort, 11 bits a pass, over only the bits in which some two keys differ: kernel
/// addresses share their top 38 bits and name ids fit in 21, so the ELF symbol table's sorts
/// (`ELFSymbols.finishFunctions`, the mcount table) take two or three passes each. Those ran
/// before the walkers start, on one thread, and `sort()` of packed keys (a merge sort) took
/// 15–20 ms of them on Debian's vmlinux. Being stable, a sort by a second key
/// after one by a first orders by (second, first).
package func stableRadixSorted<T>(_ items: ContiguousArray<T>, by key: (T) -> UInt64) -> ContiguousArray<T> {
  guard items.count > 1 else { return items }
  var any: UInt64 = 0
  var all: UInt64 = ~0
  for item in items {
    let k = key(item)
    any |= k
    all &= k
  }
  let varying = any ^ all
  let digitBits: UInt64 = 11
  let digitMask: UInt64 = (1 << digitBits) - 1
  var current = items
  var next = items // every slot is written in each pass
  var starts = ContiguousArray<Int>(repeating: 0, count: 1 << digitBits)
  var shift: UInt64 = 0
  while varying >> shift != 0 {
    defer { shift += digitBits }
    if (varying >> shift) & digitMask == 0 { continue } // every key has the same digit here
    for d in starts.indices { starts[d] = 0 }
    for item in current { starts[Int((key(item) >> shift) & digitMask)] += 1 }
    var total = 0
    for d in starts.indices {
      let n = starts[d]
      starts[d] = total
      total += n
    }
    next.withUnsafeMutableBufferPointer { out in
      for item in current {
        let d = Int((key(item) >> shift) & digitMask)
        out[starts[d]] = item
        starts[d] += 1
      }
    }
    swap(&current, &next)
  }
  return current
}
