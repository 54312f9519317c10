import Foundation

/// nanochat's calculator tool (`nanochat/engine.py: use_calculator`) with an evaluator of our own instead
/// of Python's `eval`: never a shell, never code execution. nanochat's gate is reproduced exactly: commas
/// are removed first, then
/// - arithmetic over `0-9 . + - * / ( )` and spaces, `**` refused: Python's meaning, with arbitrary-precision
///   integers (`/` true division correctly rounded, `//` floor division, unary signs, int vs float printed as
///   Python prints them). `%` is not in nanochat's whitelist, so it is refused as there;
/// - otherwise letters, digits, quotes, `( ) . _` and spaces, no dangerous name, and `.count(` somewhere:
///   string literals (adjacent ones concatenate), numbers, parentheses and method calls. Supported methods
///   (`CalculatorMethods.swift`): on str `count lower upper strip lstrip rstrip split replace find rfind index
///   startswith endswith join capitalize title swapcase` and the `is…` tests; on lists `count index`.
///   nanochat's whitelist has no `[ ] :`, so indexing and slicing are refused there and here; and since
///   commas are gone a call has at most one argument (`replace` is a TypeError in nanochat too).
/// Anything else (a Python error, a name such as `len` — nanochat evaluates with no builtins — an unsupported
/// method, division by zero) gives nil: no output, as nanochat. Where Python answers and we do not: methods
/// outside the list and the keyword operators (`in`, `and`, `if`…). Integers are unbounded as in Python up to
/// its `int_max_str_digits` (4300): a longer literal or result gives nil (Python raises ValueError, and
/// nanochat's `str(result)` would crash the decode). Nesting deeper than 200 parentheses gives nil (Python's
/// parser stops at 200), as does input longer than `maxLength`. Checked against Python on every case of
/// `Tests/NanoChatTests/Fixtures/calculator_cases.json` (written by `dev/calculator/cases.py`).
public enum Calculator {
    public static let maxLength = 10_000
    static let maxDepth = 200
    /// CPython's `sys.int_info.default_max_str_digits`: int ↔ str conversions beyond it raise ValueError.
    static let maxDigits = 4300

    public static func evaluate(_ raw: String) -> String? {
        let expr = raw.replacingOccurrences(of: ",", with: "")
        guard expr.utf8.count <= maxLength else { return nil }
        let arithmetic = Set("0123456789*+-/.() ".utf8)
        if expr.utf8.allSatisfy({ arithmetic.contains($0) }) {
            if expr.contains("**") { return nil }
            var parser = Parser(Array(expr.utf8))
            guard let v = parser.arithmeticExpression(), parser.atEnd else { return nil }
            return v.pythonString
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\"()._ ".utf8)
        guard expr.utf8.allSatisfy({ allowed.contains($0) }) else { return nil }
        let dangerous = ["__", "import", "exec", "eval", "compile", "open", "file", "input", "raw_input",
                         "globals", "locals", "vars", "dir", "getattr", "setattr", "delattr", "hasattr"]
        let lower = expr.lowercased()
        if dangerous.contains(where: { lower.contains($0) }) { return nil }
        guard expr.contains(".count(") else { return nil }
        var parser = Parser(Array(expr.utf8))
        guard let v = parser.stringExpression(), parser.atEnd else { return nil }
        return v.pythonString
    }

    /// A Python value of the kinds the two grammars produce.
    enum Value {
        case int(BigInt), float(Double), string([UInt8]), bool(Bool), list([[UInt8]])
        case emptyTuple   // `()`: reachable through both whitelists, and Python answers `()`

        /// `str(value)`, what nanochat's engine encodes; nil where Python's str() raises (too many digits).
        var pythonString: String? {
            switch self {
            case .int(let i):
                let text = i.description
                return text.utf8.count - (i.negative ? 1 : 0) > maxDigits ? nil : text
            case .float(let d): return pythonRepr(d)
            case .string(let s): return String(decoding: s, as: UTF8.self)
            case .bool(let b): return b ? "True" : "False"
            case .list(let items): return "[" + items.map(Self.repr).joined(separator: ", ") + "]"
            case .emptyTuple: return "()"
            }
        }

        /// Python's repr of a str made of whitelisted characters (no backslashes or control characters).
        static func repr(_ s: [UInt8]) -> String {
            let text = String(decoding: s, as: UTF8.self)
            if s.contains(UInt8(ascii: "'")) && !s.contains(UInt8(ascii: "\"")) { return "\"" + text + "\"" }
            return "'" + text.replacingOccurrences(of: "'", with: "\\'") + "'"
        }

        /// `float(x)` as Python's mixed arithmetic does it; nil for a str or an int too large (OverflowError).
        var asDouble: Double? {
            switch self {
            case .int(let i): return i.double
            case .float(let d): return d
            case .bool(let b): return b ? 1 : 0
            case .string, .list, .emptyTuple: return nil
            }
        }
    }

    /// Recursive descent over bytes; nil = a Python error (syntax, type, value, zero division, overflow).
    struct Parser {
        let s: [UInt8]
        var i = 0, depth = 0
        init(_ s: [UInt8]) { self.s = s }

        var atEnd: Bool { mutating get { skipSpaces(); return i == s.count } }
        mutating func skipSpaces() { while i < s.count && s[i] == UInt8(ascii: " ") { i += 1 } }
        mutating func peek() -> UInt8? { skipSpaces(); return i < s.count ? s[i] : nil }
        mutating func eat(_ c: Character) -> Bool {
            if peek() == c.asciiValue! { i += 1; return true }
            return false
        }

        // expr := term (('+'|'-') term)*
        mutating func arithmeticExpression() -> Value? {
            guard var v = term() else { return nil }
            while let c = peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard let r = term(), let out = Self.apply(c, v, r) else { return nil }
                v = out
            }
            return v
        }

        // term := factor (('*' | '/' | '//') factor)*
        mutating func term() -> Value? {
            guard var v = factor() else { return nil }
            while let c = peek(), c == UInt8(ascii: "*") || c == UInt8(ascii: "/") {
                i += 1
                var op = c
                if c == UInt8(ascii: "/") && i < s.count && s[i] == UInt8(ascii: "/") { i += 1; op = 0 }   // 0 = floor division
                guard let r = factor(), let out = Self.apply(op, v, r) else { return nil }
                v = out
            }
            return v
        }

        // factor := ('+'|'-') factor | '(' expr ')' | number
        mutating func factor() -> Value? {
            guard let c = peek() else { return nil }
            if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
                i += 1
                depth += 1; defer { depth -= 1 }
                guard depth <= maxDepth, let v = factor() else { return nil }
                if c == UInt8(ascii: "+") { return v }
                switch v {
                case .int(let x): return .int(-x)
                case .float(let x): return .float(-x)
                default: return nil
                }
            }
            if c == UInt8(ascii: "(") {
                i += 1
                depth += 1; defer { depth -= 1 }
                if eat(")") { return peek() == UInt8(ascii: "(") ? nil : .emptyTuple }
                guard depth <= maxDepth, let v = arithmeticExpression(), eat(")") else { return nil }
                if peek() == UInt8(ascii: "(") { return nil }   // `(2)(3)`: calling a number, a TypeError
                return v
            }
            return number()
        }

        /// Python's decimal literals: `12`, `1.5`, `1.`, `.5`; `007` is a syntax error (`000` is fine).
        mutating func number() -> Value? {
            let start = i
            var dots = 0, digits = 0
            while i < s.count, (s[i] >= UInt8(ascii: "0") && s[i] <= UInt8(ascii: "9")) || s[i] == UInt8(ascii: ".") {
                if s[i] == UInt8(ascii: ".") { dots += 1 } else { digits += 1 }
                i += 1
            }
            guard digits > 0, dots <= 1 else { return nil }
            let text = s[start..<i]
            if peek() == UInt8(ascii: "(") { return nil }   // `2(3)`: a TypeError in Python
            if dots == 1 {
                let literal = String(decoding: text, as: UTF8.self)
                return Double(literal.hasSuffix(".") ? literal + "0" : literal).map { .float($0) }
            }
            if text.count > 1 && text.first == UInt8(ascii: "0") && text.contains(where: { $0 != UInt8(ascii: "0") }) { return nil }
            guard text.count <= maxDigits else { return nil }   // SyntaxError: exceeds the limit for int conversion
            return BigInt(decimal: text).map { .int($0) }
        }

        static func apply(_ op: UInt8, _ a: Value, _ b: Value) -> Value? {
            switch (op, a, b) {   // tuples: () + () and () * n (either order) are (), the rest a TypeError
            case (UInt8(ascii: "+"), .emptyTuple, .emptyTuple), (UInt8(ascii: "*"), .emptyTuple, .int),
                 (UInt8(ascii: "*"), .int, .emptyTuple): return .emptyTuple
            case (_, .emptyTuple, _), (_, _, .emptyTuple): return nil
            default: break
            }
            if case .int(let x) = a, case .int(let y) = b {
                switch op {
                case UInt8(ascii: "+"): return .int(x + y)
                case UInt8(ascii: "-"): return .int(x - y)
                case UInt8(ascii: "*"): return .int(x * y)
                case UInt8(ascii: "/"): return BigInt.trueDivide(x, y).map { .float($0) }
                default: return BigInt.floorDivMod(x, y).map { .int($0.quotient) }
                }
            }
            guard let x = a.asDouble, let y = b.asDouble else { return nil }
            switch op {
            case UInt8(ascii: "+"): return .float(x + y)
            case UInt8(ascii: "-"): return .float(x - y)
            case UInt8(ascii: "*"): return .float(x * y)
            case UInt8(ascii: "/"): return y == 0 ? nil : .float(x / y)
            default: return y == 0 ? nil : .float(floorDivide(x, y))
            }
        }

        /// CPython's `float_floor_div` (`_float_div_mod`): from fmod, so `0.3 // 0.1` is 2.0 as in Python.
        static func floorDivide(_ vx: Double, _ wx: Double) -> Double {
            var mod = fmod(vx, wx)
            var div = (vx - mod) / wx
            if mod != 0 {
                if (wx < 0) != (mod < 0) { mod += wx; div -= 1 }
            }
            guard div != 0 else { return (vx / wx).sign == .minus ? -0.0 : 0.0 }   // copysign(0.0, vx / wx)
            var floordiv = div.rounded(.down)
            if div - floordiv > 0.5 { floordiv += 1 }
            return floordiv
        }

        // The string form: postfix := primary ('.' name '(' [expr] ')')*,
        // primary := adjacent string literals (concatenated, as Python does) | number | '(' expr ')'.
        mutating func stringExpression() -> Value? {
            guard var v = stringPrimary() else { return nil }
            while peek() == UInt8(ascii: ".") {
                i += 1
                skipSpaces()
                let start = i
                while i < s.count, Self.isNameByte(s[i]) { i += 1 }
                guard i > start else { return nil }
                let name = String(decoding: s[start..<i], as: UTF8.self)
                guard eat("(") else { return nil }   // a bare method object: refused
                var argument: Value? = nil
                if peek() != UInt8(ascii: ")") {
                    guard let arg = stringExpression() else { return nil }
                    argument = arg
                }
                guard eat(")"), let out = CalculatorMethods.call(name, on: v, argument: argument) else { return nil }
                v = out
            }
            return v
        }

        static func isNameByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
        }

        mutating func stringPrimary() -> Value? {
            guard let c = peek() else { return nil }
            if c == UInt8(ascii: "(") {
                i += 1
                depth += 1; defer { depth -= 1 }
                if eat(")") { return .emptyTuple }
                guard depth <= maxDepth, let v = stringExpression(), eat(")") else { return nil }
                return v
            }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                var out: [UInt8] = []
                while let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") {
                    i += 1
                    guard let end = s[i...].firstIndex(of: q) else { return nil }   // unterminated literal
                    out += s[i..<end]
                    i = end + 1
                }
                return .string(out)
            }
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { return number() }
            return nil   // a name: NameError with no builtins (True/False/None and keywords: not supported)
        }
    }

    /// Python's repr of a float: shortest round-trip digits, fixed notation when the decimal exponent is
    /// in [-4, 16), else `d.ddde±XX`; integral values keep ".0".
    static func pythonRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description has the same shortest digits; take them apart
        var text = "\(abs(d))"
        var exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), frac = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + frac
        var decpt = intPart.count + exp           // value = 0.digits × 10^decpt
        let lead = digits.prefix(while: { $0 == "0" }).count
        digits.removeFirst(lead); decpt -= lead
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        let sign = d < 0 ? "-" : ""
        if decpt > 16 || decpt <= -4 {
            let e = decpt - 1
            let mant = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
            return sign + mant + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        }
        if decpt <= 0 { return sign + "0." + String(repeating: "0", count: -decpt) + digits }
        if decpt < digits.count { return sign + String(digits.prefix(decpt)) + "." + String(digits.dropFirst(decpt)) }
        return sign + digits + String(repeating: "0", count: decpt - digits.count) + ".0"
    }
}
