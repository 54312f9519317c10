import Foundation
import XCTest
@testable import NanoChat

/// Optimizer state save/load: exact continuation and one-line errors.
final class OptimStateTests: XCTestCase {
    static let config = GPTConfig(sequenceLen: 64, vocabSize: 320, nLayer: 3, nHead: 4, nKvHead: 2, nEmbd: 64)

    func makeOpt(_ c: GPTConfig = config) -> MuonAdamW {
        MuonAdamW(layout: ParameterLayout(config: c), config: c, unembeddingLr: 0.008, embeddingLr: 0.3,
                  matrixLr: 0.02, weightDecay: 0.2, scalarLr: 0.5)
    }

    func testSaveLoadContinuesBitIdentically() throws {
        var rng = RNG(seed: 5)
        let (layout, pa, g) = OptimTestKit.randomStart(Self.config, rng: &rng)
        let n = layout.totalCount
        let a = makeOpt()
        let sched = Schedule(numIterations: 10)
        for it in 0..<3 {
            a.setSchedule(lrMultiplier: sched.lrMultiplier(it), muonMomentum: sched.muonMomentum(it),
                          muonWeightDecay: sched.muonWeightDecay(it, base: 0.2))
            rng.fillNormal(g.ptr, n, std: 1)
            a.step(params: pa, grads: g)
        }
        let path = TestPaths.tempDir("optim") + "/optim_000003.safetensors"
        try a.save(to: path)
        let b = makeOpt()
        try b.load(from: path)
        XCTAssertEqual(b.stepCount, 3)
        XCTAssertEqual(b.groups, a.groups)
        let pb = FlatBuffer(count: n)
        pb.copy(from: pa)
        for it in 3..<6 {
            rng.fillNormal(g.ptr, n, std: 1)
            for o in [a, b] {
                o.setSchedule(lrMultiplier: sched.lrMultiplier(it), muonMomentum: sched.muonMomentum(it),
                              muonWeightDecay: sched.muonWeightDecay(it, base: 0.2))
            }
            a.step(params: pa, grads: g)
            b.step(params: pb, grads: g)
        }
        XCTAssertEqual(OptimTestKit.bits(pa), OptimTestKit.bits(pb))
        for (x, y) in [(a.adamExpAvg, b.adamExpAvg), (a.adamExpAvgSq, b.adamExpAvgSq),
                       (a.muonMomentum, b.muonMomentum), (a.muonSecond, b.muonSecond)] {
            XCTAssertEqual(OptimTestKit.bits(x), OptimTestKit.bits(y))
        }
    }

    func testBadStateFilesGiveOneLineErrors() throws {
        let dir = TestPaths.tempDir("optim-bad")
        let good = dir + "/good.safetensors"
        try makeOpt().save(to: good)

        // garbage
        let junk = dir + "/junk.safetensors"
        _ = FileManager.default.createFile(atPath: junk, contents: Data("not a tensor file at all".utf8))
        assertOneLineError({ try makeOpt().load(from: junk) }, contains: [junk])

        // truncated
        let trunc = dir + "/trunc.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        _ = FileManager.default.createFile(atPath: trunc, contents: bytes.prefix(bytes.count - 100))
        assertOneLineError({ try makeOpt().load(from: trunc) }, contains: [trunc])

        // a model's weights file, not optimizer state
        let other = dir + "/model.safetensors"
        var w = SafetensorsWriter()
        w.add("x", shape: [2], floats: [1, 2])
        try w.write(to: other)
        assertOneLineError({ try makeOpt().load(from: other) }, contains: [other, "not a MuonAdamW state file"])

        // state of a different model (wider): group names match, tensor shapes do not
        var wide = Self.config
        wide.nEmbd = 128; wide.nHead = 8; wide.nKvHead = 4
        let wpath = dir + "/wide.safetensors"
        try makeOpt(wide).save(to: wpath)
        assertOneLineError({ try makeOpt().load(from: wpath) }, contains: [wpath, "shape"])

        // deeper model: different groups
        var deep = Self.config
        deep.nLayer = 4
        let dpath = dir + "/deep.safetensors"
        try makeOpt(deep).save(to: dpath)
        assertOneLineError({ try makeOpt().load(from: dpath) }, contains: [dpath, "param group"])

        // one rank's shard of a 2-rank state is not a whole state (OptimShardingTests re-shards complete sets)
        let ws = MuonAdamW(layout: ParameterLayout(config: Self.config), config: Self.config, rank: 1, worldSize: 2)
        let wspath = dir + "/ws.safetensors"
        try ws.save(to: wspath)
        assertOneLineError({ try makeOpt().load(from: wspath) }, contains: [wspath, "rank"])
    }
}
