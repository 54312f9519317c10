import Foundation
import XCTest
@testable import NanoChat

/// bf16 weights for inference: torch's rounding (ties to even) on known values, the vectorized
/// conversion against the scalar one, and decoding with bf16 weights against fp32 on the nanochat_tiny
/// fixture and nanochat's own greedy tokens.
final class ModelBF16Tests: XCTestCase {
    /// (fp32 bits, bf16 bits) as torch's `tensor.to(torch.bfloat16)` gives them.
    let known: [(UInt32, UInt16)] = [
        (0x3F80_0000, 0x3F80),   // 1.0
        (0x3F80_8000, 0x3F80),   // exactly halfway, even below: down
        (0x3F81_8000, 0x3F82),   // exactly halfway, odd below: up to even
        (0x3F80_8001, 0x3F81),   // just above halfway: up
        (0x3F80_7FFF, 0x3F80),   // just below halfway: down
        (0x3DCC_CCCD, 0x3DCD),   // 0.1 → 0.10009765625
        (0x4049_0FDB, 0x4049),   // π → 3.140625
        (0xC000_0000, 0xC000),   // -2.0
        (0xBF81_8000, 0xBF82),   // negative tie rounds the magnitude to even
        (0x7F7F_FFFF, 0x7F80),   // the largest float rounds up to +inf
        (0x7F80_0000, 0x7F80),   // +inf
        (0xFF80_0000, 0xFF80),   // -inf
        (0x7FC0_0000, 0x7FC0),   // NaN
        (0xFFC1_2345, 0x7FC0),   // any NaN becomes the quiet NaN
        (0x0000_0001, 0x0000),   // the smallest subnormal: to zero
        (0x0001_8000, 0x0002),   // subnormal tie, odd below: up
        (0x8000_0000, 0x8000),   // -0
    ]

    func testRoundingMatchesTorchOnKnownValues() {
        for (f, b) in known {
            XCTAssertEqual(BF16(Float(bitPattern: f)).bits, b, String(format: "0x%08X", f))
        }
        XCTAssertEqual(BF16(bits: 0x4049).float, 3.140625)
        XCTAssertEqual(BF16(bits: 0x3DCD).float, 0.10009765625)
    }

    func testVectorConversionEqualsScalarAndWidensExactly() {
        var rng = RNG(seed: 11)
        var src = known.map { Float(bitPattern: $0.0) }
        for _ in 0..<(1 << 17) { src.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        var bf = [BF16](repeating: BF16(bits: 0), count: src.count), back = [Float](repeating: 0, count: src.count)
        src.withUnsafeBufferPointer { s in bf.withUnsafeMutableBufferPointer { convertToBF16($0.baseAddress!, s.baseAddress!, s.count) } }
        bf.withUnsafeBufferPointer { b in back.withUnsafeMutableBufferPointer { convertFromBF16($0.baseAddress!, b.baseAddress!, b.count) } }
        for i in src.indices {
            XCTAssertEqual(bf[i].bits, BF16(src[i]).bits, "element \(i)")
            XCTAssertEqual(back[i].bitPattern, UInt32(bf[i].bits) << 16, "element \(i)")
            if i < known.count { XCTAssertEqual(bf[i].bits, known[i].1) }
        }
    }

    /// The tiny fixture model in fp32 holding the bf16-rounded matrices: what bf16 computed before its fp32
    /// matrices were released (the fp32 kernels and sgemm on the rounded values).
    static func roundedModel() throws -> GPT {
        let m = try EngineTests.tinyModel()
        for e in m.bf16Entries {
            let p = m.params.view(e)
            for i in 0..<e.count { p[i] = BF16(p[i]).float }
        }
        return m
    }

    /// Greedy decode of `prompt` through SlotDecoder: (tokens, the logits after the prompt and every step).
    func greedy(_ m: GPT, _ prompt: [Int32], steps: Int) throws -> (tokens: [Int32], logits: [Float]) {
        let d = try SlotDecoder(model: m, slots: 1, capacity: prompt.count + steps)
        var logits = try d.prefill(slot: 0, tokens: prompt), all = logits, tokens: [Int32] = []
        for _ in 0..<steps {
            let t = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
            tokens.append(t)
            logits = try d.step(slots: [0], tokens: [t])
            all += logits
        }
        return (tokens, all)
    }

    /// The bf16 kernels compute exactly what the fp32 kernels compute on the rounded weights (same order,
    /// exact widening), and the bf16 model stays close to fp32: on nanochat's engine_greedy prompts, the
    /// same 40 greedy tokens as nanochat's fp32 Engine and every logit within 0.05 (softcapped logits,
    /// |z| < 15) of the fp32 model's.
    func testBF16DecodeAgainstFP32() throws {
        let dir = TestPaths.fixture("engine_greedy")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/engine_greedy.json"))) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        let fp32 = try EngineTests.tinyModel(), bf16 = try EngineTests.tinyModel(), rounded = try Self.roundedModel()
        bf16.storeMatricesBF16()
        XCTAssertEqual(bf16.weightDType, "bfloat16")
        XCTAssertEqual(bf16.matrixBytes * 2, fp32.matrixBytes)
        var worst: Float = 0
        for (i, c) in cases.enumerated() {
            let prompt = (c["prompt"] as! [Int]).map { Int32($0) }
            let expected = (c["greedy"] as! [Int]).map { Int32($0) }
            let a = try greedy(fp32, prompt, steps: expected.count)
            let b = try greedy(bf16, prompt, steps: expected.count)
            let r = try greedy(rounded, prompt, steps: expected.count)
            XCTAssertEqual(a.tokens, expected, "case \(i) fp32")
            XCTAssertEqual(b.tokens, expected, "case \(i) bf16")
            XCTAssertEqual(b.logits, r.logits, "case \(i): bf16 kernels differ from fp32 kernels on the rounded weights")
            let diff = zip(a.logits, b.logits).map { abs($0 - $1) }.max()!
            worst = max(worst, diff)
            XCTAssertLessThan(diff, 0.05, "case \(i) bf16 vs fp32 logits")
        }
        print("bf16 vs fp32 decode, engine_greedy fixture: max |logit difference| \(worst)")
    }

    /// base_eval/chat_eval -d bfloat16: bits per byte through the eval path (LossEval, the training forward on
    /// the rounded weights) within 1e-3 of fp32, on the tiny fixture model and fixed random tokens.
    func testBF16BitsPerByteCloseToFP32() throws {
        let fp32 = try EngineTests.tinyModel(), bf16 = try EngineTests.tinyModel()
        bf16.storeMatricesBF16()
        let V = fp32.config.vocabSize, B = 2, T = min(64, fp32.config.sequenceLen)
        var rng = RNG(seed: 5)
        let tokens = (0..<(B * T + 1)).map { _ in Int32(rng.next() % UInt64(V)) }
        let bytes = (0..<V).map { Int32(1 + $0 % 7) }
        func bpb(_ m: GPT) throws -> Double {
            try LossEval.bitsPerByte(model: m, tokenBytes: bytes, steps: 1, B: B, T: T, dist: .single) {
                (Array(tokens[0..<(B * T)]), Array(tokens[1...(B * T)]))
            }
        }
        let a = try bpb(fp32), b = try bpb(bf16)
        print("bits per byte: fp32 \(a), bf16 \(b)")
        XCTAssertEqual(a, b, accuracy: 1e-3)
        XCTAssertNotEqual(a, b, "the bf16 model should not be the fp32 one")
    }

    /// Every forward of more rows than the decode kernels take reads the bf16 matrices widened for sgemm:
    /// a 70-token prefill (cached forward), all 70 positions' logits from the cache (lm_head of 70 rows),
    /// the full forward's logits and per-token losses (the evals), each equal to the fp32 model on the
    /// rounded weights, and the decode steps after the prefill as well.
    func testBF16WideForwardsEqualRoundedFP32() throws {
        let bf16 = try EngineTests.tinyModel(), rounded = try Self.roundedModel()
        bf16.storeMatricesBF16()
        let V = bf16.config.vocabSize, T = 70
        var rng = RNG(seed: 9)
        let tokens = (0..<(2 * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        let prompt = Array(tokens[0..<T])
        XCTAssertGreaterThan(T, smallGEMMMaxRows)
        func worst(_ a: [Float], _ b: [Float]) -> Float {
            XCTAssertEqual(a.count, b.count)
            return zip(a, b).map { abs($0 - $1) }.max() ?? 0
        }
        // prefill through the cache, then 8 decode steps
        let a = try greedy(bf16, prompt, steps: 8), r = try greedy(rounded, prompt, steps: 8)
        XCTAssertEqual(a.tokens, r.tokens)
        XCTAssertLessThanOrEqual(worst(a.logits, r.logits), 1e-6, "prefill + decode")
        // logits of every prompt position (the head over 70 rows)
        let sa = try bf16.makeDecodeState(rows: 1, capacity: T), sr = try rounded.makeDecodeState(rows: 1, capacity: T)
        let la = try sa.feed(prompt, count: T, positions: Array(0..<T)), lr = try sr.feed(prompt, count: T, positions: Array(0..<T))
        XCTAssertLessThanOrEqual(worst(la, lr), 1e-6, "cached forward, every position")
        // the full forward (evals): logits and per-token losses, B = 2
        let fa = bf16.logits(inputs: tokens, B: 2, T: T), fr = rounded.logits(inputs: tokens, B: 2, T: T)
        XCTAssertLessThanOrEqual(worst(fa, fr), 1e-6, "full forward logits")
        let targets = Array(tokens[1...]) + [0]
        let pa = bf16.perTokenLoss(inputs: tokens, targets: targets, B: 2, T: T)
        let pr = rounded.perTokenLoss(inputs: tokens, targets: targets, B: 2, T: T)
        XCTAssertLessThanOrEqual(worst(pa, pr), 1e-6, "per-token losses")
        print("bf16 (fp32 released) vs fp32 on the rounded weights: max |difference| prefill+decode \(worst(a.logits, r.logits)), "
              + "all positions \(worst(la, lr)), full forward \(worst(fa, fr)), losses \(worst(pa, pr))")
    }

    /// The widened sgemm over several blocks of weight rows equals sgemm over the widened matrix: bit for bit
    /// block by block, and within rounding of one sgemm over all of it (OpenBLAS's Zen kernels, unlike its
    /// SkylakeX ones, give a column other bits when N changes how it splits the columns between threads and tiles).
    func testWidenedMatmulEqualsOneSgemm() {
        let M = 40, N = 5000, K = 300   // 3,488 rows per block: two blocks, the second partial
        var rng = RNG(seed: 4)
        var a = [Float](repeating: 0, count: M * K), w = [BF16](repeating: BF16(bits: 0), count: N * K)
        for i in a.indices { a[i] = Float(rng.uniform() - 0.5) }
        for i in w.indices { w[i] = BF16(Float(rng.uniform() - 0.5)) }
        let wide = w.map(\.float)
        var expected = [Float](repeating: 0, count: M * N), got = expected
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: widenScratchCount)
        defer { scratch.deallocate() }
        var blockwise = expected
        let block = widenBlockColumns(K: K)
        a.withUnsafeBufferPointer { ab in
            wide.withUnsafeBufferPointer { wb in
                BLAS.matmulNT(&expected, ab.baseAddress!, wb.baseAddress!, M: M, N: N, K: K)
                blockwise.withUnsafeMutableBufferPointer { out in
                    for n0 in stride(from: 0, to: N, by: block) {
                        BLAS.sgemm(transA: false, transB: true, M: M, N: min(block, N - n0), K: K, A: ab.baseAddress!, lda: K,
                                   B: wb.baseAddress! + n0 * K, ldb: K, C: out.baseAddress! + n0, ldc: N)
                    }
                }
            }
            w.withUnsafeBufferPointer { wb in
                got.withUnsafeMutableBufferPointer {
                    matmulNTWidened($0.baseAddress!, ldc: N, ab.baseAddress!, wb.baseAddress!, M: M, N: N, K: K, scratch: scratch)
                }
            }
        }
        XCTAssertTrue(got == blockwise, "widened blocks differ from sgemm over the same widened blocks")
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5, "widened blocks against one sgemm")
    }

    /// storeMatricesBF16 gives the matrices' fp32 pages back: none of the whole pages inside them is resident
    /// afterwards (mincore), while the other parameters stay.
    func testBF16ReleasesFP32MatrixPages() throws {
        let m = try EngineTests.tinyModel()
        func resident(_ entries: [ParamEntry]) -> (Int, Int) {
            var total = 0, res = 0
            for e in entries {
                let bytes = e.count * 4, start = UnsafeRawPointer(m.params.ptr + e.offset)
                guard let r = Platform.residentBytes(start, byteCount: bytes) else { continue }
                let page = Int(getpagesize()), first = Int(bitPattern: start)
                total += max(0, (first + bytes) / page * page - (first + page - 1) / page * page)
                res += r
            }
            return (res, total)
        }
        let matrices = m.bf16Entries, names = Set(matrices.map(\.name))
        let others = m.layout.entries.filter { !names.contains($0.name) }
        let before = resident(matrices)
        guard before.1 > 0 else { throw XCTSkip("mincore reports nothing here") }
        XCTAssertEqual(before.0, before.1, "the loaded matrices should be resident")
        let othersBefore = resident(others)
        m.storeMatricesBF16()
        XCTAssertEqual(resident(matrices).0, 0, "fp32 matrix pages still resident after storeMatricesBF16")
        XCTAssertEqual(resident(others).0, othersBefore.0, "the other parameters should stay")
        XCTAssertEqual(m.weightBytes, (m.params.count - m.bf16Entries.reduce(0) { $0 + $1.count }) * 4 + m.matrixBytes)
    }
}
