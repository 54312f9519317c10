import Foundation

/// nanochat's combined optimizer (nanochat/optim.py: MuonAdamW, groups from nanochat/gpt.py: GPT.setup_optimizer) in
/// fp32 over the model's one flat parameter buffer and one flat gradient buffer: AdamW for embeddings, lm_head and
/// scalars; Muon for every block matrix.
///
/// Distributed as nanochat's (nanochat/optim.py: MuonAdamW.step, ZeRO-2-like): the optimizer sums the gradients over
/// ranks itself. AdamW tensors of ≥ 1024 elements are reduce-scattered along dim 0, each rank updates only its rows
/// and keeps moments only for them, then the rows are all-gathered; smaller tensors are all-reduced and
/// updated whole everywhere. Each Muon shape group (one contiguous `[K, m, n]` block of the flat
/// buffers, see ParameterLayout) is reduce-scattered by matrices: rank r owns `ceil(K/W)` of them with
/// their momentum and second-moment buffers, then all-gathers. So optimizer memory and math per rank
/// fall as 1/W (Sharding.swift). One process runs the same code with the collectives skipped.
///
/// State lives in four flat buffers (owned parts only) so it saves and loads as tensors: AdamW first and
/// second moments, and per Muon group a `[k, m, n]` momentum buffer and a `[k, m]` or `[k, n]` second
/// moment (nanochat's `[K,m,1]` / `[K,1,n]`) for its k owned matrices.
public final class MuonAdamW {
    public enum Kind: String, Codable { case adamw, muon }

    public struct Group: Codable, Equatable {
        public var kind: Kind
        public var names: [String]
        public var lr: Double
        public var initialLr: Double
        public var betas: [Double]          // adamw
        public var eps: Double              // adamw
        public var weightDecay: Double
        public var momentum: Double         // muon
        public var beta2: Double            // muon
        public var nsSteps: Int             // muon
        enum CodingKeys: String, CodingKey {
            case kind, names = "params", lr, initialLr = "initial_lr", betas, eps, weightDecay = "weight_decay"
            case momentum, beta2, nsSteps = "ns_steps"
        }
    }

    public internal(set) var groups: [Group]
    public internal(set) var stepCount: Int = 0
    public let rank: Int
    public let worldSize: Int
    /// true (default): one pool of jobs — Muon matrices (largest first, single-threaded BLAS each) and
    /// AdamW slices — shared by all workers, so memory-bound AdamW overlaps compute-bound Muon.
    /// false: group by group (AdamW slices in parallel; a Muon group's matrices in parallel when K ≥
    /// threads, else one at a time with multi-threaded BLAS). Kept for benchmarking.
    public var pooled = true
    /// Laps of collectives, AdamW and Muon (nil: not timed). TrainStep sets it.
    public var timers: PhaseTimers?

    /// One AdamW tensor: the rows this rank owns (all of them when replicated) and where its moments and
    /// (when ranks communicate) its reduced gradient rows live.
    struct AdamSlot {
        let entry: ParamEntry
        let sharded: Bool          // ≥ 1024 elements: split along dim 0; else replicated
        let rows: Range<Int>       // owned rows of dim 0
        let rowSize: Int           // elements per row
        let state: Int             // offset of the owned rows' moments in adamExpAvg/adamExpAvgSq
        let gradShard: Int         // offset of the owned rows' summed gradient in the shard buffer
        var owned: Range<Int> { rows.lowerBound * rowSize..<rows.upperBound * rowSize }   // elements of the tensor
        var totalRows: Int { entry.shape.first ?? 1 }
    }
    /// One Muon group: shape, members, the matrices this rank owns, and offsets of their state.
    struct MuonPlan {
        let m: Int, n: Int
        let entries: [ParamEntry]
        let owned: Range<Int>      // owned matrices (indices into entries)
        let momentum: Int          // offset in muonMomentum, owned·m·n floats
        let second: Int            // offset in muonSecond, owned·secondLen floats
        let gradShard: Int         // offset of the owned matrices' summed gradients in the shard buffer
        var secondLen: Int { m >= n ? m : n }
        func secondShape(_ k: Int) -> [Int] { m >= n ? [k, m, 1] : [k, 1, n] }
        /// Members follow each other in the flat buffers, so the group is one `[K, m, n]` block.
        var contiguous: Bool { entries.indices.allSatisfy { entries[$0].offset == entries[0].offset + $0 * m * n } }
    }
    let entries: [String: ParamEntry]
    let totalCount: Int
    let adamSlots: [[AdamSlot]]        // per group; empty for Muon groups
    let muonPlans: [MuonPlan?]         // per group; nil for AdamW groups
    /// Flat ranges of the replicated (small) AdamW tensors, merged across alignment padding: one
    /// all-reduce each.
    let replicatedRuns: [Range<Int>]
    let adamExpAvg: FlatBuffer, adamExpAvgSq: FlatBuffer
    let muonMomentum: FlatBuffer, muonSecond: FlatBuffer
    /// Floats of summed gradient this rank receives per step (its owned rows and matrices).
    let gradShardCount: Int
    var gradShard: FlatBuffer?         // allocated on the first step with more than one rank
    let jobs: [Job]
    /// The same jobs with the reductions they wait for (OverlappedStep.swift).
    let overlapPlan: OverlapPlan
    var workspaceCache: [Muon.Workspace] = []

    public convenience init(layout: ParameterLayout, config: GPTConfig, unembeddingLr: Double = 0.004,
                            embeddingLr: Double = 0.2, matrixLr: Double = 0.02, weightDecay: Double = 0.0,
                            scalarLr: Double = 0.5, rank: Int = 0, worldSize: Int = 1) {
        let groups = Self.nanochatGroups(layout: layout, config: config, unembeddingLr: unembeddingLr,
                                         embeddingLr: embeddingLr, matrixLr: matrixLr, weightDecay: weightDecay,
                                         scalarLr: scalarLr)
        self.init(entries: layout.entries, totalCount: layout.totalCount, groups: groups, rank: rank, worldSize: worldSize)
    }

    /// Any set of tensors in a flat buffer with explicit groups (tests use a menagerie of shapes).
    /// Muon groups must hold 2-D tensors of one shape.
    init(entries list: [ParamEntry], totalCount: Int, groups: [Group], rank: Int = 0, worldSize: Int = 1) {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "bad rank \(rank) of \(worldSize)")
        let entries = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
        self.entries = entries
        self.totalCount = totalCount
        self.groups = groups
        self.rank = rank
        self.worldSize = worldSize
        func aligned(_ n: Int) -> Int { (n + 15) / 16 * 16 }
        var adam: [[AdamSlot]] = [], plans: [MuonPlan?] = []
        var adamOff = 0, momOff = 0, secOff = 0, shardOff = 0
        var replicated: [Range<Int>] = []
        for g in groups {
            let es = g.names.map { n -> ParamEntry in
                guard let e = entries[n] else { preconditionFailure("optimizer group names unknown tensor \(n)") }
                return e
            }
            switch g.kind {
            case .adamw:
                adam.append(es.map { e in
                    let sharded = Sharding.shardsAdamW(e.shape)
                    let total = e.shape.first ?? 1
                    let rows = sharded ? Sharding.owned(total, rank: rank, world: worldSize) : 0..<total
                    let slot = AdamSlot(entry: e, sharded: sharded, rows: rows, rowSize: e.count / max(1, total),
                                        state: adamOff, gradShard: shardOff)
                    adamOff += aligned(slot.owned.count)
                    if sharded { shardOff += aligned(slot.owned.count) } else { replicated.append(e.range) }
                    return slot
                })
                plans.append(nil)
            case .muon:
                let shape = es[0].shape
                precondition(shape.count == 2 && es.allSatisfy { $0.shape == shape }, "Muon group needs one 2-D shape")
                let owned = Sharding.owned(es.count, rank: rank, world: worldSize)
                let plan = MuonPlan(m: shape[0], n: shape[1], entries: es, owned: owned, momentum: momOff, second: secOff,
                                    gradShard: shardOff)
                momOff += owned.count * plan.m * plan.n
                secOff += owned.count * plan.secondLen
                shardOff += aligned(owned.count * plan.m * plan.n)
                adam.append([])
                plans.append(plan)
            }
        }
        adamSlots = adam
        muonPlans = plans
        replicatedRuns = Self.mergeRuns(replicated, gap: ParameterLayout.alignment)
        gradShardCount = shardOff
        jobs = Self.makeJobs(adamSlots: adam, muonPlans: plans)
        overlapPlan = Self.makeOverlapPlan(jobs: jobs, adamSlots: adam, muonPlans: plans, replicatedRuns: replicatedRuns,
                                           worldSize: worldSize)
        adamExpAvg = FlatBuffer(count: adamOff)
        adamExpAvgSq = FlatBuffer(count: adamOff)
        muonMomentum = FlatBuffer(count: momOff)
        muonSecond = FlatBuffer(count: secOff)
    }

    /// Sorted ranges joined when less than `gap` apart (the padding between them is zero in the gradient
    /// buffer, so summing it is harmless).
    static func mergeRuns(_ ranges: [Range<Int>], gap: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound - last.upperBound < gap, r.lowerBound >= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// Bytes of optimizer state on this rank (moments and buffers; they shrink as 1/W).
    public var stateBytes: Int { 4 * (adamExpAvg.count + adamExpAvgSq.count + muonMomentum.count + muonSecond.count) }

    /// The schedules (scripts/base_train.py: get_lr_multiplier, get_muon_momentum, get_weight_decay): lr =
    /// initialLr·lrm for every group; Muon groups also get the scheduled momentum and weight decay.
    public func setSchedule(lrMultiplier: Double, muonMomentum: Double, muonWeightDecay: Double) {
        for i in groups.indices {
            groups[i].lr = groups[i].initialLr * lrMultiplier
            if groups[i].kind == .muon {
                groups[i].momentum = muonMomentum
                groups[i].weightDecay = muonWeightDecay
            }
        }
    }

    /// One optimizer step of a one-process run.
    public func step(params: FlatBuffer, grads: FlatBuffer) {
        step(params: params, grads: grads, dist: .single)
    }

    /// One optimizer step over all groups, from this rank's (not yet summed) gradients: the reductions —
    /// all-reduce of the small AdamW tensors, reduce-scatter of the large ones and of every Muon group —, the
    /// updates of the owned parts (the jobs of OptimizerJobs.swift on `Threads.count` workers), and the
    /// all-gathers of the updated rows and matrices; across hosts overlapped group by group, on one host in
    /// phases (OverlappedStep.swift). Every tensor's update depends only on its own data, so with one rank the
    /// result equals running the groups in order. `grads` is scratch afterwards (not zeroed; with several
    /// ranks it holds partial sums).
    public func step(params: FlatBuffer, grads: FlatBuffer, dist: Distributed) {
        precondition(params.count >= totalCount && grads.count >= totalCount, "optimizer: buffers smaller than the layout")
        precondition(dist.rank == rank && dist.worldSize == worldSize,
                     "optimizer built for rank \(rank) of \(worldSize), stepped by rank \(dist.rank) of \(dist.worldSize)")
        stepCount += 1
        if dist.communicates {
            stepCommunicating(params: params, grads: grads, dist: dist, overlapped: dist.spansHosts)
            return
        }
        let source = GradSource(full: grads.ptr, shard: nil)
        if pooled { runPooled(params: params, grads: source) } else { runByGroup(params: params, grads: source) }
    }
}
