import Foundation
import XCTest
@testable import NanoChat

/// MuonAdamW against nanochat itself: `Fixtures/nanochat_tiny` (HEAD 92d63d4, CPU fp32, eager).
final class OptimFixtureTests: XCTestCase {
    static let dir = TestPaths.fixture("nanochat_tiny")
    static let refDir = TestPaths.fixture("reference/model_ref")

    struct Fixture {
        let config: GPTConfig
        let layout: ParameterLayout
        let json: [String: Any]
        var args: [String: Double] { json["setup_optimizer_args"] as! [String: Double] }
    }

    static func loadFixture(_ dir: String = dir) throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/fixture.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cfgData = try JSONSerialization.data(withJSONObject: json["model_config"]!)
        let config = try JSONDecoder().decode(GPTConfig.self, from: cfgData)
        return Fixture(config: config, layout: ParameterLayout(config: config), json: json)
    }

    /// Every tensor of the layout from a fixture safetensors file into a flat buffer.
    static func loadFlat(_ file: String, _ layout: ParameterLayout, dir: String = dir) throws -> FlatBuffer {
        let f = try SafetensorsFile(path: dir + "/" + file)
        let buf = FlatBuffer(count: layout.totalCount)
        for e in layout.entries { try f.read(e.name, into: buf.view(e), shape: e.shape) }
        return buf
    }

    static func makeOptimizer(_ fx: Fixture) -> MuonAdamW {
        let a = fx.args
        return MuonAdamW(layout: fx.layout, config: fx.config, unembeddingLr: a["unembedding_lr"]!,
                         embeddingLr: a["embedding_lr"]!, matrixLr: a["matrix_lr"]!,
                         weightDecay: a["weight_decay"]!, scalarLr: a["scalar_lr"]!)
    }

    func testParamGroupsMatchNanochat() throws {
        let fx = try Self.loadFixture()
        let opt = Self.makeOptimizer(fx)
        let expect = fx.json["optimizer_param_groups"] as! [[String: Any]]
        XCTAssertEqual(opt.groups.count, expect.count)
        for (i, (g, e)) in zip(opt.groups, expect).enumerated() {
            XCTAssertEqual(g.kind.rawValue, e["kind"] as? String, "group \(i) kind")
            XCTAssertEqual(g.names, e["params"] as? [String], "group \(i) params")
            let lr = e["lr"] as! Double
            XCTAssertEqual(g.lr, lr, accuracy: abs(lr) * 1e-14, "group \(i) lr")
            XCTAssertEqual(g.initialLr, e["initial_lr"] as! Double, accuracy: abs(lr) * 1e-14, "group \(i) initial_lr")
            XCTAssertEqual(g.weightDecay, e["weight_decay"] as! Double, "group \(i) weight_decay")
            if g.kind == .adamw {
                XCTAssertEqual(g.betas, e["betas"] as? [Double], "group \(i) betas")
                XCTAssertEqual(g.eps, e["eps"] as! Double, "group \(i) eps")
            } else {
                XCTAssertEqual(g.momentum, e["momentum"] as! Double, "group \(i) momentum")
                XCTAssertEqual(g.beta2, e["beta2"] as! Double, "group \(i) beta2")
                XCTAssertEqual(g.nsSteps, e["ns_steps"] as! Int, "group \(i) ns_steps")
            }
        }
    }

    /// d12 (nanochat/gpt.py: GPT.setup_optimizer): every tensor in exactly one group; Muon groups (6,12)×6,
    /// (768,768)×48, (768,3072)×12, (3072,768)×12; dmodel_lr_scale 1 at C 768.
    func testD12Groups() {
        let c = GPTConfig.fromDepth(12, headDim: 128)
        let layout = ParameterLayout(config: c)
        // the group builder alone: a d12 optimizer would allocate 2 GB of state
        let groups = MuonAdamW.nanochatGroups(layout: layout, config: c, unembeddingLr: 0.004, embeddingLr: 0.2,
                                              matrixLr: 0.02, weightDecay: 0, scalarLr: 0.5)
        let all = groups.flatMap(\.names)
        XCTAssertEqual(all.count, layout.entries.count)
        XCTAssertEqual(Set(all), Set(layout.entries.map(\.name)))
        let muon = groups.filter { $0.kind == .muon }.map { (layout.entry($0.names[0]).shape, $0.names.count) }
        XCTAssertEqual(muon.map(\.0), [[6, 12], [768, 768], [768, 3072], [3072, 768]])
        XCTAssertEqual(muon.map(\.1), [6, 48, 12, 12])
        XCTAssertEqual(groups[0].lr, 0.004)
        XCTAssertEqual(groups[2].lr, 0.1)
        XCTAssertEqual(groups[2].names.first, "value_embeds.1.weight")
    }

    /// weights_init + grads_step0 → one step → weights_step1, per tensor to 1e-4 of max |ref|.
    func testOneStepMatchesNanochat() throws {
        let fx = try Self.loadFixture()
        let params = try Self.loadFlat("weights_init.safetensors", fx.layout)
        let grads = try Self.loadFlat("grads_step0.safetensors", fx.layout)
        let expect = try SafetensorsFile(path: Self.dir + "/weights_step1.safetensors")
        let opt = Self.makeOptimizer(fx)
        opt.step(params: params, grads: grads)
        print("MuonAdamW one step vs nanochat (weights_step1):")
        for e in fx.layout.entries {
            let got = Array(UnsafeBufferPointer(start: params.view(e), count: e.count))
            checkTensor(got, try expect.floats(e.name, shape: e.shape), rtol: 1e-4, label: e.name)
        }
    }

    /// Three training steps with the Swift GPT's forward/backward: losses and weights_step3
    /// (nanochat_tiny from nanochat itself; model_ref from the independent PyTorch reference).
    func testThreeTrainingStepsMatchNanochat() throws { try threeSteps(Self.dir) }
    func testThreeTrainingStepsMatchReference() throws { try threeSteps(Self.refDir) }

    func threeSteps(_ dir: String) throws {
        let fx = try Self.loadFixture(dir)
        let gpt = try GPT(config: fx.config)
        gpt.params.copy(from: try Self.loadFlat("weights_init.safetensors", gpt.layout, dir: dir))
        let batch = try SafetensorsFile(path: dir + "/batch.safetensors")
        let shape = try batch.info("idx").shape
        let B = shape[0], T = shape[1]
        let idx = try batch.ints("idx").map { Int32($0) }, tgt = try batch.ints("targets").map { Int32($0) }
        let losses = fx.json["losses"] as! [Double]
        let opt = Self.makeOptimizer(fx)
        for i in 0..<3 {
            gpt.zeroGrad()
            let loss = idx.withUnsafeBufferPointer { x in tgt.withUnsafeBufferPointer { y in gpt.forward(inputs: x, targets: y, B: B, T: T) } }
            gpt.backward()
            print(String(format: "  step %d loss %.7f (expected %.7f)", i, loss, losses[i]))
            XCTAssertEqual(Double(loss), losses[i], accuracy: 1e-5 * losses[i], "loss \(i)")
            opt.step(params: gpt.params, grads: gpt.grads)
        }
        let expect = try SafetensorsFile(path: dir + "/weights_step3.safetensors")
        print("weights after 3 training steps (\(URL(fileURLWithPath: dir).lastPathComponent)):")
        if dir == Self.refDir {   // well-conditioned batch: plain per-tensor check
            for e in gpt.layout.entries {
                checkTensor(OptimTestKit.array(gpt.params, e), try expect.floats(e.name, shape: e.shape), rtol: 1e-4, label: e.name)
            }
            return
        }
        // nanochat_tiny's batch has ill-conditioned elements where fp32 rounding legitimately decides the
        // result (nanochat's own fp32 numbers differ from a float64 run by 5e-4 there; dev/notes/reference.md):
        // AdamW elements with 0 < |grad0| < 1e-8 move by g/(|g|+1e-10), anything in [0, lr]; and Muon's
        // cautious mask g·p ≥ 0 can flip where the update is ~0, costing one lr·wd·|p|.
        // Same criterion as dev/reference/validate_against_nanochat.py: exclude the former, allow ≤ 3 of the latter.
        let g0 = try SafetensorsFile(path: dir + "/grads_step0.safetensors")
        for (gi, grp) in opt.groups.enumerated() {
            for name in grp.names {
                let e = gpt.layout.entry(name)
                let got = OptimTestKit.array(gpt.params, e), ref = try expect.floats(name, shape: e.shape)
                let maxRef = Double(ref.map { abs($0) }.max()!)
                let tol = 1e-4 * maxRef
                var worst = 0.0, excluded = 0, flips = 0
                if grp.kind == .adamw {
                    let grad0 = try g0.floats(name)
                    for i in ref.indices {
                        if grad0[i] != 0 && abs(grad0[i]) < 1e-8 { excluded += 1; continue }
                        worst = max(worst, Double(abs(got[i] - ref[i])))
                    }
                } else {
                    let plan = opt.muonPlans[gi]!
                    let lrEff = grp.lr * max(1.0, Double(plan.m) / Double(plan.n)).squareRoot()
                    for i in ref.indices {
                        let d = Double(abs(got[i] - ref[i]))
                        if d > tol {
                            flips += 1
                            XCTAssertLessThanOrEqual(d, 3 * lrEff * grp.weightDecay * Double(abs(ref[i])) + tol,
                                                     "\(name)[\(i)]: more than a cautious-mask flip")
                        } else {
                            worst = max(worst, d)
                        }
                    }
                    XCTAssertLessThanOrEqual(flips, 3, "\(name): \(flips) elements beyond tolerance")
                }
                print(String(format: "  %@: rel %.3e%@%@", name, worst / maxRef,
                             excluded > 0 ? " (\(excluded) ill-conditioned AdamW elements excluded)" : "",
                             flips > 0 ? " (\(flips) cautious-mask flips)" : ""))
                XCTAssertLessThanOrEqual(worst, tol, name)
            }
        }
    }
}
