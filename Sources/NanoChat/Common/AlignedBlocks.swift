// 64-byte-aligned, zero-initialized buffers owned by one object and freed together in its deinit
// (the activation sets of training and of inference allocate this way, once per size).

final class AlignedBlocks {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// n elements of T (at least one), zeroed, 64-byte aligned (one cache line, one AVX-512 register).
    func alloc<T: Numeric>(_ n: Int, _: T.Type = T.self) -> UnsafeMutablePointer<T> {
        let count = max(1, n)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
        blocks.append(raw)
        let p = raw.bindMemory(to: T.self, capacity: count)
        p.initialize(repeating: 0, count: count)
        return p
    }

    func floats(_ n: Int) -> UnsafeMutablePointer<Float> { alloc(n, Float.self) }

    deinit { for b in blocks { b.deallocate() } }
}
