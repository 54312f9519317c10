import Foundation

/// One CORE example ready to score: token rows ([BOS] + encode_ordinary(prompt)) and the [start, end)
/// span of each row whose continuation losses count (nanochat/core_eval.py).
public struct CorePrepared: Sendable, Equatable {
    public var rows: [[Int32]]
    public var starts: [Int]
    public var ends: [Int]
    /// Index of the correct row (MC/schema); 0 for LM (one row).
    public var gold: Int
}

/// Few-shot sampling, prompt rendering and tokenization exactly as nanochat's core_eval (nanochat/core_eval.py).
public enum CoreRender {
    /// `Random(1234 + idx).sample([i for i in range(n) if i != idx], k)`.
    public static func fewshotIndices(count n: Int, idx: Int, k: Int) -> [Int] {
        guard k > 0 else { return [] }
        var rng = PyRandom(seed: 1234 + idx)
        let population = (0..<n).filter { $0 != idx }
        return rng.sample(population, min(k, population.count))
    }

    /// The prompts of one example: MC one per choice, schema one per context option, LM `[without, with]`
    /// (`without` Python-stripped). Jinja's whitespace control makes the templates exactly this.
    public static func prompts(_ item: CoreItem, fewshot: [CoreItem], delimiter d: String) -> [String] {
        switch item {
        case .multipleChoice(let query, let choices, _):
            var prefix = ""
            for case .multipleChoice(let q, let c, let g) in fewshot { prefix += q + d + c[g] + "\n\n" }
            return choices.map { prefix + query + d + $0 }
        case .schema(let options, let continuation, _):
            var prefix = ""
            for case .schema(let o, let c, let g) in fewshot { prefix += o[g] + d + c + "\n\n" }
            return options.map { prefix + $0 + d + continuation }
        case .languageModeling(let context, let continuation):
            var prefix = ""
            for case .languageModeling(let x, let c) in fewshot { prefix += pyStrip(x) + d + c + "\n\n" }
            let without = prefix + pyStrip(context) + d
            return [pyStrip(without), without + continuation]
        }
    }

    /// Renders, tokenizes and finds the scored spans of example `idx` of the (shuffled, truncated) `data`.
    public static func prepare(_ task: CoreTask, data: [CoreItem], idx: Int, tokenizer: TextTokenizer) throws -> CorePrepared {
        let item = data[idx]
        let shots = fewshotIndices(count: data.count, idx: idx, k: task.numFewshot).map { data[$0] }
        let texts = prompts(item, fewshot: shots, delimiter: task.delimiter)
        let bos = tokenizer.bosId
        let rows = texts.map { [bos] + tokenizer.encodeOrdinary($0) }
        switch item {
        case .multipleChoice(_, _, let gold):
            let start = commonPrefixLength(rows)
            return CorePrepared(rows: rows, starts: Array(repeating: start, count: rows.count), ends: rows.map(\.count), gold: gold)
        case .schema(_, _, let gold):
            let suffix = commonSuffixLength(rows)
            return CorePrepared(rows: rows, starts: rows.map { $0.count - suffix }, ends: rows.map(\.count), gold: gold)
        case .languageModeling:
            let without = rows[0], with = rows[1]
            guard without.count < with.count, Array(with.prefix(without.count)) == without else {
                throw NanoChatError("\(task.label): example \(idx): the tokens of the prompt without continuation are not a strict prefix of the prompt with it")
            }
            return CorePrepared(rows: [with], starts: [without.count], ends: [with.count], gold: 0)
        }
    }

    /// Length of the token prefix shared by all rows (nanochat find_common_length, direction left).
    public static func commonPrefixLength(_ rows: [[Int32]]) -> Int {
        let minLen = rows.map(\.count).min() ?? 0
        for i in 0..<minLen where rows.contains(where: { $0[i] != rows[0][i] }) { return i }
        return minLen
    }

    /// Length of the token suffix shared by all rows (direction right).
    public static func commonSuffixLength(_ rows: [[Int32]]) -> Int {
        let minLen = rows.map(\.count).min() ?? 0
        for i in 0..<minLen where rows.contains(where: { $0[$0.count - 1 - i] != rows[0][rows[0].count - 1 - i] }) { return i }
        return minLen
    }

    /// Python's `str.strip()`: removes leading/trailing characters for which `str.isspace()` is true.
    public static func pyStrip(_ s: String) -> String {
        let u = s.unicodeScalars
        guard let first = u.firstIndex(where: { !isPySpace($0) }) else { return "" }
        let last = u.lastIndex(where: { !isPySpace($0) })!
        return String(u[first...last])
    }

    /// `str.isspace()` per code point: bidi class WS/B/S or category Zs (CPython's _PyUnicode_IsWhitespace).
    public static func isPySpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
