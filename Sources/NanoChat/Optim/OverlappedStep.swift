import Foundation

/// The optimizer step when ranks communicate, with communication overlapped per group (not per phase): every
/// group's gradient reduction is started at once; a group's updates run as soon as its reduction has
/// arrived, while the others are still in flight; a group's all-gather starts as soon as its updates are
/// done. The math of each update is the pooled step's, on the same gradients, so the result does not
/// depend on the order in which reductions arrive.
extension MuonAdamW {
    /// One gradient reduction of the step and the all-gather that follows its updates (nil: the small
    /// replicated tensors, all-reduced and updated whole everywhere).
    struct Reduction {
        enum Kind {
            case allReduce(Range<Int>)                                   // elements of the flat buffers
            case reduceScatter(offset: Int, gradShard: Int, counts: [Int])
        }
        let kind: Kind
        let gather: (offset: Int, counts: [Int])?
    }

    /// The step's reductions in the order they are started (replicated runs, then Muon groups, then sharded
    /// AdamW tensors: the tiny ones arrive first, then those with the most math per byte), and this rank's
    /// jobs ordered by the reduction they wait for.
    struct OverlapPlan {
        let reductions: [Reduction]
        let jobs: [Job]
        let reductionOfJob: [Int]
    }

    static func makeOverlapPlan(jobs: [Job], adamSlots: [[AdamSlot]], muonPlans: [MuonPlan?],
                                replicatedRuns: [Range<Int>], worldSize: Int) -> OverlapPlan {
        var reductions = replicatedRuns.map { Reduction(kind: .allReduce($0), gather: nil) }
        var muonReduction: [Int: Int] = [:]        // group → reduction
        var adamReduction: [[Int]: Int] = [:]      // [group, slot] → reduction
        for (gi, plan) in muonPlans.enumerated() {
            guard let p = plan else { continue }
            precondition(p.contiguous, "Muon group of \(p.entries[0].name) is not one contiguous block of the flat buffers")
            let counts = Sharding.counts(p.entries.count, unitSize: p.m * p.n, world: worldSize)
            muonReduction[gi] = reductions.count
            reductions.append(Reduction(kind: .reduceScatter(offset: p.entries[0].offset, gradShard: p.gradShard, counts: counts),
                                        gather: (p.entries[0].offset, counts)))
        }
        for (gi, slots) in adamSlots.enumerated() {
            for (si, s) in slots.enumerated() where s.sharded {
                let counts = Sharding.counts(s.totalRows, unitSize: s.rowSize, world: worldSize)
                adamReduction[[gi, si]] = reductions.count
                reductions.append(Reduction(kind: .reduceScatter(offset: s.entry.offset, gradShard: s.gradShard, counts: counts),
                                            gather: (s.entry.offset, counts)))
            }
        }
        func reduction(_ job: Job) -> Int {
            switch job {
            case let .muon(gi, _): return muonReduction[gi]!
            case let .adamw(gi, si, _):
                let slot = adamSlots[gi][si]
                if slot.sharded { return adamReduction[[gi, si]]! }
                let range = slot.entry.range
                guard let run = replicatedRuns.firstIndex(where: { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound })
                else { preconditionFailure("replicated tensor \(slot.entry.name) is in no all-reduced run") }
                return run
            }
        }
        // stable by reduction: within one, the pooled order (largest Muon matrices first)
        let ordered = jobs.enumerated().map { (reduction($0.element), $0.offset, $0.element) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        return OverlapPlan(reductions: reductions, jobs: ordered.map(\.2), reductionOfJob: ordered.map(\.0))
    }

    /// Starts reduction `r` of the plan on this step's gradients; the summed gradients land in `grads` (all-reduce)
    /// or in this rank's part of `shard` (reduce-scatter; each in flight under its own tag).
    func startReduction(_ r: Int, grads: FlatBuffer, shard: FlatBuffer, dist: Distributed) -> PendingCollective {
        switch overlapPlan.reductions[r].kind {
        case let .allReduce(range):
            return dist.startAllReduceSum(grads.ptr + range.lowerBound, count: range.count)
        case let .reduceScatter(offset, gradShard, counts):
            return dist.startReduceScatterSum(send: grads.ptr + offset, recv: shard.ptr + gradShard, counts: counts, tag: r)
        }
    }

    /// The step's communication and updates. `overlapped` (ranks on different hosts): the calling thread polls
    /// the reductions, runs jobs whose gradients have arrived and starts each all-gather once its group is
    /// updated (in plan order, which every rank shares: collectives must start in the same order everywhere),
    /// while `Threads.count − 1` helpers take ready jobs. Otherwise (ranks of one host, where communication is
    /// memory traffic on the same cores and progresses only while a thread polls it, so overlapping it with the
    /// updates measured 0.87× on 2 ranks; dev/LOG.md, 2026-12-04) in phases: all reductions, all updates, all
    /// gathers. MPI calls stay on the calling thread (MPI_THREAD_FUNNELED).
    func stepCommunicating(params: FlatBuffer, grads: FlatBuffer, dist: Distributed, overlapped: Bool) {
        let shard = gradShard ?? FlatBuffer(count: gradShardCount)
        gradShard = shard
        let plan = overlapPlan
        let source = GradSource(full: grads.ptr, shard: shard.ptr)
        timers?.start()
        let pending = plan.reductions.indices.map { startReduction($0, grads: grads, shard: shard, dist: dist) }
        if !overlapped {
            for p in pending { p.wait() }
            timers?.lap(.collectives)
            runPooled(params: params, grads: source)
            timers?.start()
            let gathers = plan.reductions.compactMap { r in r.gather.map { dist.startAllGather(params.ptr + $0.offset, counts: $0.counts) } }
            for g in gathers { g.wait() }
            timers?.lap(.collectives)
            return
        }
        let workers = max(1, min(Threads.count, plan.jobs.count))
        let crew = OverlapCrew(optimizer: self, params: params, grads: source, workers: workers)
        let schedule = crew.schedule
        var idle = 0.0                                           // the calling thread polling with nothing to run
        let t0 = now()
        BLAS.setThreads(1)
        let helpers = DispatchGroup()
        for w in 1..<workers {
            DispatchQueue.global().async(group: helpers) { while let j = crew.schedule.takeWaiting() { crew.run(j, worker: w) } }
        }
        var gathers: [PendingCollective] = []
        var nextGather = 0, arrived = 0
        var hasArrived = [Bool](repeating: false, count: plan.reductions.count)   // this thread alone marks them
        while nextGather < plan.reductions.count {
            for r in plan.reductions.indices where !hasArrived[r] && pending[r].test() {
                hasArrived[r] = true
                schedule.markReady(r)
                arrived += 1
            }
            while nextGather < plan.reductions.count && schedule.isFinished(nextGather) {
                if let g = plan.reductions[nextGather].gather { gathers.append(dist.startAllGather(params.ptr + g.offset, counts: g.counts)) }
                nextGather += 1
            }
            if nextGather == plan.reductions.count { break }
            if let j = schedule.take() { crew.run(j, worker: 0); continue }
            let t = now()
            if arrived < plan.reductions.count { sched_yield() } else { schedule.waitForProgress() }
            idle += now() - t
        }
        helpers.wait()
        let t = now()
        for g in gathers { g.wait() }
        idle += now() - t
        BLAS.setThreads(Threads.count)
        if let tm = timers {
            tm.add(.collectives, idle)
            Self.addUpdateTime(tm, seconds: now() - t0 - idle, busy: UnsafeBufferPointer(start: crew.busy, count: 2 * workers))
        }
    }
}

/// What the workers of an overlapped step share: the jobs, their inputs and per-worker scratch and timers.
final class OverlapCrew: @unchecked Sendable {
    unowned let optimizer: MuonAdamW
    let params: FlatBuffer
    let grads: MuonAdamW.GradSource
    let scalars: (adam: [AdamW.Scalars?], muon: [Muon.Scalars?])
    let workspaces: [Muon.Workspace]
    let schedule: OverlapSchedule
    /// Seconds per worker in AdamW jobs [2w] and Muon jobs [2w + 1]: each slot written by its worker only, so
    /// raw memory (a Swift array property would be one exclusive access for all threads).
    let busy: UnsafeMutablePointer<Double>

    init(optimizer: MuonAdamW, params: FlatBuffer, grads: MuonAdamW.GradSource, workers: Int) {
        self.optimizer = optimizer
        self.params = params
        self.grads = grads
        scalars = optimizer.stepScalars()
        workspaces = optimizer.workspaces(workers)
        schedule = OverlapSchedule(reductionOfJob: optimizer.overlapPlan.reductionOfJob,
                                   reductions: optimizer.overlapPlan.reductions.count)
        busy = .allocate(capacity: 2 * workers)
        busy.initialize(repeating: 0, count: 2 * workers)
    }
    deinit { busy.deallocate() }

    func run(_ j: Int, worker w: Int) {
        let job = optimizer.overlapPlan.jobs[j]
        let t = now()
        optimizer.run(job, scalars.adam, scalars.muon, params: params, grads: grads, workspaces[w])
        let seconds = now() - t
        if case .adamw = job { busy[2 * w] += seconds } else { busy[2 * w + 1] += seconds }
        schedule.finish(j)
    }
}

/// Which jobs may run: a job once its reduction has arrived, each once; a reduction is finished when all
/// its jobs are. Shared by the polling thread and the helpers.
final class OverlapSchedule: @unchecked Sendable {
    private let cond = NSCondition()
    private let reductionOfJob: [Int]
    private var ready: [Bool]
    private var remaining: [Int]          // per reduction: jobs not finished
    private var taken: [Bool]
    private var cursor = 0                // every job before it is taken
    private var untaken: Int

    init(reductionOfJob: [Int], reductions: Int) {
        self.reductionOfJob = reductionOfJob
        ready = [Bool](repeating: false, count: reductions)
        remaining = [Int](repeating: 0, count: reductions)
        for r in reductionOfJob { remaining[r] += 1 }
        taken = [Bool](repeating: false, count: reductionOfJob.count)
        untaken = reductionOfJob.count
    }

    func markReady(_ r: Int) {
        cond.lock(); defer { cond.unlock() }
        ready[r] = true
        cond.broadcast()
    }
    /// Arrived and every job of it done (a reduction without jobs on this rank: as soon as it arrived).
    func isFinished(_ r: Int) -> Bool { cond.lock(); defer { cond.unlock() }; return ready[r] && remaining[r] == 0 }

    /// A ready job, or nil when none is ready now.
    func take() -> Int? {
        cond.lock(); defer { cond.unlock() }
        return takeLocked()
    }

    /// A ready job, waiting for one; nil when every job has been taken.
    func takeWaiting() -> Int? {
        cond.lock(); defer { cond.unlock() }
        while untaken > 0 {
            if let j = takeLocked() { return j }
            cond.wait()
        }
        return nil
    }

    func finish(_ j: Int) {
        cond.lock(); defer { cond.unlock() }
        remaining[reductionOfJob[j]] -= 1
        cond.broadcast()
    }

    /// Sleeps until a job finishes or a reduction is marked ready (or briefly, as a guard).
    func waitForProgress() {
        cond.lock(); defer { cond.unlock() }
        _ = cond.wait(until: Date(timeIntervalSinceNow: 0.001))
    }

    private func takeLocked() -> Int? {
        var j = cursor
        while j < taken.count {
            if !taken[j] && ready[reductionOfJob[j]] {
                taken[j] = true
                untaken -= 1
                // jobs are taken out of order when reductions arrive out of order: skip every taken one
                while cursor < taken.count && taken[cursor] { cursor += 1 }
                return j
            }
            j += 1
        }
        return nil
    }
}
