import Foundation

/// A fixed set of engine slots over one shared read-only model (nanochat's WorkerPool): a request takes a
/// free slot or waits in line for one; at most `maxWaiting` wait, beyond that the server answers 503.
public final class EnginePool: @unchecked Sendable {
    public let size: Int
    public let maxWaiting: Int
    private var free: [Engine]
    private let lock = NSCondition()
    private var waiting = 0
    private(set) var served = 0

    public init(model: InferenceModel, tokenizer: TextTokenizer, size: Int, maxWaiting: Int = 32) {
        self.size = size; self.maxWaiting = maxWaiting
        free = (0..<size).map { _ in Engine(model: model, tokenizer: tokenizer) }
    }

    public enum Acquire { case engine(Engine), full, cancelled }

    /// Takes a slot, waiting while all are busy; `cancelled()` is polled while waiting (a client that
    /// left stops waiting).
    public func acquire(cancelled: () -> Bool) -> Acquire {
        lock.lock(); defer { lock.unlock() }
        if free.isEmpty {
            guard waiting < maxWaiting else { return .full }
            waiting += 1
            defer { waiting -= 1 }
            while free.isEmpty {
                _ = lock.wait(until: Date().addingTimeInterval(0.25))
                if free.isEmpty && cancelled() { return .cancelled }
            }
        }
        return .engine(free.removeLast())
    }

    public func release(_ engine: Engine) {
        lock.lock()
        free.append(engine); served += 1
        lock.signal()
        lock.unlock()
    }

    public var snapshot: (available: Int, busy: Int, waiting: Int, served: Int) {
        lock.lock(); defer { lock.unlock() }
        return (free.count, size - free.count, waiting, served)
    }
}
