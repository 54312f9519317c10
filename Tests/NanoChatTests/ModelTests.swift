import Foundation
import XCTest
@testable import NanoChat

final class ModelTests: XCTestCase {
    func testScalingParamsAndFlops() {
        // parameter shapes (nanochat/gpt.py: GPT.__init__) and FLOPs/counts (GPT.estimate_flops, num_scaling_params)
        let d12 = GPTConfig.fromDepth(12)
        XCTAssertEqual(d12.scalingParams, ["wte": 25_165_824, "value_embeds": 150_994_944, "lm_head": 25_165_824,
                                           "transformer_matrices": 84_935_088, "scalars": 50, "total": 286_261_730])
        let d6 = GPTConfig.fromDepth(6, headDim: 64)
        XCTAssertEqual(d6.scalingParams["total"], 73_531_646)
        XCTAssertEqual(d6.scalingParams["transformer_matrices"], 10_617_048)
        XCTAssertEqual(d6.scalingParams["scalars"], 38)
        let d24 = GPTConfig.fromDepth(24)
        XCTAssertEqual(d24.scalingParams["transformer_matrices"], 679_478_976)
        XCTAssertEqual(d24.scalingParams["total"], 1_384_122_122)
        XCTAssertEqual(d24.flopsPerToken, 4_775_225_616)
    }

    func testSaveLoadRoundTripAndErrors() throws {
        let m = try ModelGradTests.tinyModel(layers: 3, seqLen: 64, seed: 3)
        let dir = TestPaths.tempDir("model")
        let path = dir + "/model.safetensors"
        try m.save(to: path)
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.names, m.layout.entries.map(\.name))   // state_dict order
        let m2 = try GPT(config: m.config)
        try m2.load(from: f)
        for e in m.layout.entries {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: m.params.view(e), count: e.count)),
                           Array(UnsafeBufferPointer(start: m2.params.view(e), count: e.count)), e.name)
        }
        let (x, y) = ModelGradTests.batch(B: 2, T: 20, V: 50, seed: 1)
        XCTAssertEqual(m.perTokenLoss(inputs: x, targets: y, B: 2, T: 20), m2.perTokenLoss(inputs: x, targets: y, B: 2, T: 20))

        // torch.compile prefix accepted
        func write(_ p: String, skip: String? = nil, rename: (String) -> String = { $0 }, reshape: String? = nil, extra: Bool = false) throws {
            var w = SafetensorsWriter()
            for e in m.layout.entries where e.name != skip {
                let shape = e.name == reshape ? [e.count] : e.shape
                w.add(rename(e.name), shape: shape, f32: UnsafePointer(m.params.view(e)))
            }
            if extra { w.add("rotary.cos", shape: [1], floats: [0]) }
            try w.write(to: p)
        }
        try write(dir + "/compiled.safetensors", rename: { "_orig_mod." + $0 })
        try m2.load(from: dir + "/compiled.safetensors")

        func expectError(_ p: String, _ needle: String) {
            XCTAssertThrowsError(try m2.load(from: p)) { err in
                let s = "\(err)"
                XCTAssertTrue(s.contains(needle) && s.contains(p) && !s.contains("\n"), s)
            }
        }
        try write(dir + "/missing.safetensors", skip: "transformer.h.1.mlp.c_fc.weight")
        expectError(dir + "/missing.safetensors", "missing tensor transformer.h.1.mlp.c_fc.weight")
        try write(dir + "/shape.safetensors", reshape: "lm_head.weight")
        expectError(dir + "/shape.safetensors", "tensor lm_head.weight has shape")
        try write(dir + "/extra.safetensors", extra: true)
        expectError(dir + "/extra.safetensors", "unexpected tensor rotary.cos")
        // other config → missing / unexpected names
        let other = try GPT(config: GPTConfig(sequenceLen: 64, vocabSize: 50, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32))
        XCTAssertThrowsError(try other.load(from: path)) { XCTAssertTrue("\($0)".contains("tensor"), "\($0)") }
    }

    func testInferenceAPIsAgreeWithLogits() throws {
        let m = try ModelGradTests.tinyModel(layers: 3, seqLen: 32, seed: 5)
        let B = 2, V = 50
        for T in [17, 80] {   // 80 > sequence_len: windows slide
            let (x, y) = ModelGradTests.batch(B: B, T: T, V: V, seed: UInt64(T))
            let logits = m.logits(inputs: x, B: B, T: T)
            XCTAssertEqual(logits.count, B * T * V)
            let (loss, am) = m.lossAndArgmax(inputs: x, targets: y, B: B, T: T)
            XCTAssertEqual(loss, m.perTokenLoss(inputs: x, targets: y, B: B, T: T))
            for n in 0..<(B * T) {
                let row = logits[(n * V)..<((n + 1) * V)].map(Double.init)
                let mx = row.max()!
                XCTAssertEqual(Int(am[n]), row.firstIndex(of: mx)!)
                let ce = y[n] < 0 ? 0 : mx + log(row.reduce(0) { $0 + exp($1 - mx) }) - row[Int(y[n])]
                XCTAssertEqual(Double(loss[n]), ce, accuracy: 1e-5)
            }
            let last = m.lastLogits(inputs: x, B: B, T: T)
            // (a GEMM over B rows vs B·T rows may sum in a different order: ulp-level differences)
            for b in 0..<B {
                checkTensor(Array(last[(b * V)..<((b + 1) * V)]), Array(logits[((b * T + T - 1) * V)..<((b * T + T) * V)]),
                            rtol: 1e-6, label: "lastLogits row \(b)")
            }
            // training forward agrees too
            let mean = x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in m.forward(inputs: xb, targets: yb, B: B, T: T) } }
            let valid = y.filter { $0 >= 0 }.count
            XCTAssertEqual(Double(mean), loss.reduce(0.0) { $0 + Double($1) } / Double(valid), accuracy: 1e-5)
            XCTAssertEqual(Array(m.lastPerTokenLoss), loss)
        }
        // causality: a prefix gives the same per-token losses as the longer sequence's first positions
        let (x, y) = ModelGradTests.batch(B: 1, T: 90, V: V, seed: 3)
        let long = m.perTokenLoss(inputs: x, targets: y, B: 1, T: 90)
        let short = m.perTokenLoss(inputs: Array(x[0..<40]), targets: Array(y[0..<40]), B: 1, T: 40)
        for t in 0..<40 { XCTAssertEqual(long[t], short[t], accuracy: 1e-5) }
    }

    func testInitWeights() throws {
        let m = try GPT(config: GPTConfig(sequenceLen: 64, vocabSize: 100, nLayer: 4, nHead: 2, nKvHead: 2, nEmbd: 64))
        m.initWeights()
        func stats(_ n: String) -> (mean: Double, std: Double, min: Float, max: Float) {
            let e = m.layout.entry(n); let p = m.params.view(e)
            let a = (0..<e.count).map { Double(p[$0]) }
            let mean = a.reduce(0, +) / Double(a.count)
            let v = a.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(a.count)
            return (mean, v.squareRoot(), (0..<e.count).map { p[$0] }.min()!, (0..<e.count).map { p[$0] }.max()!)
        }
        XCTAssertEqual(stats("transformer.wte.weight").std, 0.8, accuracy: 0.03)
        XCTAssertEqual(stats("lm_head.weight").std, 0.001, accuracy: 0.0001)
        XCTAssertEqual(stats("transformer.h.0.attn.c_proj.weight").max, 0)
        XCTAssertEqual(stats("transformer.h.2.mlp.c_proj.weight").min, 0)
        let s = Float(3.0.squareRoot() / 8)
        XCTAssertLessThanOrEqual(stats("transformer.h.1.mlp.c_fc.weight").max, 0.4 * s)
        XCTAssertGreaterThanOrEqual(stats("transformer.h.3.attn.ve_gate.weight").min, 0)
        XCTAssertEqual(m.params[m.oResid], 1.15); XCTAssertEqual(m.params[m.oResid + 3], 1.05, accuracy: 1e-6)
        XCTAssertEqual(m.params[m.oX0 + 3], 0.05, accuracy: 1e-6)
        XCTAssertEqual(m.params[m.oBackoutL], 0.2); XCTAssertEqual(m.params[m.oSmearL], 0)
    }
}
