import Foundation

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
        let bytes = count * MemoryLayout<Pointee>.stride
        guard HugePages.enabled, bytes >= HugePages.threshold else {
            return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Pointee.self, capacity: count)
        }
        // Large blocks (weights, gradients, optimizer state, KV caches) start on a 2 MB boundary and span whole
        // 2 MB pages, so the kernel can back all of them with huge pages.
        let rounded = (bytes + HugePages.size - 1) / HugePages.size * HugePages.size
        let raw = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: HugePages.size)
        Platform.adviseHugePages(raw, byteCount: rounded)
        return raw.bindMemory(to: Pointee.self, capacity: count)
    }
}

/// When the aligned allocator asks for 2 MB pages: blocks of 4 MB or more, unless NANOCHAT_HUGEPAGES=0 (kept
/// for A/B benchmarks and for kernels where huge pages misbehave).
enum HugePages {
    static let size = 2 << 20
    static let threshold = 4 << 20
    static let enabled = ProcessInfo.processInfo.environment["NANOCHAT_HUGEPAGES"] != "0"
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

    /// n floats left unwritten: scratch only some uses touch (the bf16 widening), which costs no memory
    /// until then.
    func unwrittenFloats(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocateAligned(uninitialized: n)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    deinit { for b in blocks { b.deallocate() } }
}
