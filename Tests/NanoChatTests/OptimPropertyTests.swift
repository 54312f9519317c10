import Foundation
import XCTest
@testable import NanoChat

/// Builds optimizers over arbitrary tensors (not a GPT layout) for the property and reference tests.
enum OptimTestKit {
    /// A start for the GPT-shaped save/load and re-sharding tests: the layout of `config`, parameters N(0, 0.1²)
    /// drawn from `rng` (which the test then draws its gradients from), and a gradient buffer.
    static func randomStart(_ config: GPTConfig, rng: inout RNG) -> (layout: ParameterLayout, params: FlatBuffer, grads: FlatBuffer) {
        let layout = ParameterLayout(config: config)
        let params = FlatBuffer(count: layout.totalCount), grads = FlatBuffer(count: layout.totalCount)
        rng.fillNormal(params.ptr, layout.totalCount, std: 0.1)
        return (layout, params, grads)
    }

    /// Tensors laid out one after another (16-float aligned) in one flat buffer.
    static func layout(_ specs: [(String, [Int])]) -> (entries: [ParamEntry], total: Int) {
        var off = 0
        var out: [ParamEntry] = []
        for (n, s) in specs {
            out.append(ParamEntry(name: n, shape: s, offset: off))
            off += (s.reduce(1, *) + 15) / 16 * 16
        }
        return (out, off)
    }

    static func adamw(_ names: [String], lr: Double, betas: [Double], eps: Double, wd: Double) -> MuonAdamW.Group {
        .init(kind: .adamw, names: names, lr: lr, initialLr: lr, betas: betas, eps: eps, weightDecay: wd,
              momentum: 0, beta2: 0, nsSteps: 0)
    }

    static func muon(_ names: [String], lr: Double, momentum: Double = 0.95, beta2: Double = 0.9, wd: Double = 0) -> MuonAdamW.Group {
        .init(kind: .muon, names: names, lr: lr, initialLr: lr, betas: [], eps: 0, weightDecay: wd,
              momentum: momentum, beta2: beta2, nsSteps: 5)
    }

    /// nanochat tests/test_optim.py's menagerie: AdamW (48,) and (1024,4); Muon 3×(32,64) wide, 2×(64,32) tall.
    static let menagerie: [(String, [Int])] = [
        ("small", [48]), ("large", [1024, 4]),
        ("wide0", [32, 64]), ("wide1", [32, 64]), ("wide2", [32, 64]), ("tall0", [64, 32]), ("tall1", [64, 32]),
    ]
    static func menagerieOptimizer(lr: Double = 0.02, wd: Double = 0) -> (MuonAdamW, [ParamEntry], Int) {
        let (entries, total) = layout(menagerie)
        let groups = [
            adamw(["small", "large"], lr: lr, betas: [0.8, 0.95], eps: 1e-10, wd: wd),
            muon(["wide0", "wide1", "wide2"], lr: lr, wd: wd),
            muon(["tall0", "tall1"], lr: lr, wd: wd),
        ]
        return (MuonAdamW(entries: entries, totalCount: total, groups: groups), entries, total)
    }

    static func array(_ b: FlatBuffer, _ e: ParamEntry) -> [Float] { Array(UnsafeBufferPointer(start: b.view(e), count: e.count)) }
    static func bits(_ b: FlatBuffer) -> [UInt32] { (0..<b.count).map { b[$0].bitPattern } }
}

/// The four properties nanochat's tests/test_optim.py checks (nanochat tests/test_optim.py).
final class OptimPropertyTests: XCTestCase {
    /// (1) Our AdamW vs torch.optim.AdamW's formula (Double scalars, addcdiv form) over 10 steps.
    func testAdamWMatchesTorchFormula() {
        let (entries, total) = OptimTestKit.layout([("w", [64, 32])])
        let lr = 0.01, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1
        let opt = MuonAdamW(entries: entries, totalCount: total,
                            groups: [OptimTestKit.adamw(["w"], lr: lr, betas: [b1, b2], eps: eps, wd: wd)])
        let n = 64 * 32
        let p = FlatBuffer(count: total), g = FlatBuffer(count: total)
        var rng = RNG(seed: 1)
        rng.fillNormal(p.ptr, n, std: 1)
        var ref = (0..<n).map { p[$0] }, m = [Float](repeating: 0, count: n), v = m
        for step in 1...10 {
            rng.fillNormal(g.ptr, n, std: 1)
            opt.step(params: p, grads: g)
            // torch.optim.AdamW, single-tensor path
            let bc1 = 1 - pow(b1, Double(step)), bc2 = 1 - pow(b2, Double(step))
            let stepSize = Float(lr / bc1), bc2Sqrt = Float(bc2.squareRoot())
            for i in 0..<n {
                ref[i] *= Float(1 - lr * wd)
                m[i] += (g[i] - m[i]) * Float(1 - b1)
                v[i] = v[i] * Float(b2) + Float(1 - b2) * g[i] * g[i]
                let denom = v[i].squareRoot() / bc2Sqrt + Float(eps)
                ref[i] -= stepSize * m[i] / denom
            }
        }
        for i in 0..<n {   // assert_close(rtol 1e-5, atol 1e-6)
            XCTAssertLessThanOrEqual(abs(p[i] - ref[i]), 1e-6 + 1e-5 * abs(ref[i]), "element \(i)")
        }
    }

    /// (2) Two identical 5-step runs over the menagerie are bitwise equal — also between the pooled
    /// job schedule and the group-by-group one.
    func testDeterministic() {
        func run(pooled: Bool = true) -> [UInt32] {
            let (opt, _, total) = OptimTestKit.menagerieOptimizer()
            opt.pooled = pooled
            let p = FlatBuffer(count: total), g = FlatBuffer(count: total)
            var rng = RNG(seed: 7)
            rng.fillNormal(p.ptr, total, std: 0.1)
            for _ in 0..<5 {
                rng.fillNormal(g.ptr, total, std: 1)
                opt.step(params: p, grads: g)
            }
            return OptimTestKit.bits(p)
        }
        let a = run()
        XCTAssertEqual(a, run())
        XCTAssertEqual(a, run(pooled: false))
    }

    /// The communicating step's schedules (overlapped per group, and in phases) in one process, where every
    /// reduction is a copy into the shard buffer: bitwise the plain step, over the menagerie and a GPT layout
    /// (replicated scalars, sharded embeddings, Muon groups).
    func testOverlappedScheduleEqualsTheOneProcessStep() {
        func run(_ make: () -> (MuonAdamW, Int), mode: Int) -> [UInt32] {
            let (opt, total) = make()
            let p = FlatBuffer(count: total), g = FlatBuffer(count: total)
            var rng = RNG(seed: 11)
            rng.fillNormal(p.ptr, total, std: 0.1)
            for _ in 0..<4 {
                rng.fillNormal(g.ptr, total, std: 1)
                if mode == 0 {
                    opt.step(params: p, grads: g)
                } else {
                    opt.stepCount += 1
                    opt.stepCommunicating(params: p, grads: g, dist: .single, overlapped: mode == 1)
                }
            }
            return OptimTestKit.bits(p)
        }
        let menagerie = { () -> (MuonAdamW, Int) in let (o, _, t) = OptimTestKit.menagerieOptimizer(); return (o, t) }
        let config = GPTConfig(sequenceLen: 64, vocabSize: 100, nLayer: 2, nHead: 2, nKvHead: 2, nEmbd: 64)
        let gpt = { () -> (MuonAdamW, Int) in
            let layout = ParameterLayout(config: config)
            return (MuonAdamW(layout: layout, config: config), layout.totalCount)
        }
        for make in [menagerie, gpt] {
            let plain = run(make, mode: 0)
            XCTAssertEqual(plain, run(make, mode: 1), "overlapped per group")
            XCTAssertEqual(plain, run(make, mode: 2), "in phases")
        }
        let (opt, _, _) = OptimTestKit.menagerieOptimizer()
        XCTAssertEqual(opt.overlapPlan.jobs.count, opt.jobs.count, "every job scheduled once")
        XCTAssertEqual(opt.overlapPlan.reductionOfJob, opt.overlapPlan.reductionOfJob.sorted(), "jobs in reduction order")
    }

    /// A job is handed out only once its reduction has arrived, each job once; a reduction is finished when
    /// its jobs are; a waiting helper wakes when a reduction arrives and gets nil once all are taken.
    func testOverlapScheduleWaitsForReductions() {
        let schedule = OverlapSchedule(reductionOfJob: [0, 0, 1, 1, 2], reductions: 4)
        XCTAssertNil(schedule.take())
        schedule.markReady(1)
        XCTAssertEqual(schedule.take(), 2)
        XCTAssertEqual(schedule.take(), 3)
        XCTAssertNil(schedule.take())
        XCTAssertFalse(schedule.isFinished(1))
        schedule.finish(2); schedule.finish(3)
        XCTAssertTrue(schedule.isFinished(1))
        schedule.markReady(3)
        XCTAssertTrue(schedule.isFinished(3), "no jobs here: finished on arrival")
        schedule.markReady(0)
        XCTAssertEqual(schedule.take(), 0)
        XCTAssertEqual(schedule.take(), 1)
        let got = expectation(description: "helper got job 4")
        let result = LockedBox<Int?>(nil), second = LockedBox<Int?>(-1), secondDone = LockedBox(false)
        DispatchQueue.global().async {
            result.value = schedule.takeWaiting()
            got.fulfill()
            second.value = schedule.takeWaiting()
            secondDone.value = true
        }
        usleep(50_000)
        XCTAssertNil(result.value, "no job before its reduction arrives")
        schedule.markReady(2)
        wait(for: [got], timeout: 10)
        XCTAssertEqual(result.value, 4)
        for _ in 0..<200 where !secondDone.value { usleep(10_000) }
        XCTAssertTrue(secondDone.value)
        XCTAssertNil(second.value, "all taken: nil")
    }

    /// (3) 50 steps on ‖p − t‖² from a +0.1 offset: every tensor's distance halves at least, stays finite.
    func testConverges() {
        let (opt, entries, total) = OptimTestKit.menagerieOptimizer(lr: 0.02)
        let p = FlatBuffer(count: total), g = FlatBuffer(count: total), t = FlatBuffer(count: total)
        var rng = RNG(seed: 3)
        rng.fillNormal(t.ptr, total, std: 0.5)
        for i in 0..<total { p[i] = t[i] + 0.1 }
        func dist(_ e: ParamEntry) -> Double { (0..<e.count).reduce(0.0) { $0 + Double(pow(p[e.offset + $1] - t[e.offset + $1], 2)) } }
        let d0 = entries.map(dist)
        for _ in 0..<50 {
            for i in 0..<total { g[i] = 2 * (p[i] - t[i]) }
            opt.step(params: p, grads: g)
        }
        for (e, d) in zip(entries, d0) {
            let d1 = dist(e)
            print(String(format: "  %@: distance %.4f → %.4f", e.name, d, d1))
            XCTAssertTrue(d1.isFinite, e.name)
            XCTAssertLessThan(d1, 0.5 * d, e.name)
        }
    }

    /// (4) The first Muon update (lr 1, momentum 0, β2 1, wd 0) of a random (32,64) grad is near
    /// semi-orthogonal: singular values within a factor 4 of each other.
    func testFirstMuonUpdateIsNearOrthogonal() {
        let m = 32, n = 64
        let (entries, total) = OptimTestKit.layout([("w", [m, n])])
        let opt = MuonAdamW(entries: entries, totalCount: total,
                            groups: [OptimTestKit.muon(["w"], lr: 1, momentum: 0, beta2: 1, wd: 0)])
        let p = FlatBuffer(count: total), g = FlatBuffer(count: total)
        var rng = RNG(seed: 11)
        rng.fillNormal(g.ptr, m * n, std: 1)
        opt.step(params: p, grads: g)
        // update U = p_before − p_after = −p; singular values² = eigenvalues of U·Uᵀ [m, m]
        var a = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m { a[i * m + j] = (0..<n).reduce(0.0) { $0 + Double(p[i * n + $1]) * Double(p[j * n + $1]) } } }
        let sv = jacobiEigenvalues(&a, m).map { max($0, 0).squareRoot() }
        let mean = sv.reduce(0, +) / Double(sv.count)
        let spread = sv.max()! / sv.min()!
        print(String(format: "  singular values / mean: min %.3f max %.3f, spread %.3f", sv.min()! / mean, sv.max()! / mean, spread))
        XCTAssertLessThan(spread, 4)
    }

    /// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
    func jacobiEigenvalues(_ a: inout [Double], _ n: Int) -> [Double] {
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {   // rotate columns p, q
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {   // rotate rows p, q
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                }
            }
        }
        return (0..<n).map { a[$0 * n + $0] }
    }
}

/// A value shared with a test's background thread.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
