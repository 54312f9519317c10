import Foundation
import XCTest
@testable import NanoChat

/// base_train's schedules (scripts/base_train.py: get_lr_multiplier, get_muon_momentum, get_weight_decay) and
/// hyper-parameter transfer (get_scaling_params and the batch size / lr / weight-decay transfer) against worked
/// examples.
final class ScheduleTests: XCTestCase {
    func testPythonRoundHalfToEven() {
        XCTAssertEqual(pythonRound(0.5), 0)
        XCTAssertEqual(pythonRound(1.5), 2)
        XCTAssertEqual(pythonRound(2.5), 2)
        XCTAssertEqual(pythonRound(-0.5), 0)
        XCTAssertEqual(pythonRound(-1.5), -2)
        XCTAssertEqual(pythonRound(2.5000001), 3)
        XCTAssertEqual(Schedule(numIterations: 10).warmdownIters, 6)              // round(6.5) = 6
        XCTAssertEqual(Schedule(numIterations: 30).warmdownIters, 20)             // round(19.5) = 20
        XCTAssertEqual(Schedule(numIterations: 2, warmdownRatio: 0.25).warmdownIters, 0)   // round(0.5) = 0
        XCTAssertEqual(Schedule(numIterations: 2520).warmdownIters, 1638)
    }

    func testLrMultiplier() {
        let s = Schedule(numIterations: 100)   // warmup 40, warmdown round(65) = 65, final 0.05
        XCTAssertEqual(s.lrMultiplier(0), 1.0 / 40)
        XCTAssertEqual(s.lrMultiplier(39), 1.0)
        XCTAssertEqual(s.lrMultiplier(35), 1.0 / 40 * 36)   // still warming up
        XCTAssertEqual(s.lrMultiplier(40), 1.0 - 0.95 * 5 / 65, accuracy: 1e-15)   // 40 > 100 − 65: warmdown
        XCTAssertEqual(s.lrMultiplier(100), 0.05, accuracy: 1e-15)
        let long = Schedule(numIterations: 1000)  // warmdown 650 → flat until 350
        XCTAssertEqual(long.lrMultiplier(350), 1.0)
        let p = 649.0 / 650
        XCTAssertEqual(long.lrMultiplier(351), p + (1 - p) * 0.05)
    }

    func testMuonMomentumAndWeightDecay() {
        let s = Schedule(numIterations: 1000)   // warmdown starts at 350, but it < 400 wins
        XCTAssertEqual(s.muonMomentum(0), 0.85)
        XCTAssertEqual(s.muonMomentum(200), 0.5 * 0.85 + 0.5 * 0.97, accuracy: 1e-15)
        XCTAssertEqual(s.muonMomentum(399), (1 - 399.0 / 400) * 0.85 + 399.0 / 400 * 0.97)
        XCTAssertEqual(s.muonMomentum(400), 0.97 * (1 - 50.0 / 650) + 0.90 * (50.0 / 650))
        XCTAssertEqual(s.muonMomentum(1000), 0.90, accuracy: 1e-15)
        let s2 = Schedule(numIterations: 5000)  // flat 0.97 between 400 and 1750
        XCTAssertEqual(s2.muonMomentum(1000), 0.97)
        XCTAssertEqual(s.muonWeightDecay(0, base: 0.2), 0.2)
        XCTAssertEqual(s.muonWeightDecay(500, base: 0.2), 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.muonWeightDecay(1000, base: 0.2), 0, accuracy: 1e-15)
    }

    func testScalingCountsUsedByTransfer() throws {
        XCTAssertEqual(try HyperParams.resolve(config: .fromDepth(12)).scalingParams, 84_935_088 + 25_165_824)
        XCTAssertEqual(try HyperParams.resolve(config: .fromDepth(6, headDim: 64), headDim: 64).scalingParams,
                       10_617_048 + 12_582_912)
        XCTAssertEqual(try HyperParams.resolve(config: .fromDepth(24)).flopsPerToken, 4_775_225_616)
    }

    func testTransferWorkedExamples() throws {
        let d12 = try HyperParams.resolve(config: .fromDepth(12))
        XCTAssertEqual(d12.totalBatchSize, 1 << 19)
        XCTAssertEqual(d12.batchLrScale, 1.0)
        XCTAssertEqual(d12.numIterations, 2520)
        XCTAssertEqual(d12.weightDecayScaled, 0.28, accuracy: 1e-12)

        let d20 = try HyperParams.resolve(config: .fromDepth(20))
        XCTAssertEqual(d20.totalBatchSize, 1 << 20)
        XCTAssertEqual(d20.numIterations, 4980)
        XCTAssertEqual(d20.weightDecayScaled, 0.100188, accuracy: 5e-7)

        let d24 = try HyperParams.resolve(config: .fromDepth(24), targetParamDataRatio: 8)
        XCTAssertEqual(d24.totalBatchSize, 1 << 20)
        XCTAssertEqual(d24.numIterations, 5568)
        XCTAssertEqual(d24.weightDecayScaled, 0.0597384, accuracy: 5e-8)
        XCTAssertEqual(d24.matrixLr, 0.0282843, accuracy: 5e-8)

        let d6 = try HyperParams.resolve(config: .fromDepth(6, headDim: 64), headDim: 64, totalBatchSize: 16384)
        XCTAssertEqual(d6.totalBatchSize, 16384)
        XCTAssertEqual(d6.batchLrScale, 0.1767767, accuracy: 5e-8)
        XCTAssertEqual(d6.weightDecayScaled, 0.2349029, accuracy: 5e-8)
        XCTAssertEqual(d6.unembeddingLr, 0.008 * d6.batchLrScale)
        XCTAssertEqual(d6.matrixLr, 0.02 * d6.batchLrScale)
    }

    func testHorizonPrecedence() throws {
        let c = GPTConfig.fromDepth(12)
        XCTAssertEqual(try HyperParams.resolve(config: c, numIterations: 7, targetFlops: 1e18).numIterations, 7)
        let fpt = c.flopsPerToken
        let viaFlops = try HyperParams.resolve(config: c, targetFlops: 1e18)
        XCTAssertEqual(viaFlops.numIterations, pythonRound(1e18 / (fpt * Double(1 << 19))))
        // num_iterations given: target_tokens and wd scaling are still computed
        XCTAssertEqual(try HyperParams.resolve(config: c, numIterations: 7).targetTokens, 1_321_210_944)
    }
}
