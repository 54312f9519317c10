import Foundation

/// A tool's flags as one typed struct: `fields` is the single table that declares every flag (name, short
/// alias, default from `init()`, range, help), parses it and writes the saved user config; `program` and
/// `summary` head `--help`. Every executable reads its flags through `parse` (never back by string), and
/// its main is `runMain { dist/threads setup → Options.parse() → the command }`.
public protocol ToolOptions {
    init()
    static var program: String { get }
    static var summary: String { get }
    static var fields: [OptionField<Self>] { get }
}

extension ToolOptions {
    /// The declared flags (for `--help` text and tests).
    public static func flags() -> Flags {
        let flags = Flags(program: program, summary: summary)
        OptionTable.declare(fields, defaults: Self(), in: flags)
        return flags
    }

    /// Parses argv (without the program name): defaults where a flag is not given; each bad value one line.
    public static func parse(_ args: [String] = Array(CommandLine.arguments.dropFirst())) throws -> Self {
        let flags = flags()
        try flags.parse(args)
        return try OptionTable.read(fields, from: flags, into: Self())
    }

    /// `{argparse_name: value}` in table order (a checkpoint meta's user_config).
    public var userConfigJSON: JSONValue { OptionTable.userConfig(Self.fields, self) }
}

extension OptionField {
    /// A string flag whose default is shown as `shown` but read as nil unless given on the command line
    /// (base_eval's `--eval`: naming the modes makes a missing input an error instead of a skip).
    public static func givenString(_ name: String, _ key: WritableKeyPath<Options, String?>, _ help: String, shown: String) -> Self {
        Self(name: name,
             declare: { f, _ in f.define(name, shown, help) },
             read: { f, o in o[keyPath: key] = f.isSet(name) ? f.string(name) : nil },
             json: { o in o[keyPath: key].map { .string($0) } ?? .null })
    }
}
