import Foundation

/// Byte-level BPE training exactly as rustbpe (nanochat/tokenizer.py): count chunks, make each distinct chunk a word
/// of byte ids weighted by its count, then repeatedly merge the pair with the highest count (ties → smallest
/// (left, right)), updating pair counts incrementally. A max-heap with lazy refresh finds the argmax:
/// a pair's count can only fall after the step that created it (every new pair contains the newest id),
/// so a popped entry whose stored count is still current is the exact argmax.
public final class BPETrainer {
    /// total vocabulary including the 9 special tokens
    public let vocabSize: Int
    private let counter: ChunkCounter

    public init(vocabSize: Int, threads: Int = Threads.count) throws {
        let minimum = 256 + Tokenizer.specialTokens.count
        guard vocabSize >= minimum else {
            throw NanoChatError("vocab size \(vocabSize) is below \(minimum) (256 bytes + \(Tokenizer.specialTokens.count) special tokens)")
        }
        self.vocabSize = vocabSize
        counter = ChunkCounter(threads: threads)
    }

    public var documents: Int { counter.documents }
    public var bytes: Int { counter.bytes }

    /// Counts the chunks of a batch of documents (parallel over documents).
    public func add(_ docs: [String]) { counter.add(docs) }

    /// Runs the merges; returns the mergeable ranks (bytes of id 0..<n; n ≤ vocabSize − 9, fewer if the
    /// text runs out of pairs). progress(mergesDone, mergesTotal) is called about every 1% of merges.
    public func train(progress: ((Int, Int) -> Void)? = nil) throws -> [[UInt8]] {
        let chunks = counter.merged()
        guard chunks.count > 0 else { throw NanoChatError("empty corpus: no text to train the tokenizer on") }
        let numMerges = vocabSize - Tokenizer.specialTokens.count - 256

        // words: the distinct chunks of ≥ 2 bytes as byte ids, in one arena
        var wordStart: [Int] = [], wordLen: [Int32] = [], wordCount: [Int64] = []
        var ids: [Int32] = []
        for e in 0..<chunks.count where chunks.lengths[e] >= 2 {
            wordStart.append(ids.count)
            wordLen.append(chunks.lengths[e])
            wordCount.append(chunks.counts[e])
            for b in chunks.bytes(e) { ids.append(Int32(b)) }
        }

        // pair statistics, indexed by a dense pair index
        let pairIndex = PairTable(capacity: 1 << 16)
        var pairKey: [UInt64] = [], pairCount: [Int64] = [], pairPos: [[Int32]] = [], pairStamp: [Int32] = []
        @inline(__always) func index(_ a: Int32, _ b: Int32) -> Int {
            let (i, added) = pairIndex.findOrAdd(a, b, Int32(pairKey.count))
            if added { pairKey.append(PairTable.key(a, b)); pairCount.append(0); pairPos.append([]); pairStamp.append(-1) }
            return Int(i)
        }
        for w in 0..<wordStart.count {
            let s = wordStart[w], c = wordCount[w]
            for k in 0..<Int(wordLen[w]) - 1 {
                let p = index(ids[s + k], ids[s + k + 1])
                pairCount[p] += c
                if pairPos[p].last != Int32(w) { pairPos[p].append(Int32(w)) }
            }
        }
        var heap = PairHeap()
        for p in 0..<pairKey.count where pairCount[p] > 0 { heap.push(pairCount[p], pairKey[p]) }

        var merges: [(Int32, Int32)] = []
        merges.reserveCapacity(numMerges)
        var touched: [Int] = []
        let every = max(1, numMerges / 100)
        while merges.count < numMerges {
            guard let (count, key) = heap.pop() else { break }
            let a = Int32(truncatingIfNeeded: key >> 32), b = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
            let top = Int(pairIndex.get(a, b))
            let current = pairCount[top]
            if count != current {  // stale: refresh
                if current > 0 { heap.push(current, key) }
                continue
            }
            if current <= 0 { break }
            let newId = Int32(256 + merges.count)
            let step = Int32(merges.count)
            let positions = pairPos[top]
            pairPos[top] = []
            touched.removeAll(keepingCapacity: true)
            for w32 in positions {
                let w = Int(w32)
                let s = wordStart[w], n = Int(wordLen[w]), c = wordCount[w]
                var i = 0, o = 0
                while i < n {
                    if i + 1 < n && ids[s + i] == a && ids[s + i + 1] == b {
                        if o > 0 {
                            let x = ids[s + o - 1]
                            pairCount[index(x, a)] -= c
                            let p = index(x, newId)
                            pairCount[p] += c
                            if pairPos[p].last != w32 { pairPos[p].append(w32) }
                            if pairStamp[p] != step { pairStamp[p] = step; touched.append(p) }
                        }
                        pairCount[top] -= c
                        if i + 2 < n {
                            let y = ids[s + i + 2]
                            pairCount[index(b, y)] -= c
                            let p = index(newId, y)
                            pairCount[p] += c
                            if pairPos[p].last != w32 { pairPos[p].append(w32) }
                            if pairStamp[p] != step { pairStamp[p] = step; touched.append(p) }
                        }
                        ids[s + o] = newId
                        o += 1; i += 2
                    } else {
                        ids[s + o] = ids[s + i]
                        o += 1; i += 1
                    }
                }
                wordLen[w] = Int32(o)
            }
            for p in touched where pairCount[p] > 0 { heap.push(pairCount[p], pairKey[p]) }
            merges.append((a, b))
            if let progress = progress, merges.count % every == 0 || merges.count == numMerges {
                progress(merges.count, numMerges)
            }
        }

        var ranks: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        ranks.reserveCapacity(256 + merges.count)
        for (a, b) in merges { ranks.append(ranks[Int(a)] + ranks[Int(b)]) }
        // nanochat keys the ranks by bytes: two merges making the same bytes would collapse there
        if let problem = Tokenizer.validate(ranks) { throw NanoChatError("BPE training produced unusable ranks: \(problem)") }
        return ranks
    }
}

/// Max-heap of (count, pair key): highest count first, ties → smallest key = smallest (left, right).
struct PairHeap {
    private var counts: [Int64] = []
    private var keys: [UInt64] = []

    var isEmpty: Bool { counts.isEmpty }

    @inline(__always) private func above(_ i: Int, _ j: Int) -> Bool {
        counts[i] > counts[j] || (counts[i] == counts[j] && keys[i] < keys[j])
    }

    mutating func push(_ c: Int64, _ k: UInt64) {
        counts.append(c); keys.append(k)
        var i = counts.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !above(i, parent) { break }
            counts.swapAt(i, parent); keys.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Int64, UInt64)? {
        guard let c0 = counts.first else { return nil }
        let k0 = keys[0]
        let lastC = counts.removeLast(), lastK = keys.removeLast()
        let n = counts.count
        if n > 0 {
            counts[0] = lastC; keys[0] = lastK
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && above(l, m) { m = l }
                if r < n && above(r, m) { m = r }
                if m == i { break }
                counts.swapAt(i, m); keys.swapAt(i, m)
                i = m
            }
        }
        return (c0, k0)
    }
}

extension Tokenizer {
    /// Trains a tokenizer of `vocabSize` ids (including the 9 special tokens) on the documents.
    public static func train(documents: [String], vocabSize: Int, threads: Int = Threads.count) throws -> Tokenizer {
        let trainer = try BPETrainer(vocabSize: vocabSize, threads: threads)
        trainer.add(documents)
        return Tokenizer(mergeableRanks: try trainer.train())
    }
}
