internal import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

/// A walk whose stack grows: the DIE walk recurses once per level of nesting, and when the
/// thread's stack runs low (`stackFloor`) the children of the DIE being walked are walked by
/// a thread started with a fresh stack, which the walking thread joins at once. The walk stays
/// one walk on one thread at a time (the same walker, the same order), so its result does not
/// depend on where the stacks were cut. Only pathological DWARF nests deep enough to need a
/// fresh stack (thousands of levels on the main thread's 8 MiB), so a thread's cost there
/// never shows on real input.
extension DWARFWalker {
  /// Stack kept free below the floor: what one level of the walk and the libdw and libc calls
  /// under it use, with a wide margin (a debug build's frames are large).
  static let stackMargin: UInt = 1 << 20
  /// Stack of each fresh segment (committed only as it is used).
  static let segmentSize = 64 << 20

  /// The lowest address the walk may bring this thread's stack to before it takes a fresh
  /// one; 0 (never) when the stack's bounds cannot be read.
  func stackFloorOfThisThread() -> UInt {
    if let stackBudget { return currentStackAddress() &- stackBudget }
    var attr = pthread_attr_t()
    guard pthread_getattr_np(pthread_self(), &attr) == 0 else { return 0 }
    defer { pthread_attr_destroy(&attr) }
    var base: UnsafeMutableRawPointer? = nil
    var size = 0
    guard pthread_attr_getstack(&attr, &base, &size) == 0, let base, size > Int(2 * Self.stackMargin) else { return 0 }
    return UInt(bitPattern: base) + Self.stackMargin
  }

  /// `forEachChild(of: parent, body)` on a fresh stack; when no thread can be started the
  /// children are not walked, and counted (the import then fails: `DWARFImporter`).
  @inline(never)
  mutating func descendOnFreshStack(into parent: inout Dwarf_Die, _ body: (inout DWARFWalker, inout Dwarf_Die) -> Void) {
    let floor = stackFloor
    let failing = failThreadStarts
    let walked = withoutActuallyEscaping(body) { body in
      withUnsafeMutablePointer(to: &self) { walker in
        withUnsafeMutablePointer(to: &parent) { die in
          runOnFreshStack(failing: failing) {
            walker.pointee.stackFloor = walker.pointee.stackFloorOfThisThread()
            walker.pointee.forEachChild(of: &die.pointee, body)
          }
        }
      }
    }
    stackFloor = floor
    if walked { freshStacks?.add() }
    if !walked {
      stats.tooDeep += 1
      if firstTooDeep == nil { firstTooDeep = dieOffset(&parent) }
    }
  }
}

/// The address of a local of the caller's frame, near the top of its stack.
@inline(never)
func currentStackAddress() -> UInt {
  var marker: UInt8 = 0
  return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
}

/// Runs `body` on a thread with a stack of `DWARFWalker.segmentSize` and waits for it; false
/// when no thread could be started (or `failing`, a test's stand-in).
private func runOnFreshStack(failing: Bool, _ body: () -> Void) -> Bool {
  final class Box: @unchecked Sendable {
    let body: () -> Void
    init(_ b: @escaping () -> Void) { body = b }
  }
  return withoutActuallyEscaping(body) { body in
    if failing { return false }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setstacksize(&attr, DWARFWalker.segmentSize)
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body))
    let rc = pthread_create(
      &thread, &attr,
      { arg in
        Unmanaged<Box>.fromOpaque(arg!).takeUnretainedValue().body()
        return nil
      }, box.toOpaque())
    defer { box.release() }
    if rc != 0 { return false }
    pthread_join(thread, nil)
    return true
  }
}

/// Tests: counts the fresh stacks the walk took (`DWARFImportOptions.freshStacks`).
final class FreshStackLog: @unchecked Sendable {
  private var lock = pthread_mutex_t()
  private var taken = 0

  init() { pthread_mutex_init(&lock, nil) }
  deinit { pthread_mutex_destroy(&lock) }

  func add() {
    pthread_mutex_lock(&lock)
    taken += 1
    pthread_mutex_unlock(&lock)
  }

  var count: Int {
    pthread_mutex_lock(&lock)
    defer { pthread_mutex_unlock(&lock) }
    return taken
  }
}
