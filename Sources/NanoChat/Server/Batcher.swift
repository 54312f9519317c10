import Foundation

/// chat_web's generation side (continuous batching): one thread runs the shared `DecodeLoop` over the
/// rows of every active request, one ragged forward per token for all of them; queued requests join
/// between steps while fewer than `maxRows` rows decode; each row streams as it goes. A request whose
/// client has left is dropped at the next step. At most `maxQueued` requests wait; then `submit` refuses.
public final class Batcher: @unchecked Sendable {
    /// One request: its rows (its `n` choices), whether its client is gone, and what to do at the end.
    final class Job {
        let rows: [GenerationRow]
        let isCancelled: () -> Bool
        let onDone: (Error?) -> Void
        init(rows: [GenerationRow], isCancelled: @escaping () -> Bool, onDone: @escaping (Error?) -> Void) {
            self.rows = rows; self.isCancelled = isCancelled; self.onDone = onDone
        }
    }

    let maxRows: Int, maxQueued: Int
    private let loop: DecodeLoop
    private let cond = NSCondition()
    private var queue: [Job] = []
    private var active: [Job] = []
    private var activeRows = 0
    private(set) var served = 0, tokens = 0

    public init(engine: Engine, maxRows: Int, maxQueued: Int) throws {
        loop = try DecodeLoop(engine: engine)
        self.maxRows = max(1, maxRows); self.maxQueued = maxQueued
    }

    /// Queues a request; false when the queue is full (the caller answers 429/503 with Retry-After).
    func submit(_ job: Job) -> Bool {
        cond.lock(); defer { cond.unlock() }
        guard queue.count < maxQueued else { return false }
        queue.append(job)
        cond.signal()
        return true
    }

    public var snapshot: (rows: Int, active: Int, queued: Int, served: Int, tokens: Int) {
        cond.lock(); defer { cond.unlock() }
        return (activeRows, active.count, queue.count, served, tokens)
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "decode"
        thread.stackSize = 4 << 20
        thread.start()
    }

    private func run() -> Never {
        while true {
            cond.lock()
            while queue.isEmpty && active.isEmpty { cond.wait() }
            // admit while there is room (a request larger than maxRows runs alone)
            while let next = queue.first, active.isEmpty || activeRows + next.rows.count <= maxRows {
                queue.removeFirst(); active.append(next); activeRows += next.rows.count
            }
            let jobs = active
            cond.unlock()
            for job in jobs where job.isCancelled() { job.rows.forEach { $0.cancel() } }
            var failure: Error? = nil
            do { try loop.step(jobs.flatMap(\.rows)) } catch { failure = error }
            let finished = jobs.filter { job in failure != nil || job.rows.allSatisfy(\.isFinished) }
            let produced = jobs.reduce(0) { $0 + $1.rows.filter { !$0.isFinished }.count }
            for job in finished { job.rows.forEach { $0.cancel() }; job.onDone(failure) }
            cond.lock()
            tokens += produced
            if !finished.isEmpty {
                active.removeAll { job in finished.contains { $0 === job } }
                activeRows = active.reduce(0) { $0 + $1.rows.count }
                served += finished.count
            }
            cond.unlock()
        }
    }
}
