import Foundation
import XCTest
@testable import NanoChat

/// chat_web's generation side: the ragged forward against the cached one, greedy output alone vs
/// batched, the sampler's top-p and penalties, stop strings, context trimming, OpenAI request checks.
final class ServerBatchTests: XCTestCase {
    func setup(sequenceLen: Int = 64) throws -> (GPT, Tokenizer) { try tinyChatModel(sequenceLen: sequenceLen, seed: 7, std: 0.3) }

    func testRaggedForwardMatchesTheCachedForwardPerRow() throws {
        let (m, _) = try setup()
        let prompts: [[Int32]] = [[1, 5, 9, 200, 31], [7, 8], [3, 300, 301, 302, 303, 304, 12]]
        // reference: each prompt alone through the cached forward, then two more tokens
        var reference: [[Float]] = []
        for p in prompts {
            let s = try m.makeDecodeState(rows: 1, capacity: 16)
            _ = try s.feed(p, count: p.count, positions: nil)
            _ = try s.feed([42], count: 1, positions: nil)
            reference.append(try s.feed([43], count: 1, positions: nil))
        }
        // ragged: the three prompts in one forward (rows of different lengths), then every row's next tokens together
        let caches = try prompts.map { _ in try KVCache(config: m.config, rows: 1, capacity: 16) }
        var buffers: InferenceBuffers? = nil
        _ = try m.forwardRagged(zip(caches, prompts).map { RaggedRow(cache: $0, tokens: $1, allLogits: false) }, buffers: &buffers)
        _ = try m.forwardRagged(caches.map { RaggedRow(cache: $0, tokens: [42], allLogits: false) }, buffers: &buffers)
        let out = try m.forwardRagged(caches.map { RaggedRow(cache: $0, tokens: [43], allLogits: false) }, buffers: &buffers)
        for r in 0..<prompts.count {
            XCTAssertEqual(caches[r].length, prompts[r].count + 2)
            let diff = zip(out[r], reference[r]).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(diff, 1e-4, "row \(r)")
        }
    }

    func testGreedyOutputIsTheSameAloneAndBatched() throws {
        let (m, tok) = try setup()
        let loop = try DecodeLoop(engine: Engine(model: m, tokenizer: tok))
        func row(_ text: String, _ seed: UInt64 = 1, temperature: Double = 0) -> GenerationRow {
            GenerationRow(.init(prompt: [tok.bosId] + tok.encodeOrdinary(text), maxTokens: 12,
                                sampling: SamplingOptions(temperature: temperature), seed: seed)) { _ in true }
        }
        let alone = row("The capital of France is")
        try loop.run([alone])
        XCTAssertFalse(alone.generated.isEmpty)
        let together = [row("Hello there, how"), row("The capital of France is"), row("1 2 3 4 5 6 7 8 9", temperature: 1),
                        row("x", 3, temperature: 1)]
        try loop.run([together[0], together[1]])   // two start together ...
        XCTAssertEqual(together[1].generated, alone.generated)
        // ... and a row that joins while others are mid-answer still decodes as if alone
        let late = row("The capital of France is")
        let early = row("Once upon a time")
        try loop.step([early]); try loop.step([early])
        try loop.run([early, late, together[2], together[3]])
        XCTAssertEqual(late.generated, alone.generated)
    }

    func testTopPAndPenalties() {
        let logits: [Float] = [3, 2.9, 0, -1, -5]
        logits.withUnsafeBufferPointer { lb in
            var rng = RNG(seed: 3)
            // top_p 0.5: only the most likely token survives
            for _ in 0..<50 { XCTAssertEqual(sampleNextToken(lb, options: SamplingOptions(temperature: 1, topP: 0.5), counts: [:], rng: &rng), 0) }
            // top_p 0.9: the two close leaders, never the tail
            var seen = Set<Int32>()
            for _ in 0..<200 { seen.insert(sampleNextToken(lb, options: SamplingOptions(temperature: 1, topP: 0.9), counts: [:], rng: &rng)) }
            XCTAssertEqual(seen, [0, 1])
            // top_p 1 and no penalties: exactly nanochat's sampler (same draws from the same seed)
            var a = RNG(seed: 9), b = RNG(seed: 9)
            for _ in 0..<50 {
                XCTAssertEqual(sampleNextToken(lb, options: SamplingOptions(temperature: 0.7, topK: 3), counts: [:], rng: &a),
                               sampleNextToken(lb, temperature: 0.7, topK: 3, rng: &b))
            }
            // greedy with a frequency penalty: a token used 3 times loses 3 × 0.5 and the runner-up wins
            XCTAssertEqual(sampleNextToken(lb, options: SamplingOptions(temperature: 0, frequencyPenalty: 0.5), counts: [0: 3], rng: &rng), 1)
            XCTAssertEqual(sampleNextToken(lb, options: SamplingOptions(temperature: 0, presencePenalty: 0.05), counts: [0: 1], rng: &rng), 0)
            XCTAssertEqual(sampleNextToken(lb, options: SamplingOptions(temperature: 0, presencePenalty: 0.2), counts: [0: 1], rng: &rng), 1)
        }
        let lp = logits.withUnsafeBufferPointer { logSoftmax($0) }
        XCTAssertEqual(lp.map { exp(Double($0)) }.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(topLogprobs(lp, count: 2).map(\.token), [0, 1])
    }

    func testStopStringsHoldBackAPossibleStartAndCutAtTheStop() {
        var s = StopText(["END", "\n\n"])
        XCTAssertEqual(s.push("hello E").text, "hello ")   // "E" may begin END
        XCTAssertEqual(s.push("N").text, "")
        let r = s.push("Dtrailing")
        XCTAssertEqual(r.text, ""); XCTAssertTrue(r.stopped)
        var t = StopText(["END"])
        XCTAssertEqual(t.push("EN").text, "")
        XCTAssertEqual(t.push("Xy").text, "ENXy")
        XCTAssertEqual(t.push("caf").text + t.push("é E").text, "café ")
        XCTAssertEqual(t.flush(), "E")
        var u = StopText([])
        XCTAssertEqual(u.push("END").text, "END")
    }

    func testContextTrimDropsTheOldestTurnsByTokenCount() throws {
        let turns: [[Int32]] = [[10, 11, 12], [20, 21], [30, 31, 32, 33]]
        let fit = try ContextTrim.fit(bos: 1, turns: turns, last: [40, 41], maxTokens: 4, context: 14)
        // 1 + 9 + 2 + 4 = 16 > 14: the oldest turn goes; 1 + 6 + 2 + 4 = 13 fits
        XCTAssertEqual(fit.dropped, 1)
        XCTAssertEqual(fit.tokens, [1, 20, 21, 30, 31, 32, 33, 40, 41])
        XCTAssertEqual(fit.maxTokens, 4)
        XCTAssertThrowsError(try ContextTrim.fit(bos: 1, turns: [], last: Array(repeating: 5, count: 20), maxTokens: 4, context: 14))
        let split = ContextTrim.turns(ofRendered: [1, 100, 5, 101, 102, 6, 103, 100, 7, 101, 102], userStart: 100)
        XCTAssertEqual(split.turns, [[100, 5, 101, 102, 6, 103]])
        XCTAssertEqual(split.last, [100, 7, 101, 102])
    }

    func testOpenAIChatRequestMergesAndValidates() throws {
        func parse(_ obj: Any) throws -> OpenAIChatRequest {
            try OpenAIChatRequest(json: Array(JSONSerialization.data(withJSONObject: obj)), defaultTemperature: 0.8, defaultTopK: 50)
        }
        func status(_ obj: Any) -> Int? {
            do { _ = try parse(obj); return nil } catch let e as HTTPError { return e.status } catch { return -1 }
        }
        let r = try parse(["model": "whatever", "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "a"],
                                                           ["role": "user", "content": [["type": "text", "text": "b"]]]],
                           "max_completion_tokens": 5, "stop": "\n", "n": 2, "logprobs": true, "top_logprobs": 3, "seed": 4,
                           "stream_options": ["include_usage": true], "unknown_field": 1])
        XCTAssertEqual(r.messages, [ChatMessage(.system, "Be brief."), ChatMessage(.user, "a\n\nb")])
        XCTAssertEqual(r.maxTokens, 5); XCTAssertEqual(r.options.stop, ["\n"]); XCTAssertEqual(r.options.n, 2); XCTAssertEqual(r.logprobs, 3)
        XCTAssertEqual(r.options.sampling.temperature, 0.8)
        let user = ["role": "user", "content": "hi"]
        XCTAssertEqual(status(["messages": []]), 400)
        XCTAssertEqual(status(["messages": [user], "temperature": 2.5]), 400)
        XCTAssertEqual(status(["messages": [user], "top_p": 0]), 400)
        XCTAssertEqual(status(["messages": [user], "n": 9]), 400)
        XCTAssertEqual(status(["messages": [user], "stop": ["a", "b", "c", "d", "e"]]), 400)
        XCTAssertEqual(status(["messages": [user], "frequency_penalty": 3]), 400)
        XCTAssertEqual(status(["messages": [user], "stream": "yes"]), 400)
        XCTAssertEqual(status(["messages": [["role": "tool", "content": "x"]]]), 400)
        XCTAssertEqual(status(["messages": [["role": "assistant", "content": "x"], user]]), 400)
        XCTAssertEqual(status(["messages": [user, ["role": "assistant", "content": "x"]]]), 400)
        XCTAssertEqual(status(["messages": [user], "top_logprobs": 2]), 400)
    }
}
