import Foundation

/// Distinct chunks (byte strings) with their counts — rustbpe's `counts[chunk] += 1`, in flat memory.
final class ChunkCounts {
    private(set) var count = 0
    private(set) var arena: UnsafeMutablePointer<UInt8>
    private var arenaCap = 1 << 16, arenaUsed = 0
    private(set) var offsets: UnsafeMutablePointer<Int>
    private(set) var lengths: UnsafeMutablePointer<Int32>
    private(set) var counts: UnsafeMutablePointer<Int64>
    private var hashes: UnsafeMutablePointer<UInt64>
    private var entryCap = 1 << 12
    private var slots: UnsafeMutablePointer<Int32>
    private var mask = (1 << 13) - 1

    init() {
        arena = .allocate(capacity: arenaCap)
        offsets = .allocate(capacity: entryCap); lengths = .allocate(capacity: entryCap)
        counts = .allocate(capacity: entryCap); hashes = .allocate(capacity: entryCap)
        slots = .allocate(capacity: mask + 1); slots.initialize(repeating: -1, count: mask + 1)
    }

    deinit {
        arena.deallocate(); offsets.deallocate(); lengths.deallocate(); counts.deallocate(); hashes.deallocate()
        slots.deallocate()
    }

    /// Adds c occurrences of the byte string p[0..<n] (h = hashBytes(p, n)).
    @inline(__always)
    func add(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt64, _ c: Int64) {
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { break }
            if hashes[e] == h && Int(lengths[e]) == n && memcmp(arena + offsets[e], p, n) == 0 {
                counts[e] += c
                return
            }
            s = (s + 1) & mask
        }
        insert(p, n, h, c, slot: s)
    }

    private func insert(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt64, _ c: Int64, slot: Int) {
        if arenaUsed + n > arenaCap {
            var cap = arenaCap * 2
            while arenaUsed + n > cap { cap *= 2 }
            let a = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            a.update(from: arena, count: arenaUsed)
            arena.deallocate(); arena = a; arenaCap = cap
        }
        if count == entryCap {
            let cap = entryCap * 2
            func grow<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
                let x = UnsafeMutablePointer<T>.allocate(capacity: cap)
                x.moveInitialize(from: old, count: count)
                old.deallocate()
                return x
            }
            offsets = grow(offsets); lengths = grow(lengths); counts = grow(counts); hashes = grow(hashes)
            entryCap = cap
        }
        memcpy(arena + arenaUsed, p, n)
        offsets[count] = arenaUsed; lengths[count] = Int32(n); counts[count] = c; hashes[count] = h
        arenaUsed += n
        slots[slot] = Int32(count)
        count += 1
        if count * 2 > mask + 1 { rehash() }
    }

    private func rehash() {
        let cap = (mask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: cap); slots.initialize(repeating: -1, count: cap)
        mask = cap - 1
        for e in 0..<count {
            var s = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(e)
        }
    }

    /// Adds every chunk of `text`.
    func addChunks(of text: String) {
        var s = text
        s.withUTF8 { buf in
            guard let p = buf.baseAddress else { return }
            Pretokenizer.forEachChunk(p, buf.count) { a, b in
                add(p + a, b - a, hashBytes(p + a, b - a), 1)
            }
        }
    }

    /// Adds all of other's counts into self.
    func merge(_ other: ChunkCounts) {
        for e in 0..<other.count {
            add(other.arena + other.offsets[e], Int(other.lengths[e]), other.hashes[e], other.counts[e])
        }
    }

    func bytes(_ e: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena + offsets[e], count: Int(lengths[e]))
    }
}

/// Chunk counting spread over threads: documents are handed out in small blocks, each thread counts into
/// its own table, and the tables are merged once at the end.
final class ChunkCounter {
    let threads: Int
    private var tables: [ChunkCounts]
    private(set) var documents = 0
    private(set) var bytes = 0

    init(threads: Int) {
        self.threads = max(1, threads)
        tables = (0..<self.threads).map { _ in ChunkCounts() }
    }

    func add(_ docs: [String]) {
        documents += docs.count
        for d in docs { bytes += d.utf8.count }
        if threads == 1 || docs.count < 64 {
            for d in docs { tables[0].addChunks(of: d) }
            return
        }
        let lock = NSLock()
        var next = 0
        let block = 16
        let tabs = tables
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let table = tabs[t]
            while true {
                lock.lock(); let lo = next; next += block; lock.unlock()
                if lo >= docs.count { break }
                for i in lo..<min(lo + block, docs.count) { table.addChunks(of: docs[i]) }
            }
        }
    }

    /// All counts in one table (the per-thread tables are consumed).
    func merged() -> ChunkCounts {
        let first = tables[0]
        for t in tables.dropFirst() { first.merge(t) }
        tables = [first]
        return first
    }
}
