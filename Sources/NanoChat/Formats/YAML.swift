import Foundation

/// Just enough YAML for the two `core.yaml` layouts (nanochat's eval bundle and ../shared/data/core): a
/// top-level `icl_tasks:` sequence of flat mappings whose values are scalars ("quoted", 'quoted', plain,
/// null) or flow lists `[a, b]`. Anything else is a one-line error naming file and line.
public enum YAMLValue: Equatable, Sendable {
    case scalar(String)
    case list([String])
    case null

    public var string: String? { if case .scalar(let s) = self { return s }; return nil }
    /// A scalar, or the first element of a flow list (nanochat's `num_fewshot: [k]`).
    public var first: String? {
        switch self {
        case .scalar(let s): return s
        case .list(let l): return l.first
        case .null: return nil
        }
    }
}

public enum MiniYAML {
    /// The mappings of the top-level sequence `key:` (e.g. "icl_tasks").
    public static func sequence(_ key: String, inFile path: String) throws -> [[String: YAMLValue]] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw NanoChatError(file: path, "cannot read YAML file")
        }
        var items: [[String: YAMLValue]] = []
        var inSeq = false
        var current: [String: YAMLValue]? = nil
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = n + 1
            var line = stripComment(String(raw))
            while line.last == " " || line.last == "\t" || line.last == "\r" { line.removeLast() }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let indent = line.prefix(while: { $0 == " " }).count
            var body = String(line.dropFirst(indent))
            if indent == 0 && !body.hasPrefix("-") {
                // a top-level key
                if let c = current { items.append(c); current = nil }
                let (k, _) = try keyValue(body, path, lineNo)
                inSeq = (k == key)
                continue
            }
            guard inSeq else { continue }
            if body.hasPrefix("-") {
                if let c = current { items.append(c) }
                current = [:]
                body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces)
                if body.isEmpty { continue }
            }
            guard current != nil else { throw NanoChatError(file: "\(path):\(lineNo)", "expected a list item '-'") }
            let (k, v) = try keyValue(body, path, lineNo)
            current![k] = try value(v, path, lineNo)
        }
        if let c = current { items.append(c) }
        return items
    }

    /// Drops a `#` comment that starts outside quotes (at line start or after whitespace).
    static func stripComment(_ s: String) -> String {
        var out = ""; var quote: Character? = nil; var prev: Character = " "; var escaped = false
        for c in s {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" && (prev == " " || prev == "\t") {
                break
            }
            out.append(c); prev = c
        }
        return out
    }

    static func keyValue(_ s: String, _ path: String, _ line: Int) throws -> (String, String) {
        guard let colon = s.firstIndex(of: ":") else { throw NanoChatError(file: "\(path):\(line)", "expected 'key: value'") }
        let k = s[..<colon].trimmingCharacters(in: .whitespaces)
        let v = s[s.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if k.isEmpty { throw NanoChatError(file: "\(path):\(line)", "empty key") }
        return (k, v)
    }

    static func value(_ v: String, _ path: String, _ line: Int) throws -> YAMLValue {
        if v.isEmpty || v == "null" || v == "~" || v == "Null" || v == "NULL" { return .null }
        if v.hasPrefix("[") {
            guard v.hasSuffix("]") else { throw NanoChatError(file: "\(path):\(line)", "unterminated flow list") }
            let inner = String(v.dropFirst().dropLast())
            var parts: [String] = []; var cur = ""; var quote: Character? = nil; var escaped = false
            for c in inner {
                if let q = quote {
                    if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
                    cur.append(c)
                } else if c == "\"" || c == "'" { quote = c; cur.append(c) }
                else if c == "," { parts.append(cur); cur = "" }
                else { cur.append(c) }
            }
            if !cur.trimmingCharacters(in: .whitespaces).isEmpty || !parts.isEmpty { parts.append(cur) }
            return .list(try parts.map { try scalar($0.trimmingCharacters(in: .whitespaces), path, line) })
        }
        return .scalar(try scalar(v, path, line))
    }

    /// A quoted or plain scalar. Double quotes take YAML's escapes; single quotes take ''.
    static func scalar(_ v: String, _ path: String, _ line: Int) throws -> String {
        if v.hasPrefix("\"") {
            guard v.count >= 2, v.hasSuffix("\"") else { throw NanoChatError(file: "\(path):\(line)", "unterminated string") }
            var out = ""; var it = Array(v.unicodeScalars.dropFirst().dropLast())[...]
            while let c = it.popFirst() {
                guard c == "\\" else { out.unicodeScalars.append(c); continue }
                guard let e = it.popFirst() else { throw NanoChatError(file: "\(path):\(line)", "bad escape") }
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "0": out += "\0"
                case "\"": out += "\""
                case "\\": out += "\\"
                case "/": out += "/"
                case " ": out += " "
                case "x", "u", "U":
                    let len = e == "x" ? 2 : (e == "u" ? 4 : 8)
                    let hex = String(String.UnicodeScalarView(it.prefix(len)))
                    it = it.dropFirst(len)
                    guard hex.count == len, let code = UInt32(hex, radix: 16), let u = Unicode.Scalar(code) else {
                        throw NanoChatError(file: "\(path):\(line)", "bad \\\(e) escape")
                    }
                    out.unicodeScalars.append(u)
                default: throw NanoChatError(file: "\(path):\(line)", "unsupported escape \\\(e)")
                }
            }
            return out
        }
        if v.hasPrefix("'") {
            guard v.count >= 2, v.hasSuffix("'") else { throw NanoChatError(file: "\(path):\(line)", "unterminated string") }
            return String(v.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        return v
    }
}
