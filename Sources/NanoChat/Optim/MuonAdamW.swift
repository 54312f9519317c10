import Foundation

/// nanochat's combined optimizer (§1.10, §2) in fp32 over the model's one flat parameter buffer and one
/// flat gradient buffer: AdamW for embeddings, lm_head and scalars; Muon for every block matrix.
///
/// State lives in four flat buffers so it saves and loads as tensors: AdamW first and second moments
/// (one slot per AdamW parameter), and per Muon group a `[K, m, n]` momentum buffer and a `[K, m]` or
/// `[K, n]` second moment (nanochat's `[K,m,1]` / `[K,1,n]`).
///
/// Distribution: `rank`/`worldSize` are kept for nanochat's ZeRO-2-like sharding (§2.3). For now every
/// rank holds the full state and updates everything from a gradient buffer the caller has already
/// averaged (all-reduce). The state is laid out per tensor (AdamW) and per matrix (Muon, `[K,…]` in
/// model order), so a sharded version only has to restrict the loops to the owned rows/matrices
/// (nanochat's `chunk = ceil(K/W)`) and add reduce-scatter/all-gather; the saved file is per rank.
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

    /// Where each AdamW tensor's moments live.
    struct AdamSlot { let entry: ParamEntry; let state: Int }
    /// One Muon group: shape, members, and offsets of its state.
    struct MuonPlan {
        let m: Int, n: Int
        let entries: [ParamEntry]
        let momentum: Int          // offset in muonMomentum, K·m·n floats
        let second: Int            // offset in muonSecond, K·secondLen floats
        var secondLen: Int { m >= n ? m : n }
        var secondShape: [Int] { m >= n ? [entries.count, m, 1] : [entries.count, 1, n] }
    }
    let entries: [String: ParamEntry]
    let totalCount: Int
    let adamSlots: [[AdamSlot]]        // per group; empty for Muon groups
    let muonPlans: [MuonPlan?]         // per group; nil for AdamW groups
    let adamExpAvg: FlatBuffer, adamExpAvgSq: FlatBuffer
    let muonMomentum: FlatBuffer, muonSecond: FlatBuffer
    let jobs: [Job]
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
        var adam: [[AdamSlot]] = [], plans: [MuonPlan?] = []
        var adamOff = 0, momOff = 0, secOff = 0
        for g in groups {
            let es = g.names.map { n -> ParamEntry in
                guard let e = entries[n] else { preconditionFailure("optimizer group names unknown tensor \(n)") }
                return e
            }
            switch g.kind {
            case .adamw:
                adam.append(es.map { e in
                    defer { adamOff += (e.count + 15) / 16 * 16 }
                    return AdamSlot(entry: e, state: adamOff)
                })
                plans.append(nil)
            case .muon:
                let shape = es[0].shape
                precondition(shape.count == 2 && es.allSatisfy { $0.shape == shape }, "Muon group needs one 2-D shape")
                let plan = MuonPlan(m: shape[0], n: shape[1], entries: es, momentum: momOff, second: secOff)
                momOff += es.count * plan.m * plan.n
                secOff += es.count * plan.secondLen
                adam.append([])
                plans.append(plan)
            }
        }
        adamSlots = adam
        muonPlans = plans
        jobs = Self.makeJobs(adamSlots: adam, muonPlans: plans)
        adamExpAvg = FlatBuffer(count: adamOff)
        adamExpAvgSq = FlatBuffer(count: adamOff)
        muonMomentum = FlatBuffer(count: momOff)
        muonSecond = FlatBuffer(count: secOff)
    }

    /// §2.4: lr = initialLr·lrm for every group; Muon groups also get the scheduled momentum and weight decay.
    public func setSchedule(lrMultiplier: Double, muonMomentum: Double, muonWeightDecay: Double) {
        for i in groups.indices {
            groups[i].lr = groups[i].initialLr * lrMultiplier
            if groups[i].kind == .muon {
                groups[i].momentum = muonMomentum
                groups[i].weightDecay = muonWeightDecay
            }
        }
    }

    /// One optimizer step over all groups. Does not zero `grads`. Every tensor's update depends only on
    /// its own data, so the work is cut into jobs (see OptimizerJobs.swift) that run on `Threads.count`
    /// workers; the result is the same as running the groups in order.
    public func step(params: FlatBuffer, grads: FlatBuffer) {
        precondition(params.count >= totalCount && grads.count >= totalCount, "optimizer: buffers smaller than the layout")
        stepCount += 1
        if pooled { runPooled(params: params, grads: grads) } else { runByGroup(params: params, grads: grads) }
    }
}
