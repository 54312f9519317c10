import Foundation

/// One flag of a tool, declared once: its nanochat name, kind, default (as it would be typed), help, optional
/// short alias, and the checks every typed value must pass. The same table drives parsing, `--help` and the
/// user config saved in checkpoint metas.
public struct FlagSpec {
    public enum Kind: String { case string, int, double, bool }
    public let name: String
    public let kind: Kind
    public let defaultValue: String
    public let help: String
    /// `-i` for `--source`: nanochat's argparse short options (`-i sft` or `-i=sft`).
    public let short: String?
    /// Inclusive bounds of a numeric flag.
    public let min: Double?, max: Double?
    /// Values accepted outside the range ("-1" = disable, "last", "None"), compared numerically when numeric.
    public let also: [String]
    /// The only values a string flag takes (nil = any).
    public let choices: [String]?
    /// Extra check of a string value: nil when fine, else the problem.
    public let check: ((String) -> String?)?

    /// The saved-config key: nanochat's argparse dest (`--max-seq-len` → `max_seq_len`).
    public var configKey: String { name.replacingOccurrences(of: "-", with: "_") }
}

/// nanochat-style flags: `--kebab-case=value` or `--kebab-case value` (underscores accepted), declared short
/// aliases (`-n 8`), bare `--flag` for booleans only. Unknown flags, single-dash long flags, stray words, a
/// missing value, a malformed or out-of-range number: each one line naming the flag, thrown at `parse`.
public final class Flags {
    public private(set) var specs: [FlagSpec] = []
    private var values: [String: String] = [:]
    public let program: String
    public let summary: String

    public init(program: String, summary: String) { self.program = program; self.summary = summary }

    // MARK: - Declaring

    public func declare(_ spec: FlagSpec) {
        precondition(!specs.contains { $0.name == spec.name }, "flag --\(spec.name) declared twice")  // programmer error
        specs.append(spec)
    }

    /// A string flag; "" or "None" means unset for `optionalString`.
    public func define(_ name: String, _ defaultValue: String, _ help: String, short: String? = nil,
                       choices: [String]? = nil, check: ((String) -> String?)? = nil) {
        declare(FlagSpec(name: name, kind: .string, defaultValue: defaultValue, help: help, short: short, min: nil, max: nil,
                         also: [], choices: choices, check: check))
    }

    /// An integer flag checked against `min...max`; `also` lists values allowed outside it (e.g. "-1", "last").
    /// A nil default is nanochat's `None` (read with `optionalInt`).
    public func define(_ name: String, int defaultValue: Int?, _ help: String, min: Int? = nil, max: Int? = nil,
                       also: [String] = [], short: String? = nil) {
        declare(FlagSpec(name: name, kind: .int, defaultValue: defaultValue.map(String.init) ?? "None", help: help, short: short,
                         min: min.map(Double.init), max: max.map(Double.init),
                         also: also + (defaultValue == nil ? ["None", ""] : []), choices: nil, check: nil))
    }

    /// A floating-point flag checked against `min...max` (always finite).
    public func define(_ name: String, double defaultValue: Double?, _ help: String, min: Double? = nil, max: Double? = nil,
                       also: [String] = [], short: String? = nil) {
        declare(FlagSpec(name: name, kind: .double, defaultValue: defaultValue.map { "\($0)" } ?? "None", help: help, short: short,
                         min: min, max: max, also: also + (defaultValue == nil ? ["None", ""] : []), choices: nil, check: nil))
    }

    /// A boolean flag: bare `--flag` is true, `--flag=0|1|true|false|yes|no|on|off`.
    public func define(_ name: String, bool defaultValue: Bool, _ help: String, short: String? = nil) {
        declare(FlagSpec(name: name, kind: .bool, defaultValue: defaultValue ? "1" : "0", help: help, short: short,
                         min: nil, max: nil, also: [], choices: nil, check: nil))
    }

    // MARK: - Help

    public var usage: String {
        var s = "usage: \(program) [--flag=value ...]\n\(summary)\n"
        for f in specs {
            let shortText = f.short.map { "-\($0), " } ?? ""
            let value = f.kind == .bool ? "" : "=\(f.defaultValue.isEmpty ? "\"\"" : f.defaultValue)"
            s += "  \(shortText)--\(f.name)\(value)"
            if let r = rangeText(f) { s += "   [\(r)]" }
            s += "\n      \(f.help)\n"
        }
        return s
    }

    private func rangeText(_ f: FlagSpec) -> String? {
        func num(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        var parts: [String] = []
        switch (f.min, f.max) {
        case let (lo?, hi?): parts.append("\(num(lo))…\(num(hi))")
        case let (lo?, nil): parts.append("≥ \(num(lo))")
        case let (nil, hi?): parts.append("≤ \(num(hi))")
        default: break
        }
        if let c = f.choices { parts.append(c.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: "|")) }
        let extra = f.also.filter { !$0.isEmpty && $0 != "None" }
        if !extra.isEmpty && !parts.isEmpty { parts.append("or " + extra.joined(separator: ", ")) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    // MARK: - Parsing

    /// Parses argv (without the program name) and checks every given value; `--help`/`-h` prints usage and exits.
    public func parse(_ args: [String] = Array(CommandLine.arguments.dropFirst())) throws {
        if args.contains(where: { $0 == "--help" || $0 == "-h" }) { print(usage); exit(0) }
        var i = 0
        while i < args.count {
            let arg = args[i]
            let spec: FlagSpec
            var value: String? = nil
            let shown: String
            if arg.hasPrefix("--") && arg.count > 2 {
                var body = String(arg.dropFirst(2))
                if let eq = body.firstIndex(of: "=") { value = String(body[body.index(after: eq)...]); body = String(body[..<eq]) }
                let name = body.replacingOccurrences(of: "_", with: "-")
                guard let s = specs.first(where: { $0.name == name }) else {
                    throw error("unknown flag --\(name)" + suggestion(name))
                }
                spec = s; shown = "--\(name)"
            } else if arg.hasPrefix("-") && arg.count > 1 && Double(arg) == nil {
                var body = String(arg.dropFirst())
                if let eq = body.firstIndex(of: "=") { value = String(body[body.index(after: eq)...]); body = String(body[..<eq]) }
                guard let s = specs.first(where: { $0.short != nil && $0.short == body }) else {
                    let name = body.replacingOccurrences(of: "_", with: "-")
                    if specs.contains(where: { $0.name == name }) {
                        throw error("\(arg): long flags take two dashes (--\(name)\(value.map { "=\($0)" } ?? ""))")
                    }
                    throw error("unknown flag \(arg)" + suggestion(name))
                }
                spec = s; shown = "-\(body)"
            } else {
                throw error("unexpected argument '\(arg)' (flags are --name=value)")
            }
            if value == nil {
                if spec.kind == .bool {
                    value = "1"
                } else if i + 1 < args.count && !looksLikeFlag(args[i + 1]) {
                    value = args[i + 1]; i += 1
                } else {
                    throw error("\(shown) needs a value (\(shown)=\(spec.kind == .string ? "VALUE" : spec.kind.rawValue.uppercased()))")
                }
            }
            try check(spec, value!)
            values[spec.name] = value!
            i += 1
        }
    }

    /// argparse's rule: a word starting with '-' is an option unless it is a negative number.
    private func looksLikeFlag(_ s: String) -> Bool { s.hasPrefix("-") && s.count > 1 && Double(s) == nil }

    private func suggestion(_ name: String) -> String {
        let close = specs.map(\.name).filter { $0.hasPrefix(name) || name.hasPrefix($0) || $0.contains(name) }
        return close.count == 1 ? " (did you mean --\(close[0])?)" : " (see --help)"
    }

    private func error(_ msg: String) -> NanoChatError { NanoChatError("\(program): \(msg)") }

    /// Type, choices and range of one value; every problem names the flag.
    private func check(_ f: FlagSpec, _ v: String) throws {
        let shown = "--\(f.name)=\(v)"
        if f.also.contains(v) { return }
        switch f.kind {
        case .string:
            if let c = f.choices, !c.contains(v) {
                throw error("\(shown): must be one of \(c.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", "))")
            }
            if let problem = f.check?(v) { throw error("\(shown): \(problem)") }
        case .bool:
            guard Self.parseBool(v) != nil else { throw error("\(shown) is not a boolean (use 1/0, true/false)") }
        case .int, .double:
            let words = f.also.filter { !$0.isEmpty && Self.evalNumber($0) == nil }
            let expected = (f.kind == .int ? "an integer" : "a number") + (words.isEmpty ? "" : " or " + words.joined(separator: ", "))
            guard let x = Self.evalNumber(v), x.isFinite else { throw error("\(shown) is not \(expected)") }
            if f.kind == .int && (x != x.rounded() || abs(x) >= 9e18) { throw error("\(shown) is not \(expected)") }
            if f.also.contains(where: { Self.evalNumber($0) == x }) { return }
            if let lo = f.min, x < lo { throw error("\(shown) is out of range: must be \(rangeText(f)!)") }
            if let hi = f.max, x > hi { throw error("\(shown) is out of range: must be \(rangeText(f)!)") }
        }
    }

    // MARK: - Reading values

    public func isSet(_ name: String) -> Bool { values[name] != nil }

    public func spec(_ name: String) -> FlagSpec {
        guard let s = specs.first(where: { $0.name == name }) else { fatalError("flag --\(name) not declared") }  // programmer error
        return s
    }

    public func string(_ name: String) -> String { values[name] ?? spec(name).defaultValue }

    /// Empty string or "None" means unset (nanochat's `None` defaults).
    public func optionalString(_ name: String) -> String? {
        let v = string(name); return (v.isEmpty || v == "None") ? nil : v
    }

    public func int(_ name: String) throws -> Int {
        let v = string(name)
        if let x = Int(v) { return x }
        // Python-style numbers like 2e9, 1_000 or 80*524288
        if let d = Self.evalNumber(v), d == d.rounded(), abs(d) < 9e18 { return Int(d) }
        throw error("--\(name)=\(v) is not an integer")
    }
    public func optionalInt(_ name: String) throws -> Int? { optionalString(name) == nil ? nil : try int(name) }

    public func double(_ name: String) throws -> Double {
        let v = string(name)
        if let d = Self.evalNumber(v), d.isFinite { return d }
        throw error("--\(name)=\(v) is not a number")
    }
    public func optionalDouble(_ name: String) throws -> Double? { optionalString(name) == nil ? nil : try double(name) }

    public func bool(_ name: String) throws -> Bool {
        guard let b = Self.parseBool(string(name)) else { throw error("--\(name)=\(string(name)) is not a boolean") }
        return b
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: return nil
        }
    }

    /// Every flag's value under nanochat's argparse name, typed as declared (the meta's user_config).
    public var userConfig: JSONValue {
        .object(specs.map { f in
            let v = string(f.name)
            if v == "None" || (v.isEmpty && f.kind != .string) { return (f.configKey, .null) }
            switch f.kind {
            case .string: return (f.configKey, .string(v))
            case .bool: return (f.configKey, .bool(Self.parseBool(v) ?? false))
            case .int: return (f.configKey, (try? int(f.name)).map { .int($0) } ?? .string(v))
            case .double: return (f.configKey, (try? double(f.name)).map { .double($0) } ?? .string(v))
            }
        })
    }

    /// Parses "123", "2e9", "1_000", and products like "80*524288".
    static func evalNumber(_ s: String) -> Double? {
        let t = s.replacingOccurrences(of: "_", with: "").trimmingCharacters(in: .whitespaces)
        if t.contains("*") {
            var p = 1.0
            for part in t.split(separator: "*", omittingEmptySubsequences: false) { guard let x = Double(part) else { return nil }; p *= x }
            return p
        }
        return Double(t)
    }
}
