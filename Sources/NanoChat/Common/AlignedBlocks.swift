// The one aligned allocator: 64-byte-aligned (one cache line, one AVX-512 register), initialized blocks. The
// flat parameter buffers, the bf16 weights and the activation sets of training and inference all take
// their memory here.

extension UnsafeMutablePointer {
    /// `n` elements (at least one), each `value`, 64-byte aligned; free with `UnsafeMutableRawPointer(p).deallocate()`.
    static func allocateAligned(_ n: Int, repeating value: Pointee) -> UnsafeMutablePointer<Pointee> {
        let p = allocateAligned(uninitialized: n)
        p.initialize(repeating: value, count: max(1, n))
        return p
    }

    /// The same block left unwritten: pages the caller never writes stay untouched (no memory). Only for
    /// trivial types whose unwritten elements are never read.
    static func allocateAligned(uninitialized n: Int) -> UnsafeMutablePointer<Pointee> {
        let count = max(1, n)
        return UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Pointee>.stride, alignment: 64)
            .bindMemory(to: Pointee.self, capacity: count)
    }
}

/// Zeroed aligned buffers owned by one object and freed together in its deinit (the activation sets of
/// training and of inference allocate this way, once per size).
final class AlignedBlocks {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// n elements of T (at least one), zeroed, 64-byte aligned.
    func alloc<T: Numeric>(_ n: Int, _: T.Type = T.self) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocateAligned(n, repeating: 0)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func floats(_ n: Int) -> UnsafeMutablePointer<Float> { alloc(n, Float.self) }

    deinit { for b in blocks { b.deallocate() } }
}
