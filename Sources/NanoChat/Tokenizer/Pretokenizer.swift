/// nanochat's split pattern (nanochat/tokenizer.py), hand-written as a scanner over the UTF-8 bytes of a string:
///
///     '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+
///
/// At each position the alternatives are tried in order and the first that matches wins (leftmost-first,
/// like fancy-regex and Python's `regex`). Every scalar is a letter, a number, White_Space or "other",
/// so some alternative always matches and the chunks tile the text. `\s` is Unicode White_Space
/// (includes U+000B and U+0085, excludes U+001C..U+001F); marks (\p{M}) are "other", not letters.
/// Two reference patterns share the scanner for `tok_eval`'s columns: GPT-4's cl100k (the same with
/// `\p{N}{1,3}`) and GPT-2's, scanned by `gpt2ChunkEnd`.
public enum SplitPattern: Sendable {
    case nanochat, cl100k, gpt2

    public var regex: String {
        switch self {
        case .nanochat: return Tokenizer.splitPattern
        case .cl100k: return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#
        case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        }
    }
}

public enum Pretokenizer {
    /// The chunks of `text`, as substrings.
    public static func split(_ text: String, pattern: SplitPattern = .nanochat) -> [Substring] {
        var s = text
        var ranges: [(Int, Int)] = []
        s.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            forEachChunk(base, buf.count, pattern: pattern) { a, b in ranges.append((a, b)) }
        }
        let u = text.utf8
        return ranges.map { a, b in
            text[u.index(u.startIndex, offsetBy: a)..<u.index(u.startIndex, offsetBy: b)]
        }
    }

    /// Calls body(start, end) with the byte range of every chunk of the valid UTF-8 buffer p[0..<n], in order.
    @inline(__always)
    public static func forEachChunk(_ p: UnsafePointer<UInt8>, _ n: Int, pattern: SplitPattern = .nanochat,
                                    _ body: (Int, Int) -> Void) {
        let t = CharClass.table
        var i = 0
        switch pattern {
        case .nanochat: while i < n { let e = chunkEnd(p, n, i, t, maxDigits: 2); body(i, e); i = e }
        case .cl100k: while i < n { let e = chunkEnd(p, n, i, t, maxDigits: 3); body(i, e); i = e }
        case .gpt2: while i < n { let e = gpt2ChunkEnd(p, n, i, t); body(i, e); i = e }
        }
    }

    /// GPT-2's pattern: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    /// (case-sensitive contractions; a run of one class, optionally after one space).
    static func gpt2ChunkEnd(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, _ t: UnsafePointer<UInt8>) -> Int {
        if p[i] == 0x27 && i + 1 < n {
            switch p[i + 1] {
            case 0x73, 0x74, 0x6D, 0x64: return i + 2   // s t m d
            default: break
            }
            if i + 2 < n {
                let x = p[i + 1], y = p[i + 2]
                if (x == 0x72 && y == 0x65) || (x == 0x76 && y == 0x65) || (x == 0x6C && y == 0x6C) { return i + 3 }
            }
        }
        let start = p[i] == 0x20 && i + 1 < n ? i + 1 : i
        let (c0, _) = CharClass.at(p, start, t)
        if c0 & CharClass.space == 0 {   // a letter, number or other run
            var j = start
            while j < n {
                let (c, l) = CharClass.at(p, j, t)
                if c != c0 { break }
                j += l
            }
            return j
        }
        var j = i, lastStart = i
        while j < n {
            let (c, l) = CharClass.at(p, j, t)
            if c & CharClass.space == 0 { break }
            lastStart = j
            j += l
        }
        if j == n || lastStart == i { return j }   // \s+(?!\S) at the end, or a single scalar: \s+
        return lastStart
    }

    /// End (exclusive) of the chunk that starts at i.
    @inline(__always)
    static func chunkEnd(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, _ t: UnsafePointer<UInt8>, maxDigits: Int) -> Int {
        let (c0, l0) = CharClass.at(p, i, t)
        // 1. '(?i:[sdmt]|ll|ve|re)  (case-insensitive: also ſ U+017F, which folds to s)
        if p[i] == 0x27 && i + 1 < n {
            let b1 = p[i + 1]
            switch b1 | 0x20 {
            case 0x73, 0x64, 0x6D, 0x74:  // s d m t
                if b1 >= 0x41 { return i + 2 }
            default: break
            }
            if b1 == 0xC5 && i + 2 < n && p[i + 2] == 0xBF { return i + 3 }
            if i + 2 < n && b1 >= 0x41 && p[i + 2] >= 0x41 {
                let x = b1 | 0x20, y = p[i + 2] | 0x20
                if (x == 0x6C && y == 0x6C) || (x == 0x76 && y == 0x65) || (x == 0x72 && y == 0x65) { return i + 3 }
            }
        }
        // 2. [^\r\n\p{L}\p{N}]?+\p{L}+
        if c0 == CharClass.letter { return letterRun(p, n, i + l0, t) }
        if c0 & (CharClass.letter | CharClass.number | CharClass.crlf) == 0 {
            let j = i + l0
            if j < n && CharClass.at(p, j, t).0 == CharClass.letter { return letterRun(p, n, j, t) }
        }
        // 3. \p{N}{1,2} (cl100k: {1,3})
        if c0 == CharClass.number {
            var j = i + l0, digits = 1
            while j < n && digits < maxDigits {
                let (c1, l1) = CharClass.at(p, j, t)
                if c1 != CharClass.number { break }
                j += l1; digits += 1
            }
            return j
        }
        // 4.  ?[^\s\p{L}\p{N}]++[\r\n]*
        var s = -1
        if c0 == CharClass.other { s = i + l0 }
        else if p[i] == 0x20 && i + 1 < n {
            let (c1, l1) = CharClass.at(p, i + 1, t)
            if c1 == CharClass.other { s = i + 1 + l1 }
        }
        if s >= 0 {
            var j = s
            while j < n {
                let (c, l) = CharClass.at(p, j, t)
                if c != CharClass.other { break }
                j += l
            }
            while j < n && (p[j] == 0x0A || p[j] == 0x0D) { j += 1 }
            return j
        }
        // c0 is White_Space: scan the run once for alternatives 5-7.
        var j = i, lastNewline = -1, lastStart = i
        while j < n {
            let (c, l) = CharClass.at(p, j, t)
            if c & CharClass.space == 0 { break }
            if c & CharClass.crlf != 0 { lastNewline = j }
            lastStart = j
            j += l
        }
        // 5. \s*[\r\n]: backtracking ends the match at the last CR/LF of the run
        if lastNewline >= 0 { return lastNewline + 1 }
        // 6. \s+(?!\S): the whole run at the end of text, else all but the last scalar
        if j == n { return j }
        if lastStart > i { return lastStart }
        // 7. \s+
        return j
    }

    @inline(__always)
    static func letterRun(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ t: UnsafePointer<UInt8>) -> Int {
        var j = start
        while j < n {
            let b = p[j]
            if b < 0x80 {
                if t[Int(b)] != CharClass.letter { break }
                j += 1
            } else {
                let (c, l) = CharClass.at(p, j, t)
                if c != CharClass.letter { break }
                j += l
            }
        }
        return j
    }
}

/// The four classes the pattern distinguishes, one byte per scalar; `crlf` is an extra flag on \r and \n.
enum CharClass {
    static let letter: UInt8 = 1, number: UInt8 = 2, space: UInt8 = 4, crlf: UInt8 = 8, other: UInt8 = 16
    /// Scalars below this get a table entry (BMP + plane 1: emoji, historic scripts); the rest are computed.
    static let tableSize = 0x20000

    /// Built once; never freed (a pointer so hot loops index it without bounds or lazy-init checks).
    static let table: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: tableSize)
        for v in 0..<tableSize { t[v] = compute(UInt32(v)) }
        return UnsafePointer(t)
    }()

    static func compute(_ v: UInt32) -> UInt8 {
        guard let s = Unicode.Scalar(v) else { return other }  // surrogates never occur in valid UTF-8
        if v == 0x0A || v == 0x0D { return space | crlf }
        let p = s.properties
        if p.isWhitespace { return space }  // Unicode White_Space
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return other
        }
    }

    /// Class and byte length of the scalar starting at p[i] (valid UTF-8).
    @inline(__always)
    static func at(_ p: UnsafePointer<UInt8>, _ i: Int, _ t: UnsafePointer<UInt8>) -> (UInt8, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (t[Int(b0)], 1) }
        var v: UInt32, l: Int
        if b0 < 0xE0 {
            v = (b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F); l = 2
        } else if b0 < 0xF0 {
            v = (b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F); l = 3
        } else {
            v = (b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F); l = 4
        }
        return (v < UInt32(tableSize) ? t[Int(v)] : compute(v), l)
    }
}
