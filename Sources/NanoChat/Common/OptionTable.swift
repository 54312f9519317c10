import Foundation

/// One flag bound to a property of a tool's options struct. A table of these is the single place a flag is
/// written: its default comes from the struct's initial value, and the same entry declares the flag (parsing,
/// range, `--help`), reads it back typed, and writes it into the saved user config.
public struct OptionField<Options> {
    public let name: String
    let declare: (Flags, Options) -> Void
    let read: (Flags, inout Options) throws -> Void
    let json: (Options) -> JSONValue

    public init(name: String, declare: @escaping (Flags, Options) -> Void, read: @escaping (Flags, inout Options) throws -> Void,
                json: @escaping (Options) -> JSONValue) {
        self.name = name; self.declare = declare; self.read = read; self.json = json
    }

    /// An Int; `words` are accepted spellings for special values (`["last": Int.max]`), saved back as the word.
    public static func int(_ name: String, _ key: WritableKeyPath<Options, Int>, _ help: String, min: Int? = nil, max: Int? = nil,
                           also: [Int] = [], words: [String: Int] = [:], short: String? = nil) -> Self {
        Self(name: name,
             declare: { f, d in
                 let dflt = words.first { $0.value == d[keyPath: key] }?.key
                 f.declare(FlagSpec(name: name, kind: .int, defaultValue: dflt ?? String(d[keyPath: key]), help: help, short: short,
                                    min: min.map(Double.init), max: max.map(Double.init),
                                    also: also.map(String.init) + words.keys.sorted(), choices: nil, check: nil))
             },
             read: { f, o in
                 let v = f.string(name)
                 o[keyPath: key] = try words[v] ?? f.int(name)
             },
             json: { o in
                 let x = o[keyPath: key]
                 return words.first { $0.value == x }.map { .string($0.key) } ?? .int(x)
             })
    }

    /// An Int that may be nanochat's `None` (nil; typed as "None" or ""); `words` as for `int`.
    public static func optionalInt(_ name: String, _ key: WritableKeyPath<Options, Int?>, _ help: String, min: Int? = nil,
                                   max: Int? = nil, words: [String: Int] = [:], short: String? = nil) -> Self {
        Self(name: name,
             declare: { f, d in f.define(name, int: d[keyPath: key], help, min: min, max: max, also: words.keys.sorted(), short: short) },
             read: { f, o in
                 let v = f.string(name)
                 o[keyPath: key] = try words[v] ?? f.optionalInt(name)
             },
             json: { o in
                 guard let x = o[keyPath: key] else { return .null }
                 return words.first { $0.value == x }.map { .string($0.key) } ?? .int(x)
             })
    }

    public static func double(_ name: String, _ key: WritableKeyPath<Options, Double>, _ help: String, min: Double? = nil,
                              max: Double? = nil, also: [Double] = [], short: String? = nil) -> Self {
        Self(name: name,
             declare: { f, d in
                 f.define(name, double: d[keyPath: key], help, min: min, max: max, also: also.map { "\($0)" }, short: short)
             },
             read: { f, o in o[keyPath: key] = try f.double(name) },
             json: { o in .double(o[keyPath: key]) })
    }

    public static func string(_ name: String, _ key: WritableKeyPath<Options, String>, _ help: String, choices: [String]? = nil,
                              short: String? = nil, check: ((String) -> String?)? = nil) -> Self {
        Self(name: name,
             declare: { f, d in f.define(name, d[keyPath: key], help, short: short, choices: choices, check: check) },
             read: { f, o in o[keyPath: key] = f.string(name) },
             json: { o in .string(o[keyPath: key]) })
    }

    /// A string that may be nanochat's `None` (nil; typed as "None" or ""); `--help` shows unset as `unset`.
    public static func optionalString(_ name: String, _ key: WritableKeyPath<Options, String?>, _ help: String,
                                      short: String? = nil, unset: String = "None") -> Self {
        Self(name: name,
             declare: { f, d in f.define(name, d[keyPath: key] ?? unset, help, short: short) },
             read: { f, o in o[keyPath: key] = f.optionalString(name) },
             json: { o in o[keyPath: key].map { .string($0) } ?? .null })
    }

    public static func bool(_ name: String, _ key: WritableKeyPath<Options, Bool>, _ help: String, short: String? = nil) -> Self {
        Self(name: name,
             declare: { f, d in f.define(name, bool: d[keyPath: key], help, short: short) },
             read: { f, o in o[keyPath: key] = try f.bool(name) },
             json: { o in .bool(o[keyPath: key]) })
    }
}

extension OptionField {
    /// This field for a struct that holds these options at `key` (`bench train`: base_train's table plus its own).
    public func nested<Outer>(in key: WritableKeyPath<Outer, Options>) -> OptionField<Outer> {
        let (declare, read, json) = (self.declare, self.read, self.json)
        return OptionField<Outer>(name: name,
                                  declare: { f, d in declare(f, d[keyPath: key]) },
                                  read: { f, o in try read(f, &o[keyPath: key]) },
                                  json: { o in json(o[keyPath: key]) })
    }
}

/// Declaring, reading and saving a whole table.
public enum OptionTable {
    /// Declares every field with the default taken from `defaults`.
    public static func declare<Options>(_ fields: [OptionField<Options>], defaults: Options, in flags: Flags) {
        for field in fields { field.declare(flags, defaults) }
    }

    /// The options with every field read from parsed flags (defaults where not given).
    public static func read<Options>(_ fields: [OptionField<Options>], from flags: Flags, into defaults: Options) throws -> Options {
        var o = defaults
        for field in fields { try field.read(flags, &o) }
        return o
    }

    /// `{argparse_name: value}` in table order: the meta's user_config.
    public static func userConfig<Options>(_ fields: [OptionField<Options>], _ options: Options) -> JSONValue {
        .object(fields.map { ($0.name.replacingOccurrences(of: "-", with: "_"), $0.json(options)) })
    }
}
