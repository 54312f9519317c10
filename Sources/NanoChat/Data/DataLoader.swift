import Foundation

/// The loader's resumable position, stored in the checkpoint meta as `dataloader_state_dict`.
/// `pq_idx`, `rg_idx`, `epoch` are nanochat's (the slice of the most recent refill). The two extra
/// fields make resume exact: `doc_idx` = end of that slice inside row group `rg_idx`, and `buffer` =
/// the documents still waiting in the packing buffer, in order, as runs `[pq_idx, rg_idx, first_doc,
/// count]` (they are re-read and re-tokenized on resume). A state without them (nanochat's own)
/// resumes the nanochat way: at this rank's next row group, with an empty buffer.
public struct LoaderState: Codable, Equatable, Sendable {
    public var pqIdx: Int
    public var rgIdx: Int
    public var epoch: Int
    public var docIdx: Int?
    public var buffer: [[Int]]?
    /// [rank, world size] the buffer belongs to (exact resume needs the same rank layout).
    public var world: [Int]?

    enum CodingKeys: String, CodingKey {
        case pqIdx = "pq_idx", rgIdx = "rg_idx", epoch, docIdx = "doc_idx", buffer, world
    }

    public init(pqIdx: Int, rgIdx: Int, epoch: Int, docIdx: Int? = nil, buffer: [[Int]]? = nil, world: [Int]? = nil) {
        self.pqIdx = pqIdx; self.rgIdx = rgIdx; self.epoch = epoch
        self.docIdx = docIdx; self.buffer = buffer; self.world = world
    }

    /// Only nanochat's three fields (what nanochat itself would store).
    public var nanochatFields: LoaderState { LoaderState(pqIdx: pqIdx, rgIdx: rgIdx, epoch: epoch) }
}

/// nanochat's BOS best-fit packing loader (nanochat/dataloader.py:
/// tokenizing_distributed_data_loader_with_state_bos_bestfit): rows of T+1 tokens, each starting with BOS; at each
/// step the FIRST LONGEST buffered document that fits is appended whole, and when none fits the FIRST SHORTEST one
/// is cropped to fill the row (its rest is discarded). The buffer is refilled in slices of 128 documents whenever it
/// holds fewer than 1000. inputs = rows[:, :T], targets = rows[:, 1:].
public final class DataLoader {
    public let B: Int, T: Int
    public let split: String
    public let rank: Int, worldSize: Int
    public let bufferSize: Int
    private let tokenizer: TextTokenizer
    private let source: DocumentSource
    private let producer: SliceProducer

    private var docs: [[Int32]] = []
    private var lens: [Int] = []
    private var ids: [(pq: Int32, rg: Int32, doc: Int32)] = []
    private var last: (pq: Int, rg: Int, epoch: Int, docEnd: Int)
    /// Tokens discarded by cropping so far (nanochat reports ~35% at T=2048).
    public private(set) var croppedTokens = 0
    public private(set) var batches = 0

    public init(tokenizer: TextTokenizer, source: DocumentSource, B: Int, T: Int, split: String,
                rank: Int = 0, worldSize: Int = 1, resume: LoaderState? = nil, threads: Int = Threads.count,
                bufferSize: Int = 1000) throws {
        guard B >= 1, T >= 1, bufferSize >= 1 else { throw NanoChatError("DataLoader: need B, T, buffer size ≥ 1 (got \(B), \(T), \(bufferSize))") }
        self.tokenizer = tokenizer; self.source = source
        self.B = B; self.T = T; self.split = split; self.rank = rank; self.worldSize = worldSize
        self.bufferSize = bufferSize
        let stream = try DocumentStream(source: source, split: split, rank: rank, world: worldSize)

        var s = resume ?? LoaderState(pqIdx: 0, rgIdx: -1, epoch: 1, docIdx: 0, buffer: [])
        let exact = s.docIdx != nil && s.buffer != nil && (s.world == nil || s.world! == [rank, worldSize])
        if !exact {
            // nanochat's resume: skip to this rank's next row group, empty buffer (-1 = row group done)
            let k = s.rgIdx >= 0 ? s.rgIdx / worldSize : -1
            s = LoaderState(pqIdx: s.pqIdx, rgIdx: k * worldSize + rank, epoch: s.epoch, docIdx: -1, buffer: [])
            if resume != nil { print0("DataLoader: resuming from a state without buffer contents (approximate, like nanochat)") }
        }
        guard s.pqIdx >= 0, s.pqIdx < stream.fileCount, s.epoch >= 1 else {
            throw NanoChatError("DataLoader: resume state \(s.nanochatFields) does not fit the \(split) split (\(stream.fileCount) files)")
        }
        last = (s.pqIdx, s.rgIdx, s.epoch, s.docIdx!)
        let start = s.rgIdx < 0
            ? StreamCursor(pq: s.pqIdx, rg: rank, doc: 0, epoch: s.epoch)
            : StreamCursor(pq: s.pqIdx, rg: s.rgIdx, doc: s.docIdx! < 0 ? Int.max : s.docIdx!, epoch: s.epoch)
        if let runs = s.buffer, !runs.isEmpty {
            (docs, ids) = try Self.restoreBuffer(runs, source: source, split: split, tokenizer: tokenizer, threads: threads)
            lens = docs.map(\.count)
        }
        producer = SliceProducer(stream: stream, start: start, tokenizer: tokenizer, threads: threads)
    }

    deinit { producer.stop() }

    /// Re-reads and re-tokenizes the buffered documents named by a state.
    private static func restoreBuffer(_ runs: [[Int]], source: DocumentSource, split: String, tokenizer: TextTokenizer,
                                      threads: Int) throws -> ([[Int32]], [(pq: Int32, rg: Int32, doc: Int32)]) {
        var texts: [String] = []
        var ids: [(pq: Int32, rg: Int32, doc: Int32)] = []
        var cache: [String: [String]] = [:]
        for r in runs {
            guard r.count == 4, r[3] >= 1 else { throw NanoChatError("DataLoader: bad buffer run \(r) in resume state") }
            let key = "\(r[0])/\(r[1])"
            let rg: [String]
            if let c = cache[key] { rg = c } else {
                guard r[0] >= 0, r[0] < (try source.splitFileCount(split)), r[1] >= 0, r[1] < (try source.rowGroupCount(split, r[0])) else {
                    throw NanoChatError("DataLoader: resume state names row group \(r[0])/\(r[1]) that the \(split) split does not have")
                }
                rg = try source.readRowGroup(split, r[0], r[1]); cache[key] = rg
            }
            guard r[2] >= 0, r[2] + r[3] <= rg.count else {
                throw NanoChatError("DataLoader: resume state names documents \(r[2])..<\(r[2] + r[3]) of row group \(r[0])/\(r[1]) which has \(rg.count)")
            }
            texts += rg[r[2]..<(r[2] + r[3])]
            for d in r[2]..<(r[2] + r[3]) { ids.append((Int32(r[0]), Int32(r[1]), Int32(d))) }
        }
        let bos = tokenizer.bosId
        return (tokenizer.encodeOrdinaryBatch(texts, threads: threads).map { [bos] + $0 }, ids)
    }

    private func refill() throws {
        let s = try producer.take()
        for (i, d) in s.docs.enumerated() {
            docs.append(d); lens.append(d.count)
            ids.append((Int32(s.pq), Int32(s.rg), Int32(s.docStart + i)))
        }
        last = (s.pq, s.rg, s.epoch, s.docStart + s.docs.count)
    }

    private func removeDoc(_ i: Int) -> [Int32] {
        lens.remove(at: i); ids.remove(at: i)
        return docs.remove(at: i)
    }

    /// The state to store so that a loader resumed from it yields exactly the batch that would come next.
    public var state: LoaderState {
        var runs: [[Int]] = []
        for (pq, rg, d) in ids {
            if let l = runs.last, l[0] == pq, l[1] == rg, l[2] + l[3] == d { runs[runs.count - 1][3] += 1 }
            else { runs.append([Int(pq), Int(rg), Int(d), 1]) }
        }
        return LoaderState(pqIdx: last.pq, rgIdx: last.rg, epoch: last.epoch, docIdx: last.docEnd, buffer: runs,
                           world: [rank, worldSize])
    }

    /// The next batch: inputs and targets [B·T] (row-major), and the state after it.
    public func next() throws -> (inputs: [Int32], targets: [Int32], state: LoaderState) {
        let W = T + 1
        var rows = [Int32](repeating: 0, count: B * W)
        try rows.withUnsafeMutableBufferPointer { out in
            for r in 0..<B {
                var pos = 0
                while pos < W {
                    while docs.count < bufferSize { try refill() }
                    let rem = W - pos
                    var best = -1, bestLen = 0
                    lens.withUnsafeBufferPointer { l in
                        for i in 0..<l.count where l[i] <= rem && l[i] > bestLen { best = i; bestLen = l[i] }
                    }
                    if best >= 0 {
                        let d = removeDoc(best)
                        for k in 0..<bestLen { out[r * W + pos + k] = d[k] }
                        pos += bestLen
                    } else {
                        var shortest = 0
                        for i in 1..<lens.count where lens[i] < lens[shortest] { shortest = i }
                        let d = removeDoc(shortest)
                        for k in 0..<rem { out[r * W + pos + k] = d[k] }
                        croppedTokens += d.count - rem
                        pos = W
                    }
                }
            }
        }
        var inputs = [Int32](repeating: 0, count: B * T), targets = [Int32](repeating: 0, count: B * T)
        for r in 0..<B {
            for t in 0..<T { inputs[r * T + t] = rows[r * W + t]; targets[r * T + t] = rows[r * W + t + 1] }
        }
        batches += 1
        return (inputs, targets, state)
    }
}
