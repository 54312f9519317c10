import Foundation

/// nanochat's calculator tool (`use_calculator`) with an evaluator of our own instead of Python's eval:
/// never a shell, never code execution. What it accepts, after stripping commas:
/// - arithmetic over `0-9 . + - * / ( )` and spaces, with Python's meaning (`/` true division, `//`
///   floor division, unary signs, int vs float results printed as Python prints them); `**` is refused;
/// - nanochat's string form: string literals, parentheses and `.count(...)`, e.g. `'strawberry'.count('r')`,
///   with nanochat's character whitelist and dangerous-name blacklist.
/// Anything else (a Python error, a name, a call, division by zero) gives nil: no output, as nanochat.
/// Differences from Python: integers are 64-bit (a result beyond gives nil where Python prints the big
/// integer), nesting deeper than 200 parentheses gives nil (Python's parser stops at 200 as well), and
/// input longer than `maxLength` characters gives nil. Every answer takes time linear in the input.
public enum Calculator {
    public static let maxLength = 10_000
    static let maxDepth = 200

    public static func evaluate(_ raw: String) -> String? {
        let expr = raw.replacingOccurrences(of: ",", with: "")
        guard expr.utf8.count <= maxLength else { return nil }
        let arithmetic = Set("0123456789*+-/.() ".utf8)
        if expr.utf8.allSatisfy({ arithmetic.contains($0) }) {
            if expr.contains("**") { return nil }
            var p = Parser(Array(expr.utf8))
            guard let v = p.arithmeticExpression(), p.atEnd else { return nil }
            return v.pythonString
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\"()._ ".utf8)
        guard expr.utf8.allSatisfy({ allowed.contains($0) }) else { return nil }
        let dangerous = ["__", "import", "exec", "eval", "compile", "open", "file", "input", "raw_input",
                         "globals", "locals", "vars", "dir", "getattr", "setattr", "delattr", "hasattr"]
        let lower = expr.lowercased()
        if dangerous.contains(where: { lower.contains($0) }) { return nil }
        guard expr.contains(".count(") else { return nil }
        var p = Parser(Array(expr.utf8))
        guard let v = p.stringExpression(), p.atEnd else { return nil }
        return v.pythonString
    }

    /// A Python value of the kinds the two grammars produce.
    enum Value {
        case int(Int64), float(Double), string([UInt8])

        var pythonString: String {
            switch self {
            case .int(let i): return String(i)
            case .float(let d): return pythonRepr(d)
            case .string(let s): return String(decoding: s, as: UTF8.self)
            }
        }
        var asDouble: Double? {
            switch self { case .int(let i): return Double(i); case .float(let d): return d; case .string: return nil }
        }
    }

    /// Recursive descent over bytes; nil = a Python error (syntax, type, zero division, overflow).
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
                guard let r = term() else { return nil }
                guard let out = Self.apply(c, v, r) else { return nil }
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
                case .int(let x): let (r, o) = Int64(0).subtractingReportingOverflow(x); return o ? nil : .int(r)
                case .float(let x): return .float(-x)
                case .string: return nil
                }
            }
            if c == UInt8(ascii: "(") {
                i += 1
                depth += 1; defer { depth -= 1 }
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
            let text = String(decoding: s[start..<i], as: UTF8.self)
            if peek() == UInt8(ascii: "(") { return nil }   // `2(3)`: a TypeError in Python
            if dots == 1 { return Double(text.hasSuffix(".") ? text + "0" : text).map { .float($0) } }
            if text.count > 1 && text.hasPrefix("0") && text.contains(where: { $0 != "0" }) { return nil }
            return Int64(text).map { .int($0) }
        }

        static func apply(_ op: UInt8, _ a: Value, _ b: Value) -> Value? {
            if case .int(let x) = a, case .int(let y) = b {
                switch op {
                case UInt8(ascii: "+"): let r = x.addingReportingOverflow(y); return r.overflow ? nil : .int(r.partialValue)
                case UInt8(ascii: "-"): let r = x.subtractingReportingOverflow(y); return r.overflow ? nil : .int(r.partialValue)
                case UInt8(ascii: "*"): let r = x.multipliedReportingOverflow(by: y); return r.overflow ? nil : .int(r.partialValue)
                case UInt8(ascii: "/"): return y == 0 ? nil : .float(Double(x) / Double(y))
                default:   // floor division rounds toward −∞
                    if y == 0 || (x == .min && y == -1) { return nil }
                    let q = x / y
                    return .int((x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q)
                }
            }
            guard let x = a.asDouble, let y = b.asDouble else { return nil }
            switch op {
            case UInt8(ascii: "+"): return .float(x + y)
            case UInt8(ascii: "-"): return .float(x - y)
            case UInt8(ascii: "*"): return .float(x * y)
            case UInt8(ascii: "/"): return y == 0 ? nil : .float(x / y)
            default: return y == 0 ? nil : .float((x / y).rounded(.down))
            }
        }

        // The string form: primary ('.count(' expr ')')*, primary = adjacent string literals
        // (concatenated, as Python does), a number, or '(' expr ')'.
        mutating func stringExpression() -> Value? {
            guard var v = stringPrimary() else { return nil }
            while peek() == UInt8(ascii: ".") {
                i += 1
                skipSpaces()
                let name = Array("count".utf8)
                guard i + name.count <= s.count, Array(s[i..<(i + name.count)]) == name else { return nil }
                i += name.count
                guard eat("("), let arg = stringExpression(), eat(")") else { return nil }
                guard case .string(let hay) = v, case .string(let needle) = arg else { return nil }
                v = .int(Int64(Self.count(needle, in: hay)))
            }
            return v
        }

        mutating func stringPrimary() -> Value? {
            guard let c = peek() else { return nil }
            if c == UInt8(ascii: "(") {
                i += 1
                depth += 1; defer { depth -= 1 }
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
            return nil   // a name: NameError with no builtins
        }

        /// str.count: non-overlapping occurrences; the empty string occurs len+1 times.
        static func count(_ needle: [UInt8], in hay: [UInt8]) -> Int {
            if needle.isEmpty { return hay.count + 1 }
            var n = 0, j = 0
            while j + needle.count <= hay.count {
                if hay[j..<(j + needle.count)].elementsEqual(needle) { n += 1; j += needle.count } else { j += 1 }
            }
            return n
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
