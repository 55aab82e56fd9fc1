import TypeGraph

/// `dedup`: merges structurally equal nodes across compile units.
///
/// Equality is the coarsest bisimulation over the graph (partition refinement, as in DFA
/// minimisation): two nodes are equal when their own labels (kind, name, size, aux word,
/// signedness, member names, offsets and bit sizes) are equal and the nodes they reference are
/// equal in turn. Cycles need no special case (two copies of a self-referencing list type are
/// equal), anonymous types merge exactly when their surroundings match, and reference types are
/// canonicalised like any other node. VARs and DATASECs never merge (libbpf's rule).
///
/// Phases (each its own function): `resolveForwards` (Dedup+Forwards.swift) points forward
/// declarations — FWD nodes and enum declarations without enumerators — at the definition of
/// their name when all definitions of that name have the same shallow layout (libbpf lets a FWD
/// match a same-named struct and a forward enum a same-named enum for the same reason: a compile
/// unit that only sees `struct task_struct *` has a FWD, and without this every type that
/// reaches it differs between units); `initialClasses` groups nodes by label; `refine` splits
/// classes by the classes of their references until nothing splits; `merge` keeps the lowest id
/// of each class, points every reference at it and turns the others into tombstones, and lets
/// arrays use the input's own `int` as index type instead of a synthesized one (as pahole
/// does).
///
/// With a split base (`TypeGraph.splitBase`, module BTF on top of vmlinux's), the base's types
/// take part in the classes, so the module's copies of them merge into them; base nodes are
/// never merged or rewritten, and a module forward declaration may resolve to a base
/// definition.
///
/// `forceCollisions` (pipeline text `dedup<force-collisions>`, libbpf's `force_collisions`)
/// makes every hash equal, so that every lookup takes the equality path; the result must be the
/// same. A debugging aid: it makes the pass quadratic.
///
/// - Complexity: O((nodes + references) × log nodes) for the refinement (`refine`), linear in
///   practice. No dictionary: every lookup is a `ClassTable`.
public struct Dedup: Pass {
  public static let name = "dedup"
  public static let summary = "merge structurally equal types across compile units (cycles and anonymous types included)"

  public var forceCollisions: Bool

  /// Nodes grouped by the refinement in the last run, the pass's work (DWARFShapeTests bounds
  /// it on a long chain of anonymous pointers).
  var signatures = 0
  var maxRounds = Dedup.defaultMaxRounds
  /// false: FUNC nodes and the prototypes they point at stay one per DIE (each a class of its
  /// own), the rest merges as usual.
  /// Only for measurements of dedup before the other passes (rustbtf-order-audit, issue 19);
  /// the registry's `dedup` always merges FUNCs.
  package var mergesFunctions = true
  /// true: a named node's namespace path (`scopes`) and every node's Rust flag are part of its
  /// label, so named copies of different paths, or copies of different languages, never merge
  /// (anonymous nodes, prototypes above all, carry the path of where they were declared, which
  /// no pass reads). Only for the same measurements.
  package var labelsScopeAndLanguage = false
  /// false: a synthesized array index type keeps its place instead of giving way to the input's
  /// own `int` (`canonicalizeRange`: a range of units may not hold the `int` the whole input does).
  var adoptsInputInt = true
  /// false: forward declarations are left as they are (`resolveForwards` is skipped). Only for
  /// the same measurements: a dedup of part of the input (one range of units) cannot know
  /// whether a name it sees defined once is defined differently elsewhere.
  package var resolvesForwards = true

  public init(forceCollisions: Bool = false) { self.forceCollisions = forceCollisions }

  public static let descriptor = PassDescriptor(
    Dedup.self,
    parameterHelp: "force-collisions (debug: every hash equal, to exercise the equality checks; quadratic)"
  ) { params in
    try params.checkKnown(["force-collisions"])
    return Dedup(forceCollisions: params.has("force-collisions"))
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    signatures = 0
    let forwards = resolvesForwards ? resolveForwards(&graph) : 0
    let merged: Int
    do {
      var (classes, classCount) = initialClasses(graph)
      classCount = refine(graph, &classes, count: classCount)
      merged = merge(&graph, &classes, classCount: classCount)
    }
    return merged + forwards > 0 ? .changed : .unchanged
  }

  /// Dedup at import (issue 19): merges the copies in the graph of one range of units, as the
  /// range's walker has just built it, before it joins the others (`DWARFImportOptions.canonicalizeRange`).
  /// The key is the one the passes cannot tell apart (FINDINGS.md of Tools/OrderAudit): a named
  /// node's namespace path and every node's Rust flag are part of its label, and FUNCs and their
  /// prototypes stay one per DIE, so every pass decides the same on a class as on each of its
  /// copies. The synthesized array index type is not replaced (the range may not hold the input's
  /// `int`; the final `dedup` does it). `pinned` nodes (those with references the range could not
  /// resolve yet) stay apart. Returns the nodes merged away (each a tombstone with a merge row of
  /// the graph's log) and the definitions forward declarations were resolved to.
  package static func canonicalizeRange(_ g: inout TypeGraph, pinned: ContiguousArray<Bool>) -> RangeCanonicalization {
    var dedup = Dedup()
    dedup.labelsScopeAndLanguage = true
    dedup.mergesFunctions = false
    dedup.adoptsInputInt = false
    // An anonymous node whose kind needs a name is named after its DIE offset by sanitize-names:
    // its copies get names of their own, so they do not merge here either. So may an anonymous
    // base type (INT, FLOAT), which lower-rust makes a TYPEDEF first when it is Rust's (found by
    // the fuzzer: two such copies merged here, and were two TYPEDEFs without dedup at import).
    var pinned = pinned
    for i in 1..<g.count where g.name(TypeID(i)).isEmpty {
      let kind = g.kind(TypeID(i))
      if kind.info.name == .identifier || kind == .int || kind == .float { pinned[i] = true }
    }
    pinTypesOfRepeatedRustMembers(g, &pinned)
    // Forward declarations resolved within the range, as the whole input's dedup would if no
    // other range defined their key differently (most of a C range's copies differ only by
    // reaching a declaration or a definition): the conversion checks the range's choice
    // against the whole input's (`wholeInputForwardTargets`) and converts again without dedup
    // at import when they differ.
    //
    // No reference is pointed at the node it now stands for, neither a declaration's at its
    // definition nor a copy's at its representative: `DWARFWalker.absorb` maps every reference of
    // the range as it appends it, through the merges the log holds, so rewriting the range's
    // columns first (twice) was work for nothing: 3% of the walkers' samples on Debian's vmlinux,
    // 1.5% of the instructions on `vmlinux.rust`. The refinement reads references through the
    // declarations' definitions instead.
    var baseForwards: [(forward: TypeID, definition: TypeID)] = []
    let (definitions, resolved) = dedup.forwardDefinitions(g, baseForwards: &baseForwards, apart: pinned)
    if resolved > 0 { dedup.mergeForwards(&g, definitions) }
    let forwardTargets = resolved > 0 ? Array(g.decisions.mergedTargets) : []
    var (classes, classCount) = dedup.initialClasses(g, pinned: pinned)
    classCount = dedup.refine(g, &classes, count: classCount, through: resolved > 0 ? definitions : nil)
    let merged = dedup.merge(&g, &classes, classCount: classCount, rewritesReferences: false)
    return RangeCanonicalization(merged: resolved + merged, forwardTargets: forwardTargets)
  }

  /// lower-rust drops a member of a Rust struct or union that repeats an earlier one, type *node*
  /// included (`TypeGraph.repeatedMembers`), and so also in the union it makes of a variant part,
  /// one member per field of each variant (`RustEnums`). Whether two copies of a type were merged
  /// then decides (found by the fuzzer: with dedup at import a variant was dropped that was kept
  /// without). So the types of members that would repeat one another but for their type nodes
  /// (`TypeGraph.repeatButForTypeNodes`), in one struct or among one variant part's variants,
  /// stay apart here. rustc's own output has none but for a coroutine's repeated captures, whose
  /// type is one node.
  private static func pinTypesOfRepeatedRustMembers(_ g: TypeGraph, _ pinned: inout ContiguousArray<Bool>) {
    func pin(_ a: Int, _ b: Int) {
      pinned[g.memberTypes[a].index] = true
      pinned[g.memberTypes[b].index] = true
    }
    var fields = ContiguousArray<Int>() // member rows
    for i in 1..<g.count {
      let id = TypeID(i)
      let kind = g.kind(id)
      fields.removeAll(keepingCapacity: true)
      if kind == .unrepresentable {
        for entry in g.memberRange(id) where g.memberTypes[entry].index < g.count {
          fields.append(contentsOf: g.memberRange(g.memberTypes[entry]))
        }
      } else if g.dropsRepeatedMembers(id) && g.memberCount(id) > 1 {
        fields.append(contentsOf: g.memberRange(id))
      }
      guard fields.count > 1 else { continue }
      if fields.count > 32 {
        fields.sort { g.memberNames[$0] < g.memberNames[$1] }
        var start = 0
        while start < fields.count {
          var end = start + 1
          while end < fields.count && g.memberNames[fields[end]] == g.memberNames[fields[start]] { end += 1 }
          if end - start > 64 && !g.memberNames[fields[start]].isEmpty {
            for a in start..<end { pinned[g.memberTypes[fields[a]].index] = true } // many of one name: all, not pairs
          } else if end - start > 1 && !g.memberNames[fields[start]].isEmpty {
            for a in start + 1..<end {
              for b in start..<a where g.repeatButForTypeNodes(fields[a], fields[b]) { pin(fields[a], fields[b]) }
            }
          }
          start = end
        }
        continue
      }
      // Most have a few members: pairs compared, no sort, no set.
      for a in 1..<fields.count where !g.memberNames[fields[a]].isEmpty {
        for b in 0..<a where g.repeatButForTypeNodes(fields[a], fields[b]) { pin(fields[a], fields[b]) }
      }
    }
  }

  // MARK: Phases

  /// A hash, or one constant for every key under `forceCollisions`.
  func hashed(_ h: UInt64) -> UInt64 { forceCollisions ? 0x5eed : h }

  /// Class 0 is void (type 0 and every `.void` node); nodes that never merge and tombstones get
  /// classes of their own.
  /// Returns each node's class and the number of classes (void's included).
  private func initialClasses(_ g: TypeGraph, pinned: ContiguousArray<Bool>? = nil) -> (ContiguousArray<Int32>, Int) {
    var classes = ContiguousArray<Int32>(repeating: 0, count: g.count)
    // Sized for a kernel's classes, but not past the nodes: a range at import holds a few
    // thousand, and a table that is cleared whole each time costs more than its lookups.
    var table = ClassTable(capacity: min(g.count, 1 << 16))
    var perDIE = ContiguousArray<Bool>()
    if !mergesFunctions {
      perDIE = ContiguousArray(repeating: false, count: g.count)
      for i in 1..<g.count where g.kind(TypeID(i)) == .function {
        perDIE[i] = true
        perDIE[g.ref(TypeID(i)).index] = g.kind(g.ref(TypeID(i))) == .functionProto
      }
    }
    for i in 1..<g.count {
      let id = TypeID(i)
      let kind = g.kind(id)
      if kind == .void {
        classes[i] = 0
      } else if !Self.mayMerge(kind) || (!mergesFunctions && perDIE[i]) || pinned?[i] == true {
        classes[i] = table.unique()
      } else {
        classes[i] = table.classOf(id, hash: hashed(labelHash(g, id))) { a, b in labelsEqual(g, a, b) }
      }
    }
    return (classes, Int(table.count) + 1)
  }

  /// Splits classes until every member of a class refers, slot by slot, to nodes of equal
  /// classes. Classes are renumbered each round (in order of their first node).
  ///
  /// After the first round only a class with a member that refers to a class that has just
  /// split can split: the members of any other class were equal and still refer to equal
  /// classes. Such a clean class moves to the next round whole, with no hashing and no table
  /// lookup; on a distribution vmlinux the later rounds split a few thousand of 400,000
  /// classes, so most of their work is skipped. The partition is the same either way (the
  /// coarsest stable one is unique).
  /// Rounds over every node settle a kernel in a few (Debian's vmlinux: 6) at little cost
  /// in memory, but need one round per level of the deepest difference: a chain of N anonymous
  /// pointers (each differs from the next only by its distance from `int`) took N rounds of
  /// every node. After `maxRounds` (8) the rest of the work goes to `refineByBatches`, whose
  /// work is bounded by what changes, not by the graph.
  /// Returns the number of classes (void's included).
  /// `definitions`: references to a forward declaration with a definition there read as
  /// references to it (dedup at import, which rewrites no reference).
  private mutating func refine(
    _ g: TypeGraph, _ classes: inout ContiguousArray<Int32>, count initialCount: Int, through definitions: ContiguousArray<TypeID>? = nil
  ) -> Int {
    let lists = ReferenceLists(g, through: definitions)
    var count = initialCount
    // Per class of `classes`: it comes from a class that split in the last round (nil before
    // the first round: every class counts as such).
    var justSplit: ContiguousArray<Bool>? = nil
    // Who refers to whom, from the second round on: a class is dirty when a node of it refers
    // to a node of a class that just split, found from those nodes (few, after the first
    // rounds) instead of from every node's references.
    var back: ReferenceLists? = nil
    var rounds = 0
    while true {
      if rounds == maxRounds { return refineByBatches(g, lists, back ?? lists.reversed(), &classes, count: count) }
      rounds += 1
      let current = classes
      var dirty = ContiguousArray<Bool>(repeating: justSplit == nil, count: count)
      if let justSplit {
        if back == nil { back = lists.reversed() }
        let back = back!
        for t in 0..<g.count where justSplit[Int(current[t])] {
          for k in back.slots(t) { dirty[Int(current[Int(back.targets[k])])] = true }
        }
      }
      var next = ContiguousArray<Int32>(repeating: 0, count: g.count)
      // Sized for the groups of the dirty classes (every class in the first round, a few
      // thousand of a kernel's 200,000 later): the table is cleared whole each round, and it
      // grows if the classes split more.
      var dirtyClasses = 0
      if justSplit == nil { dirtyClasses = count } else { for d in dirty where d { dirtyClasses += 1 } }
      var table = ClassTable(capacity: min(count, 2 * dirtyClasses + 16))
      // A clean class's new number, and the new class of each old class's first node.
      var wholeClass = ContiguousArray<Int32>(repeating: 0, count: count)
      var firstNew = ContiguousArray<Int32>(repeating: 0, count: count)
      var split = ContiguousArray<Bool>(repeating: false, count: count)
      for i in 1..<g.count {
        let id = TypeID(i)
        let c = Int(current[i])
        if c == 0 { continue }
        if !Self.mayMerge(g.kind(id)) { // void nodes are class 0, skipped above
          next[i] = table.unique()
          continue
        }
        if !dirty[c] {
          if wholeClass[c] == 0 { wholeClass[c] = table.unique() }
          next[i] = wholeClass[c]
          continue
        }
        signatures += 1
        next[i] = table.classOf(id, hash: hashed(lists.signatureHash(i, classes: current))) { a, b in
          lists.sameSignature(a.index, b.index, classes: current)
        }
        if firstNew[c] == 0 { firstNew[c] = next[i] } else if firstNew[c] != next[i] { split[c] = true }
      }
      let newCount = Int(table.count) + 1
      classes = next
      if newCount == count { return count }
      var nextSplit = ContiguousArray<Bool>(repeating: false, count: newCount)
      for i in 1..<g.count where split[Int(current[i])] { nextSplit[Int(next[i])] = true }
      justSplit = nextSplit
      count = newCount
    }
  }

  /// Rounds of `refine` before `refineByBatches` takes over (tests set 0: batches only).
  static let defaultMaxRounds = 8

  /// `refine` past its first rounds: Hopcroft's refinement, with "all but the largest part" as
  /// the work bound.
  ///
  /// Only a node that refers to a node whose class number changed can need a new class, so
  /// the work goes in batches: the first batch holds every node of a class with more than one
  /// member; each later batch holds the nodes that refer to a node renumbered in the batch
  /// before. A batch groups its nodes by class and by the classes they refer to (one
  /// `ClassTable`), then splits each class it touched: its nodes outside the batch form one
  /// part (they refer to nothing renumbered, so they still agree with each other, and differ
  /// from every node in the batch, which refers to a fresh class they cannot be in), the
  /// batch's groups the others. The largest part keeps the class's number and every other part
  /// takes a new one: a node is renumbered only into a part at most half its class's size, so
  /// at most log2(nodes) times, and a batch costs what its nodes refer to. A chain of N
  /// anonymous pointers, which splits one pointer per batch, costs O(N), not N rounds over
  /// every node. The partition is the coarsest stable one, which is unique, so the merge is
  /// the same for any order of the work.
  ///
  /// A class's nodes lie contiguously in `members` (`first[c]..<end[c]`), so the part that
  /// gets a new number can be enumerated whichever it is. `signatures` counts the nodes grouped
  /// (the work; DWARFShapeTests bounds it). `referrers` is `lists.reversed()`: who refers to whom.
  /// Returns the number of classes (void's included).
  private mutating func refineByBatches(
    _ g: TypeGraph, _ lists: ReferenceLists, _ referrers: ReferenceLists, _ classes: inout ContiguousArray<Int32>,
    count initialCount: Int
  ) -> Int {
    let n = g.count
    // Class ranges over `members`; `position[i]`: where node i is in `members`.
    var first = ContiguousArray<Int32>(repeating: 0, count: initialCount)
    var end = ContiguousArray<Int32>(repeating: 0, count: initialCount)
    for i in 0..<n { end[Int(classes[i])] += 1 }
    var start: Int32 = 0
    for c in 0..<initialCount {
      first[c] = start
      start += end[c]
      end[c] = first[c]
    }
    var members = ContiguousArray<Int32>(repeating: 0, count: n)
    var position = ContiguousArray<Int32>(repeating: 0, count: n)
    for i in 0..<n {
      let c = Int(classes[i])
      members[Int(end[c])] = Int32(i)
      position[i] = end[c]
      end[c] += 1
    }
    func splittable(_ c: Int32) -> Bool { c != 0 && end[Int(c)] - first[Int(c)] > 1 }

    var count = initialCount
    // Per class, during a batch: its nodes in the batch, and its first group (0: none).
    var inBatch = ContiguousArray<Int32>(repeating: 0, count: count)
    var groupHead = ContiguousArray<Int32>(repeating: 0, count: count)
    var inNextBatch = ContiguousArray<Bool>(repeating: false, count: n)
    var batch = ContiguousArray<Int32>()
    for i in 1..<n where splittable(classes[i]) { batch.append(Int32(i)) }
    var renumbered = ContiguousArray<Int32>()
    var parts = ContiguousArray<(Int32, Int32)>()
    while !batch.isEmpty {
      signatures += batch.count
      // Group the batch's nodes by class and the classes they refer to.
      // Sized for the groups, not the nodes: the table grows as groups appear.
      var table = ClassTable(capacity: min(batch.count, 1 << 16))
      var groupOf = ContiguousArray<Int32>(repeating: 0, count: batch.count)
      // Per group (numbered from 1 as the table makes them): its size and the next group of its class.
      var groupSize: ContiguousArray<Int32> = [0]
      var groupNext: ContiguousArray<Int32> = [0]
      var touched = ContiguousArray<Int32>()
      for (t, node) in batch.enumerated() {
        let id = TypeID(Int(node))
        let c = classes[Int(node)]
        let known = table.count
        let group = table.classOf(id, hash: hashed(lists.signatureHash(Int(node), classes: classes))) { a, b in
          lists.sameSignature(a.index, b.index, classes: classes)
        }
        groupOf[t] = group
        if group > known { // a new group: listed under its class
          groupSize.append(0)
          groupNext.append(0)
          if inBatch[Int(c)] == 0 { touched.append(c) }
          groupNext[Int(group)] = groupHead[Int(c)]
          groupHead[Int(c)] = group
        }
        groupSize[Int(group)] += 1
        inBatch[Int(c)] += 1
      }
      // Where each group's nodes go in its class's range (groups first, the rest after);
      // zero for a class that does not split.
      var groupFill = ContiguousArray<Int32>(repeating: 0, count: groupSize.count)
      for c in touched {
        let one = groupNext[Int(groupHead[Int(c)])] == 0
        if one && inBatch[Int(c)] == end[Int(c)] - first[Int(c)] { continue }
        var at = first[Int(c)]
        var group = groupHead[Int(c)]
        while group != 0 {
          groupFill[Int(group)] = at
          at += groupSize[Int(group)]
          group = groupNext[Int(group)]
        }
      }
      for (t, node) in batch.enumerated() {
        let group = Int(groupOf[t])
        guard groupFill[group] != 0 else { continue } // its class does not split (no class that splits starts at 0: void's does)
        let to = Int(groupFill[group])
        groupFill[group] += 1
        let from = Int(position[Int(node)])
        let other = members[to]
        members[from] = other
        position[Int(other)] = Int32(from)
        members[to] = node
        position[Int(node)] = Int32(to)
      }
      // Split: the largest part keeps the number (the rest of the class on a tie: it need not
      // be enumerated), every other part takes a new one.
      renumbered.removeAll(keepingCapacity: true)
      for c in touched {
        let ci = Int(c)
        defer {
          inBatch[ci] = 0
          groupHead[ci] = 0
        }
        let rest = end[ci] - first[ci] - inBatch[ci]
        if groupNext[Int(groupHead[ci])] == 0 && rest == 0 { continue }
        parts.removeAll(keepingCapacity: true)
        var at = first[ci]
        var group = groupHead[ci]
        while group != 0 {
          parts.append((at, at + groupSize[Int(group)]))
          at += groupSize[Int(group)]
          group = groupNext[Int(group)]
        }
        if rest > 0 { parts.append((at, end[ci])) }
        var keep = 0
        for k in parts.indices where parts[k].1 - parts[k].0 >= parts[keep].1 - parts[keep].0 { keep = k }
        first[ci] = parts[keep].0
        end[ci] = parts[keep].1
        for k in parts.indices where k != keep {
          let fresh = Int32(count)
          count += 1
          first.append(parts[k].0)
          end.append(parts[k].1)
          inBatch.append(0)
          groupHead.append(0)
          for p in Int(parts[k].0)..<Int(parts[k].1) {
            classes[Int(members[p])] = fresh
            renumbered.append(members[p])
          }
        }
      }
      // The next batch: the nodes that refer to a renumbered one.
      batch.removeAll(keepingCapacity: true)
      for node in renumbered {
        for r in referrers.slots(Int(node)) {
          let i = Int(referrers.targets[r])
          if !inNextBatch[i] && splittable(classes[i]) {
            inNextBatch[i] = true
            batch.append(Int32(i))
          }
        }
      }
      for node in batch { inNextBatch[Int(node)] = false }
    }
    return count
  }

  /// Returns the number of nodes merged away.
  /// `classes` becomes each node's target (as `TypeID.rawValue`s): the column is reused, as
  /// the pass's memory peaks here.
  /// Without `rewritesReferences` (dedup at import), references to the nodes merged away are
  /// left as they are: the caller maps them (`DWARFWalker.absorb`).
  private func merge(_ g: inout TypeGraph, _ classes: inout ContiguousArray<Int32>, classCount: Int, rewritesReferences: Bool = true) -> Int
  {
    var representative = ContiguousArray<TypeID>(repeating: .void, count: classCount + 1)
    var merged = 0
    // Split BTF: a class with a base node is represented by its base node of the lowest base
    // id, and base nodes are never merged away (they are written already, in the base).
    let base = g.splitBase?.nodes ?? 0..<0
    for i in base where classes[i] != 0 {
      let c = Int(classes[i])
      if representative[c].isVoid || g.splitBase!.baseID(TypeID(i)) < g.splitBase!.baseID(representative[c]) {
        representative[c] = TypeID(i)
      }
    }
    // A class whose base node reaches a module definition by value keeps a module copy
    // (`baseNodesReachingModuleNodes`, Dedup+SplitBase.swift): its first module node.
    let reachesModule = Self.baseNodesReachingModuleNodes(g)
    var moduleCopy = ContiguousArray<TypeID>(repeating: .void, count: reachesModule.isEmpty ? 0 : classCount + 1)
    for i in 1..<g.count {
      let c = Int(classes[i])
      if c == 0 {
        classes[i] = g.kind(TypeID(i)) == .void ? Int32(i) : 0
        continue
      }
      if base.contains(i) {
        classes[i] = Int32(i)
        continue
      }
      if representative[c].isVoid { representative[c] = TypeID(i) }
      if !reachesModule.isEmpty, base.contains(representative[c].index), reachesModule[representative[c].index - base.lowerBound] {
        if moduleCopy[c].isVoid { moduleCopy[c] = TypeID(i) }
        classes[i] = moduleCopy[c].rawValue
        continue
      }
      classes[i] = representative[c].rawValue
    }
    func target(_ i: Int) -> TypeID { TypeID(Int(classes[i])) }
    // A synthesized array index type gives way to the input's own `int` (pahole's choice).
    let index = g.arrayIndexTypeID
    if adoptsInputInt, !index.isVoid, g.kind(index) == .int, g.flags(index).contains(.synthesized),
      let int = plainInt(g, besides: index)
    {
      let from = classes[index.index]
      let to = classes[int.index]
      for i in 1..<g.count where classes[i] == from { classes[i] = to }
    }
    var merges = 0
    for i in 1..<g.count where target(i) != TypeID(i) && g.kind(TypeID(i)).isBTF { merges += 1 }
    g.decisions.reserveMerges(merges)
    merged = g.mergeEach { id, kind in target(id.index) != id && kind.isBTF ? target(id.index) : nil }
    if merged == 0 || !rewritesReferences { return merged }
    g.rewriteAllReferences { t in TypeID(Int(classes[t.index])) }
    return merged
  }

  /// A live 4-byte signed 32-bit INT named `int`, other than `besides`.
  private func plainInt(_ g: TypeGraph, besides: TypeID) -> TypeID? {
    let name = g.strings.lookup("int")
    guard let name else { return nil }
    for i in 1..<g.count {
      let id = TypeID(i)
      if id != besides && g.kind(id) == .int && g.name(id) == name && g.size(id) == 4
        && g.intEncoding(id) == TypeGraph.IntEncoding(isSigned: true, bits: 32)
      {
        return id
      }
    }
    return nil
  }

  /// Kinds that take part in classes: tombstones, VARs, DATASECs and graph-only nodes never
  /// merge (each is a class of its own), and void is class 0.
  static func mayMerge(_ kind: Kind) -> Bool {
    switch kind {
    case .void, .removed, .variable, .dataSection, .unrepresentable: return false
    default: return true
    }
  }

  // MARK: Labels

  func labelHash(_ g: TypeGraph, _ id: TypeID) -> UInt64 {
    var h: UInt64 = UInt64(g.kind(id).rawValue)
    h = mix(h, UInt64(UInt32(bitPattern: g.name(id).rawValue)))
    h = mix(h, UInt64(g.size(id)))
    h = mix(h, UInt64(g.aux(id)))
    h = mix(h, g.flags(id).contains(.signed) ? 1 : 0)
    h = mix(h, UInt64(g.memberCount(id)))
    if labelsScopeAndLanguage {
      h = mix(h, Self.labelsScope(g, id) ? UInt64(UInt32(bitPattern: g.scopes[id.index].rawValue)) : 0)
      h = mix(h, g.flags(id).contains(.rust) ? 1 : 0)
    }
    for i in g.memberRange(id) {
      h = mix(h, UInt64(UInt32(bitPattern: g.memberNames[i].rawValue)))
      h = mix(h, g.memberValues[i])
      h = mix(h, UInt64(g.memberBits[i]))
    }
    return h
  }

  /// Whether `labelsScopeAndLanguage` puts the node's namespace path in its label: a named node's,
  /// and an anonymous struct, union or enum's too (a Rust variant struct whose name was lost is
  /// named after its enum by lower-rust, found by the fuzzer: two such structs of different enums
  /// must not merge). Other anonymous nodes (pointers, prototypes) carry the path of where they
  /// were declared, which no pass reads.
  static func labelsScope(_ g: TypeGraph, _ id: TypeID) -> Bool {
    guard g.name(id).isEmpty else { return true }
    switch g.kind(id) {
    case .structure, .union, .enumeration, .enum64: return true
    default: return false
    }
  }

  func labelsEqual(_ g: TypeGraph, _ a: TypeID, _ b: TypeID) -> Bool {
    guard g.kind(a) == g.kind(b), g.name(a) == g.name(b), g.size(a) == g.size(b), g.aux(a) == g.aux(b),
      g.flags(a).contains(.signed) == g.flags(b).contains(.signed), g.memberCount(a) == g.memberCount(b)
    else { return false }
    if labelsScopeAndLanguage
      && ((Self.labelsScope(g, a) && g.scopes[a.index] != g.scopes[b.index]) || g.flags(a).contains(.rust) != g.flags(b).contains(.rust))
    {
      return false
    }
    return g.memberLabelsEqual(a, b)
  }
}

func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
  var x = (h ^ v) &* 0xff51_afd7_ed55_8ccd
  x ^= x >> 33
  return x
}

/// Open-addressing table from a hash to the first node (the class representative) with that
/// hash and an equal key; the dedup phases' one lookup structure (no Dictionary in the loop).
/// It holds one slot per class, not per node, and grows as classes appear, so that on a
/// kernel (millions of nodes, a few hundred thousand classes) it stays small enough for the
/// cache; node, class and hash of a slot share one 16-byte entry (one cache line per probe).
struct ClassTable {
  private struct Slot {
    var node: Int32 = 0 // node index + 1, 0 empty
    var cls: Int32 = 0
    var hash: UInt64 = 0
  }
  private var slots: ContiguousArray<Slot>
  private var filled = 0
  private(set) var count: Int32 = 0

  /// `expected`: about how many distinct keys will be inserted (the table grows past it).
  init(capacity expected: Int) {
    var n = 16
    while n < expected * 2 { n <<= 1 }
    slots = ContiguousArray(repeating: Slot(), count: n)
  }

  /// A fresh class that nothing else joins.
  mutating func unique() -> Int32 {
    count += 1
    return count
  }

  mutating func classOf(_ id: TypeID, hash: UInt64, equal: (TypeID, TypeID) -> Bool) -> Int32 {
    var mask = slots.count - 1
    var i = Int(truncatingIfNeeded: hash) & mask
    while slots[i].node != 0 {
      if slots[i].hash == hash && equal(TypeID(Int(slots[i].node) - 1), id) { return slots[i].cls }
      i = (i + 1) & mask
    }
    count += 1
    if (filled + 1) * 2 > slots.count {
      grow()
      mask = slots.count - 1
      i = Int(truncatingIfNeeded: hash) & mask
      while slots[i].node != 0 { i = (i + 1) & mask }
    }
    filled += 1
    slots[i] = Slot(node: id.rawValue + 1, cls: count, hash: hash)
    return count
  }

  private mutating func grow() {
    let old = slots
    slots = ContiguousArray(repeating: Slot(), count: old.count * 2)
    let mask = slots.count - 1
    for s in old where s.node != 0 {
      var i = Int(truncatingIfNeeded: s.hash) & mask
      while slots[i].node != 0 { i = (i + 1) & mask }
      slots[i] = s
    }
  }
}
