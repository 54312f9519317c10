import Foundation

/// Reading JSON text into a JSONValue (the value type and its writer are in Common/JSONValue.swift, below Flags).
extension JSONValue {
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
