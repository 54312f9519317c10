import Foundation
import XCTest
@testable import NanoChat

/// The sharded optimizer's arithmetic (who owns which rows and matrices, padding when W does not divide
/// K) and re-sharding of saved state across world sizes, in process (the MPI collectives themselves are
/// exercised by runs/mpi_check.sh).
final class OptimShardingTests: XCTestCase {
    static let config = GPTConfig(sequenceLen: 64, vocabSize: 320, nLayer: 3, nHead: 4, nKvHead: 2, nEmbd: 64)

    func makeOpt(rank: Int = 0, world: Int = 1) -> MuonAdamW {
        let c = Self.config
        return MuonAdamW(layout: ParameterLayout(config: c), config: c, unembeddingLr: 0.008, embeddingLr: 0.3,
                         matrixLr: 0.02, weightDecay: 0.2, scalarLr: 0.5, rank: rank, worldSize: world)
    }

    func testOwnershipArithmetic() {
        XCTAssertEqual((0..<4).map { Sharding.owned(6, rank: $0, world: 4) }, [0..<2, 2..<4, 4..<6, 6..<6])
        XCTAssertEqual((0..<2).map { Sharding.owned(5, rank: $0, world: 2) }, [0..<3, 3..<5])
        XCTAssertEqual((0..<4).map { Sharding.owned(2, rank: $0, world: 4) }, [0..<1, 1..<2, 2..<2, 2..<2])
        XCTAssertEqual(Sharding.owned(7, rank: 0, world: 1), 0..<7)
        XCTAssertEqual(Sharding.counts(6, unitSize: 10, world: 4), [20, 20, 20, 0])
        XCTAssertEqual(Sharding.chunk(12, world: 8), 2)   // d12's 12 c_fc matrices on 8 ranks: 2,2,2,2,2,2,0,0
        XCTAssertEqual(Sharding.counts(12, unitSize: 1, world: 8), [2, 2, 2, 2, 2, 2, 0, 0])
        for units in 0..<20 {
            for world in 1..<9 {   // the owned ranges tile 0..<units in rank order
                let parts = (0..<world).map { Sharding.owned(units, rank: $0, world: world) }
                XCTAssertEqual(parts.first?.lowerBound, 0)
                XCTAssertEqual(parts.last?.upperBound, units)
                for (a, b) in zip(parts, parts.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
            }
        }
        XCTAssertFalse(Sharding.shardsAdamW([1023]))
        XCTAssertTrue(Sharding.shardsAdamW([32, 32]))
    }

    func testCountSplitting() {
        XCTAssertEqual(CountSplit.pieces(10, limit: 4), [0..<4, 4..<8, 8..<10])
        XCTAssertEqual(CountSplit.pieces(8, limit: 4), [0..<4, 4..<8])
        XCTAssertEqual(CountSplit.pieces(0, limit: 4), [])
        XCTAssertEqual(CountSplit.pieces(3 << 31, limit: Int(Int32.max)).count, 4)
        XCTAssertEqual(CountSplit.displacements([3, 0, 2]), [0, 3, 3])
        XCTAssertTrue(CountSplit.fitsOneCall([3, 0, 2], limit: 5))
        XCTAssertFalse(CountSplit.fitsOneCall([3, 0, 3], limit: 5))
    }

    /// Each rank owns a 1/W share of every big tensor's rows and of every Muon group's matrices, and the
    /// state it keeps shrinks accordingly; the Muon groups are contiguous blocks of the flat buffers.
    func testStateShrinksWithWorldSize() {
        let full = makeOpt()
        for case let p? in full.muonPlans { XCTAssertTrue(p.contiguous, p.entries[0].name) }
        for world in [2, 3, 4] {
            let ranks = (0..<world).map { makeOpt(rank: $0, world: world) }
            XCTAssertEqual(ranks.map(\.muonMomentum.count).reduce(0, +), full.muonMomentum.count)
            XCTAssertEqual(ranks.map(\.muonSecond.count).reduce(0, +), full.muonSecond.count)
            for gi in full.groups.indices {
                for (si, slot) in full.adamSlots[gi].enumerated() {
                    let rows = ranks.map { $0.adamSlots[gi][si].rows }
                    if slot.sharded {
                        XCTAssertEqual(rows.map(\.count).reduce(0, +), slot.totalRows, slot.entry.name)
                    } else {
                        XCTAssertTrue(rows.allSatisfy { $0 == 0..<slot.totalRows }, slot.entry.name)
                    }
                }
            }
            let biggest = ranks.map(\.stateBytes).max()!
            XCTAssertLessThan(Double(biggest), Double(full.stateBytes) / Double(world) * 1.2 + 64 * 1024, "W=\(world)")
        }
    }

    /// A W=1 state re-sharded to 2 ranks and saved, then loaded on 1 and on 3 ranks (and those 3 files
    /// back on 1), is bit for bit the original; the re-loaded optimizer continues identically.
    func testReshardingAcrossWorldSizes() throws {
        var rng = RNG(seed: 11)
        let (layout, pa, g) = OptimTestKit.randomStart(Self.config, rng: &rng)
        let n = layout.totalCount
        let a = makeOpt()
        for _ in 0..<3 {
            a.setSchedule(lrMultiplier: 1, muonMomentum: 0.9, muonWeightDecay: 0.1)
            rng.fillNormal(g.ptr, n, std: 1)
            a.step(params: pa, grads: g)
        }
        let dir = TestPaths.tempDir("optim-reshard")
        func path(_ tag: String, _ r: Int) -> String { "\(dir)/optim_\(tag)_rank\(r).safetensors" }
        try a.save(to: path("w1", 0))
        func states(_ o: MuonAdamW) -> [[UInt32]] {
            [o.adamExpAvg, o.adamExpAvgSq, o.muonMomentum, o.muonSecond].map { OptimTestKit.bits($0) }
        }
        // 1 → 2 ranks, saved as a 2-rank checkpoint
        for r in 0..<2 {
            let o = makeOpt(rank: r, world: 2)
            try o.load(shards: { path("w1", $0) })
            XCTAssertEqual(o.stepCount, 3)
            try o.save(to: path("w2", r))
        }
        // 2 → 1
        let b = makeOpt()
        try b.load(shards: { path("w2", $0) })
        XCTAssertEqual(states(b), states(a))
        XCTAssertEqual(b.groups, a.groups)
        XCTAssertEqual(b.stepCount, 3)
        // 2 → 3 → 1
        for r in 0..<3 {
            let o = makeOpt(rank: r, world: 3)
            try o.load(shards: { path("w2", $0) })
            try o.save(to: path("w3", r))
        }
        let c = makeOpt()
        try c.load(shards: { path("w3", $0) })
        XCTAssertEqual(states(c), states(a))
        // and the next step is the same
        let pc = FlatBuffer(count: n)
        pc.copy(from: pa)
        rng.fillNormal(g.ptr, n, std: 1)
        let gc = FlatBuffer(count: n)
        gc.copy(from: g)
        for o in [a, c] { o.setSchedule(lrMultiplier: 0.5, muonMomentum: 0.95, muonWeightDecay: 0.1) }
        a.step(params: pa, grads: g)
        c.step(params: pc, grads: gc)
        XCTAssertEqual(OptimTestKit.bits(pa), OptimTestKit.bits(pc))
    }

    func testMissingOrMismatchedShardsGiveOneLineErrors() throws {
        let dir = TestPaths.tempDir("optim-shards-bad")
        func path(_ r: Int) -> String { "\(dir)/optim_rank\(r).safetensors" }
        try makeOpt(rank: 0, world: 2).save(to: path(0))
        assertOneLineError({ try makeOpt().load(shards: path) }, contains: [path(1), "2 ranks"])
        try makeOpt(rank: 0, world: 2).save(to: path(1))   // rank 0's state under rank 1's name
        assertOneLineError({ try makeOpt().load(shards: path) }, contains: [path(1), "rank 1 of 2"])
    }
}
