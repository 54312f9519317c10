import Foundation

/// Position in the rank-sharded document stream (nanochat/dataloader.py: _document_batches): split file `pq`, row
/// group `rg`, first document `doc` of the next 128-document slice, and the epoch (starting at 1).
struct StreamCursor: Equatable {
    var pq: Int, rg: Int, doc: Int, epoch: Int
}

/// nanochat's `_document_batches`: rank r of W reads row groups r, r+W, … of every file of the split,
/// in file order, forever (epoch += 1 after each pass), as slices of `sliceSize` documents.
struct DocumentStream {
    let source: DocumentSource
    let split: String
    let rank: Int
    let world: Int
    let fileCount: Int

    init(source: DocumentSource, split: String, rank: Int, world: Int) throws {
        guard world >= 1, rank >= 0, rank < world else { throw NanoChatError("bad rank \(rank) of world size \(world)") }
        self.source = source; self.split = split; self.rank = rank; self.world = world
        fileCount = try source.splitFileCount(split)
    }

    /// Moves the cursor forward to the first position that has a document (skipping finished row
    /// groups, files with no row group for this rank, and wrapping to the next epoch).
    func normalize(_ start: StreamCursor) throws -> StreamCursor {
        var c = start
        var emptyFiles = 0
        while true {
            if c.pq >= fileCount { c = StreamCursor(pq: 0, rg: rank, doc: 0, epoch: c.epoch + 1) }
            let groups = try source.rowGroups(split, c.pq)
            if c.rg < groups.count {
                if c.doc < groups[c.rg].count { return c }
                c.rg += world; c.doc = 0
                continue
            }
            emptyFiles += 1
            if emptyFiles > fileCount + 1 {
                throw NanoChatError(file: source.path, "the \(split) split has no documents for rank \(rank) of \(world)")
            }
            c = StreamCursor(pq: c.pq + 1, rg: rank, doc: 0, epoch: c.epoch)
        }
    }
}

/// A tokenized slice of the stream: documents `docStart ..< docStart + docs.count` of row group
/// (pq, rg), each `[BOS] + encodeOrdinary(text)`.
struct TokenSlice {
    let pq: Int, rg: Int, epoch: Int, docStart: Int
    let docs: [[Int32]]
}

/// Reads and tokenizes the stream on a background thread, ahead of the consumer, into a bounded
/// queue. The stream is sequential, so the slices come out in exactly the same order as a
/// synchronous loop would produce them; tokenization of a row group is spread over `threads`.
final class SliceProducer: @unchecked Sendable {
    private let cond = NSCondition()
    private var queue: [TokenSlice] = []
    private var head = 0
    private var failure: Error?
    private var stopped = false
    private let capacity: Int

    init(stream: DocumentStream, start: StreamCursor, tokenizer: TextTokenizer, threads: Int,
         sliceSize: Int = 128, capacity: Int = 16) {
        self.capacity = capacity
        let t = Thread { [self] in
            self.run(stream, start, tokenizer, threads, sliceSize)
        }
        t.stackSize = 16 << 20
        t.start()
    }

    private var isStopped: Bool { cond.lock(); defer { cond.unlock() }; return stopped }

    private func run(_ stream: DocumentStream, _ start: StreamCursor, _ tok: TextTokenizer, _ threads: Int, _ sliceSize: Int) {
        do {
            var c = try stream.normalize(start)
            let bos = tok.bosId
            while !isStopped {
                let texts = try stream.source.readRowGroup(stream.split, c.pq, c.rg)
                let part = c.doc == 0 ? texts : Array(texts[c.doc...])
                let ids = tok.encodeOrdinaryBatch(part, threads: threads)
                var off = 0
                while off < ids.count {
                    let n = min(sliceSize, ids.count - off)
                    let docs = ids[off..<(off + n)].map { d -> [Int32] in
                        var x = [Int32](); x.reserveCapacity(d.count + 1); x.append(bos); x.append(contentsOf: d); return x
                    }
                    if !push(TokenSlice(pq: c.pq, rg: c.rg, epoch: c.epoch, docStart: c.doc + off, docs: docs)) { return }
                    off += n
                }
                c = try stream.normalize(StreamCursor(pq: c.pq, rg: c.rg + stream.world, doc: 0, epoch: c.epoch))
            }
        } catch {
            cond.lock(); failure = error; cond.broadcast(); cond.unlock()
        }
    }

    /// Blocks while the queue is full; false once stopped.
    private func push(_ s: TokenSlice) -> Bool {
        cond.lock(); defer { cond.unlock() }
        while queue.count - head >= capacity && !stopped { cond.wait() }
        if stopped { return false }
        queue.append(s)
        cond.broadcast()
        return true
    }

    func take() throws -> TokenSlice {
        cond.lock(); defer { cond.unlock() }
        while head == queue.count && failure == nil { cond.wait() }
        if head == queue.count, let e = failure { throw e }
        let s = queue[head]
        head += 1
        if head > 64 { queue.removeFirst(head); head = 0 }
        cond.broadcast()
        return s
    }

    func stop() {
        cond.lock(); stopped = true; cond.broadcast(); cond.unlock()
    }
}
