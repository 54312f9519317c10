import XCTest
@testable import NanoChat

/// PyRandom against sequences printed by CPython 3.11 (dev/eval/make_pyrandom.py → Fixtures/pyrandom.json).
final class EvalPyRandomTests: XCTestCase {
    struct Fixture: Decodable {
        struct Bits: Decodable { let seed: String; let u32: [UInt32]; let k: [Int]; let wide: [String]; let below: [Int] }
        struct Shuffle: Decodable { let seed: Int; let n: Int; let perm: [Int]?; let prefix: [Int]? }
        struct Sample: Decodable { let k: Int; let n: Int; let idx: Int; let sample: [Int] }
        let bits: [Bits]; let shuffle: [Shuffle]; let sample: [Sample]
    }

    static let fixture: Fixture = {
        let data = FileManager.default.contents(atPath: TestPaths.fixture("pyrandom.json"))!
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    /// Decimal string → little-endian base-2^32 words (magnitude), for seeds and values beyond 64 bits.
    static func words(_ decimal: String) -> [UInt32] {
        var w: [UInt32] = [0]
        for ch in decimal where ch.isNumber {
            var carry = UInt64(ch.wholeNumberValue!)
            for i in w.indices {
                let v = UInt64(w[i]) * 10 + carry
                w[i] = UInt32(truncatingIfNeeded: v); carry = v >> 32
            }
            if carry > 0 { w.append(UInt32(carry)) }
        }
        while w.count > 1 && w.last == 0 { w.removeLast() }
        return w
    }

    func testGetrandbitsAndRandbelow() {
        for b in Self.fixture.bits {
            var r = PyRandom(seedWords: Self.words(b.seed))
            if let s = Int(b.seed) {
                var r2 = PyRandom(seed: s)
                XCTAssertEqual(r2.nextUInt32(), b.u32[0], "seed \(b.seed): Int and word seeding agree")
            }
            XCTAssertEqual((0..<8).map { _ in UInt32(r.getrandbits(32)) }, b.u32, "seed \(b.seed)")
            for (k, want) in zip(b.k, b.wide) {
                var got = r.getrandbitsWords(k)
                while got.count > 1 && got.last == 0 { got.removeLast() }
                XCTAssertEqual(got, Self.words(want), "seed \(b.seed) getrandbits(\(k))")
            }
            let ns = [1, 2, 3, 7, 10, 100, 1000, (1 << 31) + 1, 1_000_000_000_000]
            XCTAssertEqual(ns.map { r.randbelow($0) }, b.below, "seed \(b.seed) _randbelow")
        }
    }

    func testShuffle() {
        for s in Self.fixture.shuffle {
            var x = Array(0..<s.n)
            var r = PyRandom(seed: s.seed)
            r.shuffle(&x)
            if let p = s.perm { XCTAssertEqual(x, p, "shuffle seed \(s.seed) n \(s.n)") }
            if let p = s.prefix { XCTAssertEqual(Array(x.prefix(p.count)), p, "shuffle seed \(s.seed) n \(s.n)") }
        }
    }

    func testSampleBothPaths() {
        XCTAssertGreaterThan(Self.fixture.sample.count, 100)
        for s in Self.fixture.sample {
            XCTAssertEqual(CoreRender.fewshotIndices(count: s.n, idx: s.idx, k: s.k), s.sample, "k \(s.k) n \(s.n) idx \(s.idx)")
        }
    }
}
