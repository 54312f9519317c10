import Foundation

/// nanochat-style `--kebab-case=value` flags (also `--flag value`). Each executable declares its flags
/// with defaults and help; unknown or malformed flags are one-line errors followed by the usage text.
public final class Flags {
    public struct Spec { let name: String; let defaultValue: String; let help: String }
    private var specs: [Spec] = []
    private var values: [String: String] = [:]
    public let program: String
    public let summary: String
    public private(set) var positional: [String] = []

    public init(program: String, summary: String) { self.program = program; self.summary = summary }

    /// Declare a flag. `defaultValue` is the string form (as it would be typed).
    public func define(_ name: String, _ defaultValue: String, _ help: String) {
        specs.append(Spec(name: name, defaultValue: defaultValue, help: help))
    }

    public var usage: String {
        var s = "usage: \(program) [--flag=value ...]\n\(summary)\n"
        for f in specs { s += "  --\(f.name)=\(f.defaultValue.isEmpty ? "\"\"" : f.defaultValue)\n      \(f.help)\n" }
        return s
    }

    /// Parse argv (without the program name). Throws a one-line error on unknown flags; `--help` prints usage and exits.
    public func parse(_ args: [String] = Array(CommandLine.arguments.dropFirst())) throws {
        let known = Set(specs.map(\.name))
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--help" || a == "-h" { print(usage); exit(0) }
            guard a.hasPrefix("--") else { positional.append(a); i += 1; continue }
            var body = String(a.dropFirst(2))
            var value: String? = nil
            if let eq = body.firstIndex(of: "=") { value = String(body[body.index(after: eq)...]); body = String(body[..<eq]) }
            body = body.replacingOccurrences(of: "_", with: "-")
            guard known.contains(body) else { throw usageError("unknown flag --\(body)") }
            if value == nil {
                // `--flag value`, or a bare boolean `--flag`
                if i + 1 < args.count && !args[i + 1].hasPrefix("--") { value = args[i + 1]; i += 1 } else { value = "1" }
            }
            values[body] = value
            i += 1
        }
    }

    private func usageError(_ msg: String) -> NanoChatError {
        NanoChatError("\(program): \(msg)\n\(usage)")
    }

    public func isSet(_ name: String) -> Bool { values[name] != nil }
    public func string(_ name: String) -> String {
        if let v = values[name] { return v }
        guard let s = specs.first(where: { $0.name == name }) else { fatalError("flag --\(name) not declared") }
        return s.defaultValue
    }
    /// Empty string or "None" means unset (nanochat's `None` defaults).
    public func optionalString(_ name: String) -> String? {
        let v = string(name); return (v.isEmpty || v == "None") ? nil : v
    }
    public func int(_ name: String) throws -> Int {
        let v = string(name)
        if let x = Int(v) { return x }
        // accept Python-style numbers like 2e9 or 80*524288
        if let d = Self.evalNumber(v), d == d.rounded(), abs(d) < 9e18 { return Int(d) }
        throw usageError("--\(name)=\(v) is not an integer")
    }
    public func optionalInt(_ name: String) throws -> Int? { optionalString(name) == nil ? nil : try int(name) }
    public func double(_ name: String) throws -> Double {
        let v = string(name)
        if let d = Self.evalNumber(v) { return d }
        throw usageError("--\(name)=\(v) is not a number")
    }
    public func optionalDouble(_ name: String) throws -> Double? { optionalString(name) == nil ? nil : try double(name) }
    public func bool(_ name: String) throws -> Bool {
        switch string(name).lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw usageError("--\(name)=\(string(name)) is not a boolean")
        }
    }
    /// Parses "123", "2e9", "1_000", and products like "80*524288".
    static func evalNumber(_ s: String) -> Double? {
        let t = s.replacingOccurrences(of: "_", with: "").trimmingCharacters(in: .whitespaces)
        if t.contains("*") {
            var p = 1.0
            for part in t.split(separator: "*") { guard let x = Double(part) else { return nil }; p *= x }
            return p
        }
        return Double(t)
    }
}
