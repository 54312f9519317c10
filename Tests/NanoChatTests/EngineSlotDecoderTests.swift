import Foundation
import XCTest
@testable import NanoChat

/// Ragged batched decoding (continuous batching): rows at different positions share each step's forward.
final class EngineSlotDecoderTests: XCTestCase {
    /// GQA, short windows (S = 128, L = 64 at sequence_len 64) and value embeddings, every parameter random.
    func randomModel(seed: UInt64 = 3) throws -> GPT { try EngineTests.randomModel(seed: seed) }

    func argmax(_ x: ArraySlice<Float>) -> Int32 {
        var best = x.startIndex
        for i in x.indices where x[i] > x[best] { best = i }
        return Int32(best - x.startIndex)
    }

    /// Greedy continuation of one prompt decoded alone: (tokens, every step's logits).
    func alone(_ m: GPT, _ prompt: [Int32], steps: Int) throws -> (tokens: [Int32], logits: [[Float]]) {
        let d = try SlotDecoder(model: m, slots: 1, capacity: prompt.count + steps)
        var logits = try d.prefill(slot: 0, tokens: prompt)
        var tokens: [Int32] = [], all: [[Float]] = [logits]
        for _ in 0..<steps {
            let t = argmax(logits[...])
            tokens.append(t)
            logits = try d.step(slots: [0], tokens: [t])
            all.append(logits)
        }
        return (tokens, all)
    }

    /// Four requests of different prompt lengths arrive at different steps, one leaves and its slot is
    /// reused: each one's greedy tokens and logits are bit-identical to decoding it alone, and the
    /// logits match a full forward over its whole sequence.
    func testRaggedBatchEqualsAlone() throws {
        let m = try randomModel()
        let V = m.config.vocabSize
        var rng = RNG(seed: 21)
        let prompts: [[Int32]] = [30, 75, 140, 9].map { n in (0..<n).map { _ in Int32(rng.next() % 90) } }
        let arrivals = [0, 7, 12, 31], steps = [40, 30, 50, 25]
        let reference = try prompts.indices.map { try alone(m, prompts[$0], steps: steps[$0]) }

        let d = try SlotDecoder(model: m, slots: 3, capacity: 200)
        var slotOf = [Int?](repeating: nil, count: 4)   // request → slot
        var logits = [[Float]](repeating: [], count: 4), produced = [[Int32]](repeating: [], count: 4)
        var seen = [[[Float]]](repeating: [], count: 4)
        var clock = 0
        while produced.indices.contains(where: { produced[$0].count < steps[$0] }) {
            // admit arrivals into free slots (request 3 waits for request 0's slot)
            for r in 0..<4 where slotOf[r] == nil && produced[r].isEmpty && arrivals[r] <= clock {
                let used = Set(slotOf.compactMap { $0 })
                guard let free = (0..<d.slots).first(where: { !used.contains($0) }) else { continue }
                try d.release(slot: free)
                slotOf[r] = free
                logits[r] = try d.prefill(slot: free, tokens: prompts[r])
                seen[r].append(logits[r])
            }
            let active = (0..<4).filter { slotOf[$0] != nil }
            if !active.isEmpty {
                let next = active.map { argmax(logits[$0][...]) }
                for (i, r) in active.enumerated() { produced[r].append(next[i]) }
                let out = try d.step(slots: active.map { slotOf[$0]! }, tokens: next)
                for (i, r) in active.enumerated() {
                    logits[r] = Array(out[(i * V)..<((i + 1) * V)])
                    seen[r].append(logits[r])
                    if produced[r].count == steps[r] { slotOf[r] = nil }   // finished: the slot is free
                }
            }
            clock += 1
        }
        XCTAssertGreaterThan(arrivals[3], 0)
        for r in 0..<4 {
            XCTAssertEqual(produced[r], reference[r].tokens, "request \(r): greedy tokens batched vs alone")
            XCTAssertEqual(seen[r], reference[r].logits, "request \(r): logits batched vs alone (bitwise)")
            let full = prompts[r] + produced[r]
            checkTensor(seen[r].last!, m.lastLogits(inputs: full, B: 1, T: full.count), rtol: 1e-5,
                        label: "request \(r) after \(full.count) positions vs full forward")
        }
    }

    func testBadSlotsAreOneLineErrors() throws {
        let m = try randomModel()
        let d = try SlotDecoder(model: m, slots: 2, capacity: 8)
        _ = try d.prefill(slot: 0, tokens: [1, 2, 3])
        XCTAssertThrowsError(try d.step(slots: [0, 0], tokens: [1, 2]))
        XCTAssertThrowsError(try d.step(slots: [2], tokens: [1]))
        XCTAssertThrowsError(try d.step(slots: [0, 1], tokens: [1]))
        XCTAssertThrowsError(try d.prefill(slot: 1, tokens: [Int32](repeating: 1, count: 9)))
        XCTAssertEqual(d.length(of: 0), 3)
        XCTAssertEqual(d.length(of: 1), 0, "a refused step leaves the slot as it was")
        try d.release(slot: 0)
        XCTAssertEqual(d.length(of: 0), 0)
    }
}
