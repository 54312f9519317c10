import Foundation

/// A JSON value that can carry Python's non-standard `Infinity`/`NaN` (nanochat writes `min_val_bpb`
/// as `Infinity` before the first eval, nanochat/checkpoint_manager.py). Encodes with `indent=2` like `json.dump(indent=2)`.
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
}
