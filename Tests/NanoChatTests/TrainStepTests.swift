import XCTest
@testable import NanoChat

/// The shared training step with SFT-style masks: an all-ignored micro-batch adds nothing and does not
/// count as a non-finite loss; a non-finite loss over valid targets stops the run.
final class TrainStepTests: XCTestCase {
    /// Hands out a fixed list of micro-batches in order.
    final class ListSource: MicroBatchSource {
        var batches: [MicroBatch], index = 0
        init(_ batches: [MicroBatch]) { self.batches = batches }
        func nextMicroBatch() throws -> MicroBatch { defer { index += 1 }; return batches[index % batches.count] }
        var logPosition: String { "batch: \(index)" }
    }

    static let B = 2, T = 8

    static func model() throws -> GPT {
        let m = try GPT(config: GPTConfig(sequenceLen: T, vocabSize: 50, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, windowPattern: "L"))
        m.initWeights(seed: 7)
        return m
    }

    static func step(_ m: GPT, accum: Int) -> TrainStep {
        TrainStep(program: "test", model: m, optimizer: MuonAdamW(layout: m.layout, config: m.config), dist: .single,
                  B: B, T: T, gradAccumSteps: accum, checkpointDir: "/nowhere")
    }

    static func batch(seed: UInt64, masked: Bool = false) -> MicroBatch {
        var rng = RNG(seed: seed)
        let n = B * T
        let inputs = (0..<n).map { _ in Int32(rng.next() % 50) }
        // some ignored targets even in a "valid" batch, as SFT rows have
        let targets = (0..<n).map { i in masked || i % 3 == 0 ? Int32(-1) : Int32(rng.next() % 50) }
        return MicroBatch(inputs: inputs, targets: targets)
    }

    func testAllMaskedMicroBatchAddsZeroGradient() throws {
        let valid = Self.batch(seed: 1), masked = Self.batch(seed: 2, masked: true)
        // reference: the valid micro-batch alone, scaled by 1/2 as one of two micro-batches
        let ref = try Self.model()
        ref.zeroGrad()
        let refLoss = valid.inputs.withUnsafeBufferPointer { x in
            valid.targets.withUnsafeBufferPointer { y in ref.forward(inputs: x, targets: y, B: Self.B, T: Self.T) }
        }
        ref.backward(lossScale: 0.5)

        for order in [[valid, masked], [masked, valid]] {
            let m = try Self.model()
            let r = try Self.step(m, accum: 2).accumulateGradients(step: 0, source: ListSource(order))
            XCTAssertEqual(r.loss, refLoss)
            XCTAssertEqual(r.validTargets, valid.targets.filter { $0 >= 0 }.count)
            XCTAssertTrue(Array(m.grads.buffer) == Array(ref.grads.buffer), "an all-masked micro-batch changed the gradient")
        }
    }

    func testFullyMaskedStepRunsAndLogsNoLoss() throws {
        let m = try Self.model()
        let r = try Self.step(m, accum: 2).run(step: 0, source: ListSource([Self.batch(seed: 3, masked: true)]),
                                               schedule: PretrainSchedule(schedule: Schedule(numIterations: 10), weightDecay: 0))
        XCTAssertNil(r.loss)
        XCTAssertNil(r.validLoss)
        XCTAssertEqual(r.validTargets, 0)
        XCTAssertTrue(m.params.buffer.allSatisfy { $0.isFinite })
    }

    func testNonFiniteLossOverValidTargetsStops() throws {
        let m = try Self.model()
        let wte = m.layout.entry("transformer.wte.weight")
        m.params.ptr.advanced(by: wte.offset).update(repeating: .nan, count: wte.count)
        let source = ListSource([Self.batch(seed: 4, masked: true), Self.batch(seed: 5)])
        XCTAssertThrowsError(try Self.step(m, accum: 2).accumulateGradients(step: 3, source: source)) {
            XCTAssertTrue("\($0)".contains("test: loss became") && "\($0)".contains("nan at step 3"), "\($0)")
        }
    }

    func testWrongMicroBatchShapeIsAnError() throws {
        let m = try Self.model()
        let short = MicroBatch(inputs: [1, 2, 3], targets: [1, 2, 3])
        XCTAssertThrowsError(try Self.step(m, accum: 1).accumulateGradients(step: 0, source: ListSource([short]))) {
            XCTAssertTrue("\($0)".contains("expected B·T"), "\($0)")
        }
    }
}
