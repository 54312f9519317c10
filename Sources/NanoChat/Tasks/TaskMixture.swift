/// nanochat's `TaskMixture`: every (task, row) pair of the listed tasks, shuffled once with CPython's
/// `random.Random(42)` so the tasks are spread over the whole epoch. A task listed k times is k epochs of it.
public final class TaskMixture: ChatTask {
    public let tasks: [ChatTask]
    /// (task index, row index) in training order.
    public let indexMap: [(task: Int, row: Int)]
    public var name: String { "mixture" }
    public var count: Int { indexMap.count }

    public init(_ tasks: [ChatTask]) {
        self.tasks = tasks
        var map: [(task: Int, row: Int)] = []
        map.reserveCapacity(tasks.reduce(0) { $0 + $1.count })
        for (t, task) in tasks.enumerated() {
            for r in 0..<task.count { map.append((t, r)) }
        }
        var rng = PyRandom(seed: 42)
        rng.shuffle(&map)
        indexMap = map
    }

    public func conversation(at index: Int) throws -> Conversation {
        guard index >= 0 && index < indexMap.count else {
            throw NanoChatError("mixture: index \(index) out of range for \(indexMap.count) conversations")
        }
        let (t, r) = indexMap[index]
        return try tasks[t].conversation(at: r)
    }
}

/// nanochat's `TaskSequence`: tasks one after the other (here: the shard files of one source, in order).
public final class TaskSequence: ChatTask {
    public let tasks: [ChatTask]
    private let offsets: [Int]
    public let count: Int
    public var name: String { tasks.first?.name ?? "sequence" }

    public init(_ tasks: [ChatTask]) {
        self.tasks = tasks
        var o: [Int] = [], n = 0
        for t in tasks { o.append(n); n += t.count }
        offsets = o; count = n
    }

    public func conversation(at index: Int) throws -> Conversation {
        guard index >= 0 && index < count else { throw NanoChatError("\(name): index \(index) out of range for \(count) conversations") }
        var t = offsets.count - 1
        while offsets[t] > index { t -= 1 }
        return try tasks[t].conversation(at: index - offsets[t])
    }
}

/// HF `datasets`' `.shuffle(seed=42)` as nanochat's tasks apply it on load (tasks/common.py:
/// `HubDataset.shuffle` = `numpy.random.default_rng(42).permutation(n)`): position i is base row order[i].
/// Any `start:stop` slice is taken after it, as nanochat's `Task(start=, stop=)` slices the shuffled rows.
public final class TaskShuffle: ChatTask {
    public let base: ChatTask
    public let order: [Int]
    public var name: String { base.name }
    public var count: Int { order.count }
    public init(_ base: ChatTask, seed: UInt32 = 42) {
        self.base = base
        order = NumpyPermutation.permutation(base.count, seed: seed)
    }
    public func conversation(at index: Int) throws -> Conversation { try base.conversation(at: order[index]) }
}
