import Foundation

/// A JSON value that can carry Python's non-standard `Infinity`/`NaN` (nanochat writes `min_val_bpb`
/// as `Infinity` before the first eval, §6). Encodes with `indent=2` like `json.dump(indent=2)`.
public indirect enum JSONValue: Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    public subscript(key: String) -> JSONValue? {
        if case .object(let kv) = self { return kv.first { $0.0 == key }?.1 }
        return nil
    }
    public var double: Double? {
        switch self { case .double(let d): return d; case .int(let i): return Double(i); default: return nil }
    }
    public var int: Int? {
        switch self { case .int(let i): return i; case .double(let d) where d == d.rounded(): return Int(d); default: return nil }
    }
    public var string: String? { if case .string(let s) = self { return s }; return nil }

    public func serialized(indent: Int = 2, level: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent * (level + 1)), end = String(repeating: " ", count: indent * level)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
            if d == d.rounded() && abs(d) < 1e16 { return String(format: "%.1f", d) }
            return "\(d)"
        case .string(let s): return Self.quote(s)
        case .array(let a):
            if a.isEmpty { return "[]" }
            // arrays of numbers/strings stay on one line (loader states hold many short int runs)
            if a.allSatisfy({ if case .array = $0 { return false }; if case .object = $0 { return false }; return true }) {
                return "[" + a.map { $0.serialized(indent: indent, level: level + 1) }.joined(separator: ", ") + "]"
            }
            return "[\n" + a.map { pad + $0.serialized(indent: indent, level: level + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case .object(let kv):
            if kv.isEmpty { return "{}" }
            return "{\n" + kv.map { pad + Self.quote($0.0) + ": " + $0.1.serialized(indent: indent, level: level + 1) }
                .joined(separator: ",\n") + "\n\(end)}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Any Codable value (a config, a loader state) as a JSONValue, via its JSON encoding.
    public static func encoding<T: Encodable>(_ value: T) throws -> JSONValue {
        try parse(String(decoding: JSONEncoder().encode(value), as: UTF8.self), file: "\(T.self)")
    }

    /// Parses JSON text, accepting `Infinity`, `-Infinity` and `NaN` as Python does.
    public static func parse(_ text: String, file: String) throws -> JSONValue {
        var p = Parser(s: Array(text.utf8), file: file)
        let v = try p.value()
        p.skipWS()
        guard p.i == p.s.count else { throw p.fail("trailing characters") }
        return v
    }

    struct Parser {
        let s: [UInt8]; let file: String; var i = 0
        init(s: [UInt8], file: String) { self.s = s; self.file = file }
        func fail(_ m: String) -> NanoChatError { NanoChatError(file: file, "malformed JSON at byte \(i): \(m)") }
        mutating func skipWS() { while i < s.count, [0x20, 0x0a, 0x0d, 0x09].contains(s[i]) { i += 1 } }
        mutating func lit(_ w: String) -> Bool {
            let b = Array(w.utf8)
            if i + b.count <= s.count && Array(s[i..<(i + b.count)]) == b { i += b.count; return true }
            return false
        }
        mutating func value() throws -> JSONValue {
            skipWS()
            guard i < s.count else { throw fail("unexpected end") }
            switch s[i] {
            case UInt8(ascii: "{"):
                i += 1; var kv: [(String, JSONValue)] = []
                skipWS(); if i < s.count && s[i] == UInt8(ascii: "}") { i += 1; return .object(kv) }
                while true {
                    skipWS()
                    guard case .string(let k) = try value() else { throw fail("expected a key") }
                    skipWS(); guard i < s.count, s[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    kv.append((k, try value()))
                    skipWS()
                    guard i < s.count else { throw fail("unexpected end") }
                    if s[i] == UInt8(ascii: ",") { i += 1; continue }
                    if s[i] == UInt8(ascii: "}") { i += 1; return .object(kv) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1; var a: [JSONValue] = []
                skipWS(); if i < s.count && s[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    a.append(try value()); skipWS()
                    guard i < s.count else { throw fail("unexpected end") }
                    if s[i] == UInt8(ascii: ",") { i += 1; continue }
                    if s[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                i += 1; var bytes: [UInt8] = []
                while i < s.count && s[i] != UInt8(ascii: "\"") {
                    if s[i] == UInt8(ascii: "\\") {
                        i += 1; guard i < s.count else { throw fail("bad escape") }
                        switch s[i] {
                        case UInt8(ascii: "n"): bytes.append(0x0a)
                        case UInt8(ascii: "t"): bytes.append(0x09)
                        case UInt8(ascii: "r"): bytes.append(0x0d)
                        case UInt8(ascii: "b"): bytes.append(0x08)
                        case UInt8(ascii: "f"): bytes.append(0x0c)
                        case UInt8(ascii: "u"):
                            guard i + 4 < s.count, var cp = UInt32(String(decoding: s[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else { throw fail("bad \\u escape") }
                            i += 4
                            if (0xD800..<0xDC00).contains(cp), i + 6 < s.count, s[i + 1] == UInt8(ascii: "\\"), s[i + 2] == UInt8(ascii: "u"),
                               let lo = UInt32(String(decoding: s[(i + 3)...(i + 6)], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(lo) {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00); i += 6
                            }
                            bytes += Array(String(Unicode.Scalar(cp).map(Character.init) ?? "\u{FFFD}").utf8)
                        default: bytes.append(s[i])
                        }
                        i += 1
                    } else { bytes.append(s[i]); i += 1 }
                }
                guard i < s.count else { throw fail("unterminated string") }
                i += 1
                return .string(String(decoding: bytes, as: UTF8.self))
            default:
                if lit("null") { return .null }
                if lit("true") { return .bool(true) }
                if lit("false") { return .bool(false) }
                if lit("NaN") { return .double(.nan) }
                if lit("Infinity") { return .double(.infinity) }
                if lit("-Infinity") { return .double(-.infinity) }
                let st = i
                while i < s.count, "+-0123456789.eE".utf8.contains(s[i]) { i += 1 }
                let t = String(decoding: s[st..<i], as: UTF8.self)
                if let n = Int(t) { return .int(n) }
                if let d = Double(t) { return .double(d) }
                throw fail("unexpected token")
            }
        }
    }
}
