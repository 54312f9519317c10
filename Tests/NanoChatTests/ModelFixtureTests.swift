import Foundation
import XCTest
@testable import NanoChat

/// Loads a fixture directory (weights_init, batch, outputs, grads_step0, fixture.json with model_config),
/// runs one forward/backward and compares logits, per-token losses, the loss and every gradient
/// (max |a−b| / max |b| per tensor, llm.c test_gpt2.c style).
final class ModelFixtureTests: XCTestCase {
    /// nanochat_tiny: computed by nanochat HEAD itself.
    func testNanochatTiny() throws { try runFixture(TestPaths.fixture("nanochat_tiny")) }

    /// model_ref: the reference helper's independent PyTorch implementation (different config).
    func testReferenceModel() throws {
        let dir = TestPaths.fixture("reference/model_ref")
        guard FileManager.default.fileExists(atPath: dir + "/fixture.json") else {
            throw XCTSkip("fixture directory \(dir) is missing")
        }
        try runFixture(dir)
    }

    func runFixture(_ dir: String, file: StaticString = #filePath, line: UInt = #line) throws {
        print("fixture \(dir)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/fixture.json"))) as! [String: Any]
        let cfgData = try JSONSerialization.data(withJSONObject: json["model_config"]!)
        let config = try JSONDecoder().decode(GPTConfig.self, from: cfgData)
        let model = try GPT(config: config)
        try model.load(from: dir + "/weights_init.safetensors")
        let batch = try SafetensorsFile(path: dir + "/batch.safetensors")
        let shape = try batch.info("idx").shape
        let B = shape[0], T = shape[1], V = config.vocabSize
        let idx = try batch.ints("idx").map { Int32($0) }
        let targets = try batch.ints("targets").map { Int32($0) }
        let outputs = try SafetensorsFile(path: dir + "/outputs.safetensors")

        if let li = outputs.tensors["logits"] {
            let ref = try outputs.floats("logits")
            let ours = model.logits(inputs: idx, B: B, T: T)
            if li.count == ours.count {
                checkTensor(ours, ref, rtol: 1e-5, label: "logits", file: file, line: line)
            } else if li.shape.count == 3, li.shape[2] == V {
                // a leading slice of positions per row: [B, t, V]
                let t = li.shape[1]
                var sl: [Float] = []
                for b in 0..<B { sl += ours[(b * T * V)..<((b * T + t) * V)] }
                checkTensor(sl, ref, rtol: 1e-5, label: "logits[:, :\(t)]", file: file, line: line)
            }
        }
        let loss = idx.withUnsafeBufferPointer { ib in
            targets.withUnsafeBufferPointer { tb in model.forward(inputs: ib, targets: tb, B: B, T: T) }
        }
        if outputs.tensors["per_token_loss"] != nil {
            checkTensor(Array(model.lastPerTokenLoss), try outputs.floats("per_token_loss"), rtol: 1e-5,
                        label: "per_token_loss", file: file, line: line)
        }
        checkTensor([loss], try outputs.floats("loss"), rtol: 1e-5, label: "loss", file: file, line: line)
        // the eval paths agree with the training forward
        let ptl = model.perTokenLoss(inputs: idx, targets: targets, B: B, T: T)
        checkTensor(ptl, try outputs.floats("per_token_loss"), rtol: 1e-5, label: "perTokenLoss()", file: file, line: line)

        _ = idx.withUnsafeBufferPointer { ib in
            targets.withUnsafeBufferPointer { tb in model.forward(inputs: ib, targets: tb, B: B, T: T) }
        }
        model.zeroGrad()
        model.backward()
        let grads = try SafetensorsFile(path: dir + "/grads_step0.safetensors")
        var checked = 0
        for e in model.layout.entries {
            let name = grads.tensors[e.name] != nil ? e.name : "_orig_mod." + e.name
            guard grads.tensors[name] != nil else { XCTFail("grads file lacks \(e.name)", file: file, line: line); continue }
            let ref = try grads.floats(name, shape: e.shape)
            let ours = Array(UnsafeBufferPointer(start: model.grads.view(e), count: e.count))
            checkTensor(ours, ref, rtol: 1e-4, label: "grad " + e.name, file: file, line: line)
            checked += 1
        }
        XCTAssertEqual(checked, model.layout.entries.count)
    }
}
