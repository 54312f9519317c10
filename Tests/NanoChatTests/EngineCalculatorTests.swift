import Foundation
import XCTest
@testable import NanoChat

/// Bytes 0–255 plus the tool's special tokens at nanochat's test ids (tests/test_calculator.py).
final class ToolByteTokenizer: TextTokenizer, @unchecked Sendable {
    let ids: [String: Int32] = ["<|python_start|>": 256, "<|python_end|>": 257, "<|output_start|>": 258,
                                "<|output_end|>": 259, "<|assistant_end|>": 260, "<|bos|>": 261]
    let bosId: Int32 = 261
    let vocabSize = 262
    func specialId(_ name: String) -> Int32? { ids[name] }
    func encodeOrdinary(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]] { texts.map(encodeOrdinary) }
    func decode(_ ids: [Int32]) -> String { String(decoding: ids.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self) }
    var tokenBytes: [Int32] { [Int32](repeating: 1, count: 262) }
}

/// Predicts a fixed sequence, one entry per forward call (nanochat's SequenceMockModel); after the end,
/// <|assistant_end|>.
final class SequenceModel: InferenceModel, DecodeState {
    let sequence: [Int32]
    var step = 0
    let config = GPTConfig(sequenceLen: 128, vocabSize: 262, nLayer: 1, nHead: 1, nKvHead: 1, nEmbd: 32)
    init(_ sequence: [Int32]) { self.sequence = sequence }
    func makeDecodeState(rows: Int, capacity: Int) throws -> DecodeState { self }
    var rows: Int { 1 }
    var length = 0
    func feed(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> [Float] {
        length += count
        var l = [Float](repeating: -100, count: 262)
        l[Int(step < sequence.count ? sequence[step] : 260)] = 100
        step += 1
        return l
    }
    func replicated(rows: Int, capacity: Int) throws -> DecodeState { self }
}

final class EngineCalculatorTests: XCTestCase {
    func testNanochatCalculatorCases() {
        let cases: [(String, String?)] = [
            ("2+3", "5"), ("10*20", "200"), ("100-37", "63"), ("10/4", "2.5"), ("(2+3)*4", "20"),
            ("((1+2)*(3+4))", "21"), ("3.14*2", "6.28"), ("2 + 3", "5"), ("1,000 + 2,000", "3000"),
            ("2**10", nil), ("1/0", nil), ("'hello'.count('l')", "2"), ("\"mississippi\".count(\"ss\")", "2"),
            ("'hello'.count('z')", "0"), ("'hello'.upper()", nil), ("'Strawberry'.lower().count('r')", "3"), ("'a b c'.split().count('a')", "1"), ("__import__('os')", nil),
            ("exec('print(1)')", nil), ("getattr('', '__class__')", nil), ("''.__class__", nil),
            ("hello world", nil), ("", nil),
        ]
        for (expr, want) in cases { XCTAssertEqual(Calculator.evaluate(expr), want, expr) }
    }

    func testPythonArithmeticSemantics() {
        let cases: [(String, String?)] = [
            ("12/4", "3.0"), ("7//2", "3"), ("-7//2", "-4"), ("7.5//2", "3.0"), ("1/3", "0.3333333333333333"),
            ("-(2-5)", "3"), ("--5", "5"), ("+-+5", "-5"), ("2*-3", "-6"), ("0.1+0.2", "0.30000000000000004"),
            ("1e5", nil), ("1.", "1.0"), (".5*2", "1.0"), ("007", nil), ("000", "0"), ("007.5", "7.5"),
            ("1.2.3", nil), ("2(3)", nil), ("(2)(3)", nil), ("(2)3", nil), ("2 3", nil), ("()", "()"), ("(", nil),
            ("10000000000*10000000000", "100000000000000000000"),   // Python's unbounded int
            ("1/100000", "1e-05"), ("0.0001*1", "0.0001"), ("10000000000000000.0", "1e+16"),
            ("1234567890123456.0", "1234567890123456.0"), ("123456789.0*1000000000", "1.23456789e+17"),
            ("0*-1.0", "-0.0"), ("5//0", nil), ("5.0/0.0", nil),
            ("('ab' 'c').count('c')", "1"), ("'aaaa'.count('aa')", "2"), ("'abc'.count('')", "4"),
            ("'abc'.count(1)", nil), ("len('abc')", nil), ("'a'.count('a').count('a')", nil),
        ]
        for (expr, want) in cases { XCTAssertEqual(Calculator.evaluate(expr), want, expr) }
    }

    /// Every case of Fixtures/calculator_cases.json (dev/calculator/cases.py: nanochat's use_calculator run by
    /// CPython 3.11) answers as nanochat does; the few marked `refused_here` (keywords, methods we do not
    /// evaluate) must answer nothing rather than something wrong.
    func testEveryCaseAnswersAsNanochat() throws {
        struct Case: Decodable { let expr: String; let nanochat: String?; let refused_here: Bool }
        struct Table: Decodable { let cases: [Case] }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: TestPaths.fixture("calculator_cases.json")))
        let table = try JSONDecoder().decode(Table.self, from: data)
        XCTAssertGreaterThan(table.cases.count, 140)
        for c in table.cases {
            let got = Calculator.evaluate(c.expr)
            XCTAssertEqual(got, c.refused_here ? nil : c.nanochat, String(c.expr.prefix(80)))
        }
        XCTAssertGreaterThan(table.cases.filter { !$0.refused_here && $0.nanochat != nil }.count, 90)
    }

    /// BigInt identities on random operands of up to ~600 digits: divmod(a, b) = (q, r) with a = q·b + r and
    /// r of b's sign, (a·b) // b = a, and a − b + b = a.
    func testBigIntIdentities() {
        var rng = SystemRandomNumberGenerator()
        func random() -> BigInt {
            let digits = (0..<Int.random(in: 1...600, using: &rng)).map { _ in UInt8.random(in: 48...57, using: &rng) }
            let v = BigInt(decimal: digits)!
            return Bool.random(using: &rng) ? -v : v
        }
        for _ in 0..<200 {
            let a = random(), b = random()
            guard !b.isZero else { continue }
            let (q, r) = BigInt.floorDivMod(a, b)!
            XCTAssertEqual(q * b + r, a)
            XCTAssertTrue(r.isZero || r.negative == b.negative)
            XCTAssertLessThan(BigInt.compare(r.magnitude, b.magnitude), 0)
            XCTAssertEqual(BigInt.floorDivMod(a * b, b)!.quotient, a)
            XCTAssertEqual(a - b + b, a)
            XCTAssertEqual(BigInt(decimal: Array(a.description.utf8.drop { $0 == UInt8(ascii: "-") }))!, a.negative ? -a : a)
        }
        XCTAssertEqual(BigInt(Int.min).description, String(Int.min))
        XCTAssertEqual((BigInt(Int.max) * BigInt(Int.max)).description, "85070591730234615847396907784232501249")
    }

    /// Hostile inputs get no output, and quickly (no eval, no recursion without bound, linear time).
    func testHostileInputsAnswerNothingQuickly() {
        let t0 = Date()
        let hostile = [
            "__import__('os').system('ls')", "2**2**2**2**2**99", "9" + String(repeating: "9", count: 5000) + "*9",
            String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
            String(repeating: "-", count: 5000) + "1" + "+",
            String(repeating: "1+", count: 4999) + "+", "'a'.count('a');import os", "open('/etc/passwd').read().count('a')",
            String(repeating: "'x'", count: 3000) + ".count('x')" + String(repeating: " ", count: 20_000),
            "lambda: 1", "().__class__.count('a')",
        ]
        for h in hostile { XCTAssertNil(Calculator.evaluate(h), String(h.prefix(40))) }
        // deep but legal nesting is fine up to Python's 200
        XCTAssertEqual(Calculator.evaluate(String(repeating: "(", count: 150) + "2" + String(repeating: ")", count: 150)), "2")
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.0)
    }

    func testToolUseInjectsResultAsForcedTokens() throws {
        let tok = ToolByteTokenizer()
        // python_start '2' '+' '3' python_end → forced output_start '5' output_end
        var engine = Engine(model: SequenceModel([256, 50, 43, 51, 257, 0, 0, 0, 260]), tokenizer: tok)
        var (res, masks) = try engine.generateBatch(tokens: [261, 10, 20], maxTokens: 50, temperature: 0)
        XCTAssertEqual(Array(res[0].dropFirst(3)), [256, 50, 43, 51, 257, 258, 53, 259])
        XCTAssertEqual(masks[0], [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0])
        // a multi-digit result
        engine = Engine(model: SequenceModel([256, 57, 57, 43, 49, 257, 0, 0, 0, 0, 0, 260]), tokenizer: tok)
        (res, _) = try engine.generateBatch(tokens: [261], maxTokens: 50, temperature: 0)
        XCTAssertEqual(Array(res[0].dropFirst()), [256, 57, 57, 43, 49, 257, 258, 49, 48, 48, 259])
        // an invalid expression and an empty block inject nothing
        engine = Engine(model: SequenceModel([256, 97, 98, 99, 257, 260]), tokenizer: tok)
        (res, _) = try engine.generateBatch(tokens: [261], maxTokens: 50, temperature: 0)
        XCTAssertEqual(Array(res[0].dropFirst()), [256, 97, 98, 99, 257])
        engine = Engine(model: SequenceModel([256, 257, 260]), tokenizer: tok)
        (res, _) = try engine.generateBatch(tokens: [261], maxTokens: 50, temperature: 0)
        XCTAssertEqual(Array(res[0].dropFirst()), [256, 257])
    }
}
