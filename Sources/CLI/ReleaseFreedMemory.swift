import COutOfMemory
import TypeGraph

/// Before each pass (the first one right after the import), what the process has freed goes
/// back to the kernel (`rb_malloc_trim`, outofmemory.h says what it saves). A policy of the
/// executable, not of the library: it acts on the whole process's allocator.
struct ReleaseFreedMemory: PassInstrumentation {
  func before(pass: String, graph: TypeGraph) throws { rb_malloc_trim() }
  func after(pass: String, graph: TypeGraph, result: PassResult) throws {}
}
