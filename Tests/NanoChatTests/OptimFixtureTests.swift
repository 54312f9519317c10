import Foundation
import XCTest
@testable import NanoChat

/// MuonAdamW against nanochat itself: `Fixtures/nanochat_tiny` (HEAD 92d63d4, CPU fp32, eager).
final class OptimFixtureTests: XCTestCase {
    static let dir = TestPaths.fixture("nanochat_tiny")

    struct Fixture {
        let config: GPTConfig
        let layout: ParameterLayout
        let json: [String: Any]
        var args: [String: Double] { json["setup_optimizer_args"] as! [String: Double] }
    }

    static func loadFixture() throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/fixture.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cfgData = try JSONSerialization.data(withJSONObject: json["model_config"]!)
        let config = try JSONDecoder().decode(GPTConfig.self, from: cfgData)
        return Fixture(config: config, layout: ParameterLayout(config: config), json: json)
    }

    /// Every tensor of the layout from a fixture safetensors file into a flat buffer.
    static func loadFlat(_ file: String, _ layout: ParameterLayout) throws -> FlatBuffer {
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
}
