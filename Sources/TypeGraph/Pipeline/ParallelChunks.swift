#if canImport(Glibc)
  import Glibc
#endif

/// Runs `body` on chunks of `0..<count` on up to `threads` threads at once (the calling thread
/// one of them) and returns the chunks' results in chunk order. The passes after the import run
/// on one thread while the other cores idle; a pass uses this for work whose items do not depend
/// on one another (reading the graph only), and applies the results in order itself, so its
/// output is the same for every thread count.
///
/// The chunks are smaller than a thread's share and taken in turn, so a thread that drew cheap
/// items takes more (the keys of select-symbols are cheap at one end, dear at the other). One
/// chunk, on the calling thread, when `threads` is 1 or `count` is under `minimumPerThread` per
/// thread; the calling thread does all the chunks when no thread can be started.
public func inParallelChunks<T: Sendable>(
  count: Int, threads: Int, minimumPerThread: Int = 1, _ body: @escaping @Sendable (Range<Int>) -> T
) -> [T] {
  let helpers = max(1, min(threads, count / max(1, minimumPerThread))) - 1
  if helpers == 0 { return [body(0..<count)] }
  let chunks = min(count, (helpers + 1) * 8)
  let work = ChunkQueue<T>(count: count, chunks: chunks, body: body)
  let started = (0..<helpers).compactMap { _ in startThread { work.run() } }
  work.run()
  for t in started { pthread_join(t, nil) }
  return work.results()
}

/// The chunks not yet taken, and each chunk's result, written once by the thread that ran it
/// and read after every thread has been joined. Raw memory, not an array: threads writing the
/// elements of one array would each modify the array.
private final class ChunkQueue<T: Sendable>: @unchecked Sendable {
  private let count: Int
  private let chunks: Int
  private let body: @Sendable (Range<Int>) -> T
  private let slots: UnsafeMutableBufferPointer<T?>
  private var next = 0
  private var lock = pthread_mutex_t()

  init(count: Int, chunks: Int, body: @escaping @Sendable (Range<Int>) -> T) {
    self.count = count
    self.chunks = chunks
    self.body = body
    slots = .allocate(capacity: chunks)
    slots.initialize(repeating: nil)
    pthread_mutex_init(&lock, nil)
  }

  deinit {
    pthread_mutex_destroy(&lock)
    slots.deinitialize()
    slots.deallocate()
  }

  func run() {
    while true {
      pthread_mutex_lock(&lock)
      let k = next
      next += 1
      pthread_mutex_unlock(&lock)
      guard k < chunks else { return }
      slots[k] = body((count * k / chunks)..<(count * (k + 1) / chunks))
    }
  }

  func results() -> [T] { slots.map { $0! } }
}
