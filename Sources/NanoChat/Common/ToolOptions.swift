import Foundation

/// A tool's flags as one typed struct: `fields` is the single table that declares every flag (name, short
/// alias, default from `init()`, range, help), parses it and writes the saved user config; `program` and
/// `summary` head `--help`. Every executable is wired the same way, `XOptions.runTool { options, dist in ... }`:
/// its flags are read through `parse` (never back by string).
public protocol ToolOptions {
    init()
    static var program: String { get }
    static var summary: String { get }
    static var fields: [OptionField<Self>] { get }
}

extension ToolOptions {
    /// The declared flags (for `--help` text and tests); `program` and `summary` override the table's for a tool
    /// that declares more flags of its own on top (`bench train`).
    public static func flags(program name: String? = nil, summary about: String? = nil) -> Flags {
        let flags = Flags(program: name ?? program, summary: about ?? summary)
        OptionTable.declare(fields, defaults: Self(), in: flags)
        return flags
    }

    /// The options from flags already parsed (defaults where a flag was not given).
    public static func read(_ flags: Flags) throws -> Self { try OptionTable.read(fields, from: flags, into: Self()) }

    /// Parses argv (without the program name): defaults where a flag is not given; each bad value one line.
    public static func parse(_ args: [String] = Array(CommandLine.arguments.dropFirst())) throws -> Self {
        let flags = flags()
        try flags.parse(args)
        return try read(flags)
    }

    /// `{argparse_name: value}` in table order (a checkpoint meta's user_config).
    public var userConfigJSON: JSONValue { OptionTable.userConfig(Self.fields, self) }

    /// `--threads` as the table declares it, nil for a tool without the flag.
    var threadsFlag: Int? { Self.fields.first { $0.name == "threads" }?.json(self).int }

    /// `parse`, then `--threads` applied (`Threads.configure`) where the tool has the flag: what every tool does
    /// before its command (`runTool`, and the `bench` subcommands, which share one process's main).
    public static func parseApplyingThreads(_ args: [String], ranksOnHost: Int) throws -> Self {
        let options = try parse(args)
        if let threads = options.threadsFlag { Threads.configure(flag: threads, ranksOnHost: ranksOnHost) }
        return options
    }

    /// Every executable's main: MPI (one process without mpirun) → the flags → `--threads` (`Threads.configure`,
    /// where the tool has the flag) → the command; any failure is one line and exit 1 (`runMain`).
    public static func runTool(_ args: [String] = Array(CommandLine.arguments.dropFirst()),
                               _ command: (Self, Distributed) throws -> Void) -> Never {
        runMain {
            let dist = Distributed.setup()
            let options = try parseApplyingThreads(args, ranksOnHost: dist.localSize)
            try command(options, dist)
        }
    }
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
