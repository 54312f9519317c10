import Foundation

extension MuonAdamW {
    /// Where jobs read gradients: the full buffer (one rank, or the all-reduced small tensors), or this
    /// rank's summed rows and matrices after a reduce-scatter.
    struct GradSource {
        let full: UnsafeMutablePointer<Float>
        let shard: UnsafeMutablePointer<Float>?
    }

    /// One unit of a step: a slice of the owned rows of one AdamW tensor (element range within the
    /// tensor), or one owned Muon matrix.
    enum Job {
        case adamw(group: Int, slot: Int, range: Range<Int>)
        case muon(group: Int, k: Int)
    }

    /// Floats per AdamW job: 1 MiB per stream, a few ms of memory traffic.
    static let adamChunk = 1 << 18

    /// This rank's Muon matrices by decreasing cost (largest-first keeps the workers balanced), then
    /// slices of its AdamW rows.
    static func makeJobs(adamSlots: [[AdamSlot]], muonPlans: [MuonPlan?]) -> [Job] {
        var muon: [(cost: Int, job: Job)] = []
        var adam: [Job] = []
        for (gi, plan) in muonPlans.enumerated() {
            if let p = plan {
                for k in p.owned { muon.append((p.m * p.n * min(p.m, p.n), .muon(group: gi, k: k))) }
            } else {
                for (si, slot) in adamSlots[gi].enumerated() {
                    var lo = slot.owned.lowerBound
                    while lo < slot.owned.upperBound {
                        let hi = min(slot.owned.upperBound, lo + adamChunk)
                        adam.append(.adamw(group: gi, slot: si, range: lo..<hi))
                        lo = hi
                    }
                }
            }
        }
        // stable: equal-cost matrices keep model order
        let sorted = muon.enumerated().sorted { ($0.element.cost, -$0.offset) > ($1.element.cost, -$1.offset) }
        return sorted.map(\.element.job) + adam
    }

    /// Per-worker scratch, kept across steps (at d20 a c_fc workspace is ~30 MB; re-faulting it every
    /// step would cost more than the allocation suggests).
    func workspaces(_ n: Int) -> [Muon.Workspace] {
        while workspaceCache.count < n { workspaceCache.append(makeWorkspace()) }
        return workspaceCache
    }

    /// Scratch big enough for any Muon matrix of this optimizer.
    func makeWorkspace() -> Muon.Workspace {
        let plans = muonPlans.compactMap { $0 }
        return Muon.Workspace(maxMN: plans.map { $0.m * $0.n }.max() ?? 0, maxS: plans.map { min($0.m, $0.n) }.max() ?? 0,
                              maxDim: plans.map { max($0.m, $0.n) }.max() ?? 0)
    }

    /// Per-group fp32 scalars for this step.
    func stepScalars() -> (adam: [AdamW.Scalars?], muon: [Muon.Scalars?]) {
        let adam = groups.map { g in
            g.kind == .adamw ? AdamW.Scalars(lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps,
                                             weightDecay: g.weightDecay, step: stepCount) : nil
        }
        let muon = groups.indices.map { gi -> Muon.Scalars? in
            guard let p = muonPlans[gi] else { return nil }
            let g = groups[gi]
            return Muon.Scalars(lr: g.lr, momentum: g.momentum, beta2: g.beta2, weightDecay: g.weightDecay,
                                nsSteps: g.nsSteps, m: p.m, n: p.n)
        }
        return (adam, muon)
    }

    @inline(__always)
    func run(_ job: Job, _ adamS: [AdamW.Scalars?], _ muonS: [Muon.Scalars?], params: FlatBuffer, grads: GradSource,
             _ ws: Muon.Workspace) {
        switch job {
        case let .adamw(gi, si, r):
            let slot = adamSlots[gi][si]
            let o = slot.entry.offset + r.lowerBound, local = r.lowerBound - slot.owned.lowerBound
            let g = slot.sharded ? grads.shard.map { $0 + slot.gradShard + local } : nil
            AdamW.update(p: params.ptr + o, g: g ?? grads.full + o, m: adamExpAvg.ptr + slot.state + local,
                         v: adamExpAvgSq.ptr + slot.state + local, count: r.count, adamS[gi]!)
        case let .muon(gi, k):
            let p = muonPlans[gi]!
            let e = p.entries[k], local = k - p.owned.lowerBound
            let g = grads.shard.map { $0 + p.gradShard + local * p.m * p.n } ?? grads.full + e.offset
            Muon.update(p: params.ptr + e.offset, g: g, buf: muonMomentum.ptr + p.momentum + local * p.m * p.n,
                        s2: muonSecond.ptr + p.second + local * p.secondLen, m: p.m, n: p.n, muonS[gi]!, ws)
        }
    }

    /// All jobs from one shared queue; BLAS single-threaded meanwhile (each worker runs its own GEMMs).
    func runPooled(params: FlatBuffer, grads: GradSource) {
        let (adamS, muonS) = stepScalars()
        let workers = min(Threads.count, jobs.count)
        let ws = workspaces(max(1, workers))
        // thread-seconds per worker in AdamW jobs [2w] and Muon jobs [2w+1]: the pooled wall is split by them
        var busy = [Double](repeating: 0, count: 2 * max(1, workers))
        let t0 = now()
        busy.withUnsafeMutableBufferPointer { busy in
            func runTimed(_ job: Job, _ w: Int) {
                let t = now()
                run(job, adamS, muonS, params: params, grads: grads, ws[w])
                if case .adamw = job { busy[2 * w] += now() - t } else { busy[2 * w + 1] += now() - t }
            }
            if workers <= 1 {
                for job in jobs { runTimed(job, 0) }
                return
            }
            let queue = JobQueue(count: jobs.count)
            Threads.eachWorkerWithOwnBLAS(workers) { w in
                while let j = queue.next() { runTimed(jobs[j], w) }
            }
        }
        if let tm = timers {
            busy.withUnsafeBufferPointer { Self.addUpdateTime(tm, seconds: now() - t0, busy: $0) }
        }
    }

    /// Files `seconds` of pooled updates as AdamW and Muon time in the proportion the workers spent on each
    /// (`busy`: per worker, AdamW seconds at 2w and Muon seconds at 2w + 1).
    static func addUpdateTime(_ tm: PhaseTimers, seconds: Double, busy: UnsafeBufferPointer<Double>) {
        var adam = 0.0, muon = 0.0
        for w in 0..<(busy.count / 2) { adam += busy[2 * w]; muon += busy[2 * w + 1] }
        let share = adam + muon > 0 ? adam / (adam + muon) : 0
        tm.add(.adamw, seconds * share)
        tm.add(.muon, seconds * (1 - share))
    }

    /// Group by group (the straightforward schedule; see `pooled`).
    func runByGroup(params: FlatBuffer, grads: GradSource) {
        let (adamS, muonS) = stepScalars()
        let threads = Threads.count
        timers?.start()
        for gi in groups.indices {
            defer { timers?.lap(adamS[gi] != nil ? .adamw : .muon) }
            if let s = adamS[gi] {
                for slot in adamSlots[gi] {
                    let o = slot.entry.offset + slot.owned.lowerBound
                    let g = slot.sharded ? grads.shard.map { $0 + slot.gradShard } : nil
                    AdamW.updateParallel(p: params.ptr + o, g: g ?? grads.full + o, m: adamExpAvg.ptr + slot.state,
                                         v: adamExpAvgSq.ptr + slot.state, count: slot.owned.count, s)
                }
                continue
            }
            let owned = muonPlans[gi]!.owned
            let ws = workspaces(threads)
            if threads > 1 && owned.count >= threads {
                Threads.eachWorkerWithOwnBLAS(threads) { w in   // worker w takes owned matrices w, w+threads, …
                    for k in stride(from: owned.lowerBound + w, to: owned.upperBound, by: threads) {
                        run(.muon(group: gi, k: k), adamS, muonS, params: params, grads: grads, ws[w])
                    }
                }
            } else {
                for k in owned { run(.muon(group: gi, k: k), adamS, muonS, params: params, grads: grads, ws[0]) }
            }
        }
    }
}

/// Hands out job indices 0..<count to concurrent workers.
final class JobQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private let count: Int
    init(count: Int) { self.count = count }
    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard cursor < count else { return nil }
        cursor += 1
        return cursor - 1
    }
}
