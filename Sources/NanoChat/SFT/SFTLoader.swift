import Foundation

/// Where the SFT loader is, for exact resume: the next conversation to fetch (`cursor`), how many this
/// rank has consumed (`consumed`, nanochat counts in steps of the world size from the rank), the epoch,
/// batches yielded (`it`), the conversations waiting in the packing buffer (mixture indices, in order;
/// re-rendered on resume) and how many conversations were cut to fit a row so far.
public struct SFTLoaderState: Codable, Equatable, Sendable {
    public var cursor: Int
    public var consumed: Int
    public var epoch: Int
    public var it: Int
    public var buffer: [Int]
    public var truncated: Int
    public var world: [Int]

    /// This state moved to rank `rank` of `worldSize` when a checkpoint resumes on another number of ranks:
    /// the same place in the mixture on this rank's stride, an empty buffer, `microBatches` batches yielded.
    public func approximate(rank: Int, worldSize: Int, microBatches: Int, count: Int) -> SFTLoaderState {
        func stride(_ x: Int) -> Int { x - x % worldSize + rank }
        let next = stride(cursor)
        return SFTLoaderState(cursor: next % count, consumed: stride(consumed), epoch: epoch + (next >= count ? 1 : 0),
                              it: microBatches, buffer: [], truncated: truncated, world: [rank, worldSize])
    }
}

/// One (B, T) batch: inputs, targets (-1 = not trained on), and the loader's view after yielding it.
public struct SFTBatch {
    public var inputs: [Int32]      // (B, T)
    public var targets: [Int32]     // (B, T)
    /// The state before this batch was built (resume = restore it, call next() again).
    public var stateBefore: SFTLoaderState
    /// Train split: an epoch has been consumed (or num_iterations batches yielded).
    public var lastStep: Bool
    /// Train split: consumed / size (or it / num_iterations).
    public var approxProgress: Double
    public var epoch: Int
}

/// nanochat's `sft_data_generator_bos_bestfit` (chat_sft.py): conversations rendered with
/// `render_conversation` and packed whole into rows of T+1 tokens by best fit (the first longest one that
/// fits); when none fits, the rest of the row is BOS padding with mask 0. Targets are -1 wherever the mask
/// of the target token is 0, and from the last content position on in a padded row. Rank r fetches
/// conversations r, r+W, r+2W, ... of the mixture. One change: a conversation longer than T+1 is cut to
/// T+1 (nanochat would keep it in the buffer forever, never fitting); `truncated` counts them.
public final class SFTLoader {
    public let B: Int, T: Int
    public let train: Bool
    public let numIterations: Int
    public let rank: Int, worldSize: Int
    public let bufferSize: Int
    let tokenizer: Tokenizer
    let dataset: ChatTask
    private var buffer: [(ids: [Int32], mask: [UInt8], index: Int)] = []
    private var cursor: Int, consumed: Int, epoch = 1, it = 0
    public private(set) var truncated = 0

    public init(tokenizer: Tokenizer, dataset: ChatTask, B: Int, T: Int, train: Bool, numIterations: Int = -1,
                rank: Int = 0, worldSize: Int = 1, bufferSize: Int = 100, resume: SFTLoaderState? = nil) throws {
        guard B >= 1, T >= 1, bufferSize >= 1 else { throw NanoChatError("SFT loader: need B, T and buffer size ≥ 1 (got \(B), \(T), \(bufferSize))") }
        guard dataset.count >= worldSize else {
            throw NanoChatError("SFT loader: the \(train ? "train" : "val") mixture has \(dataset.count) conversations, fewer than the \(worldSize) ranks")
        }
        self.tokenizer = tokenizer; self.dataset = dataset
        self.B = B; self.T = T; self.train = train; self.numIterations = numIterations
        self.rank = rank; self.worldSize = worldSize; self.bufferSize = bufferSize
        cursor = rank; consumed = rank
        if let s = resume {
            guard s.world == [rank, worldSize] else {
                throw NanoChatError("SFT loader: the saved state belongs to rank \(s.world.first ?? -1) of \(s.world.last ?? -1), this is rank \(rank) of \(worldSize)")
            }
            guard s.cursor >= 0, s.cursor < dataset.count, s.buffer.allSatisfy({ $0 >= 0 && $0 < dataset.count }) else {
                throw NanoChatError("SFT loader: the saved state does not fit a mixture of \(dataset.count) conversations (different --mixture?)")
            }
            cursor = s.cursor; consumed = s.consumed; epoch = s.epoch; it = s.it; truncated = s.truncated
            buffer = try s.buffer.map { i in let r = try render(i); return (r.ids, r.mask, i) }
            truncated = s.truncated  // render() counted the buffer again; the saved count already has them
        }
    }

    public var state: SFTLoaderState {
        SFTLoaderState(cursor: cursor, consumed: consumed, epoch: epoch, it: it, buffer: buffer.map(\.index),
                       truncated: truncated, world: [rank, worldSize])
    }

    private func render(_ index: Int) throws -> (ids: [Int32], mask: [UInt8]) {
        var r = try tokenizer.renderConversation(try dataset.conversation(at: index))
        if r.ids.count > T + 1 {
            r.ids.removeSubrange((T + 1)...); r.mask.removeSubrange((T + 1)...)
            truncated += 1
        }
        return r
    }

    private func refill() throws {
        while buffer.count < bufferSize {
            let r = try render(cursor)
            buffer.append((r.ids, r.mask, cursor))
            cursor += worldSize
            if cursor >= dataset.count { cursor %= dataset.count; epoch += 1 }
        }
    }

    public func next() throws -> SFTBatch {
        let before = state
        let cap = T + 1
        let bos = tokenizer.bosId
        var inputs = [Int32](repeating: 0, count: B * T), targets = [Int32](repeating: -1, count: B * T)
        for b in 0..<B {
            var row: [Int32] = [], mask: [UInt8] = []
            row.reserveCapacity(cap); mask.reserveCapacity(cap)
            var contentLen = cap
            while row.count < cap {
                try refill()
                let remaining = cap - row.count
                var best = -1, bestLen = 0
                for (i, c) in buffer.enumerated() where c.ids.count <= remaining && c.ids.count > bestLen {
                    best = i; bestLen = c.ids.count
                }
                if best >= 0 {
                    let c = buffer.remove(at: best)
                    row += c.ids; mask += c.mask
                    consumed += worldSize
                } else {
                    contentLen = row.count
                    row += repeatElement(bos, count: remaining); mask += repeatElement(0, count: remaining)
                    break
                }
            }
            // inputs = row[:-1]; targets = row[1:], -1 where mask[1:] == 0 and from content_len-1 on
            for t in 0..<T {
                inputs[b * T + t] = row[t]
                let masked = mask[t + 1] == 0 || (contentLen < cap && t >= contentLen - 1)
                targets[b * T + t] = masked ? -1 : row[t + 1]
            }
        }
        it += 1
        var lastStep = false, progress = 0.0
        if train {
            if numIterations > 0 && it >= numIterations { lastStep = true }
            progress = numIterations > 0 ? Double(it) / Double(numIterations) : Double(consumed) / Double(dataset.count)
            if consumed >= dataset.count { lastStep = true }
        }
        return SFTBatch(inputs: inputs, targets: targets, stateBefore: before, lastStep: lastStep,
                        approxProgress: progress, epoch: epoch)
    }
}
