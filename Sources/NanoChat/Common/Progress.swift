import Foundation

/// Progress of a long job — count, rate and ETA — printed by rank 0 only.
///
/// On a terminal the line is rewritten in place (`\r`, at most every `interval` s, default 0.2 s); when
/// stdout is a pipe or a file (logs, `mpirun`, CI) a plain line is printed every `interval` s (default
/// 10 s) so a log gets a few readable lines instead of thousands of carriage returns. A job shorter than
/// the plain interval prints only its `finish` line.
///
///     var p = Progress("val bpb", total: steps * tokensPerStep, unit: "tokens")
///     for i in 0..<steps { ...; p.update((i + 1) * tokensPerStep) }
///     p.finish()      // "val bpb: 16,384 tokens in 7.9s (2,074 tokens/s)"
///
/// Call `clear()` before printing anything else while a job runs, so the in-place line does not get
/// mixed into it; the next `update` draws the line again.
public struct Progress {
    public enum Style: Sendable { case inPlace, lines, silent }

    public let label: String
    /// Total units of work; nil when unknown (then there is no percentage and no ETA).
    public var total: Int?
    public let unit: String
    public let style: Style
    /// Minimum seconds between two printed updates.
    public let interval: Double
    /// Shown after the counts, e.g. the current task: "task 3/20 hellaswag".
    public var detail = ""
    private let output: (String) -> Void
    private let clock: () -> Double
    private let start: Double
    private var lastShown: Double
    private var lastDone = 0
    private var onScreen = false // an in-place line is on the terminal and the cursor is at its end

    public init(_ label: String, total: Int?, unit: String, style: Style = Progress.defaultStyle(), interval: Double? = nil,
                clock: @escaping () -> Double = { now() },
                output: @escaping (String) -> Void = { s in fputs(s, stdout); fflush(stdout) }) {
        self.label = label
        self.total = total
        self.unit = unit
        self.style = style
        self.interval = interval ?? (style == .inPlace ? 0.2 : 10)
        self.clock = clock
        self.output = output
        start = clock()
        lastShown = start
    }

    /// In place on a terminal, plain lines otherwise, nothing on ranks other than 0.
    /// `NANOCHAT_PROGRESS=lines` (or `off`) overrides the terminal check.
    public static func defaultStyle() -> Style {
        if Distributed.launchRank.rank != 0 { return .silent }
        switch ProcessInfo.processInfo.environment["NANOCHAT_PROGRESS"] {
        case "off": return .silent
        case "lines": return .lines
        default: return Platform.isTerminal(STDOUT_FILENO) ? .inPlace : .lines
        }
    }

    public var elapsed: Double { clock() - start }

    /// Records that `done` units are finished; prints if the interval has passed.
    public mutating func update(_ done: Int, detail: String? = nil) {
        lastDone = done
        if let detail { self.detail = detail }
        guard style != .silent else { return }
        let t = clock()
        guard t - lastShown >= interval else { return }
        lastShown = t
        show(line(done: done, at: t))
    }

    /// `update(done + n)`.
    public mutating func advance(by n: Int = 1) { update(lastDone + n) }

    /// Takes the in-place line off the terminal so other output starts at column 0.
    public mutating func clear() {
        if onScreen { output("\r\u{1B}[K"); onScreen = false }
    }

    /// The final line: count, time and mean rate (plus `summary`), ending the in-place line.
    public mutating func finish(_ summary: String = "") {
        guard style != .silent else { return }
        let dt = clock() - start
        var s = "\(label): \(Self.count(lastDone)) \(unit) in \(Self.duration(dt))"
        if dt > 0 && lastDone > 0 { s += " (\(Self.rate(Double(lastDone) / dt)) \(unit)/s)" }
        if !summary.isEmpty { s += " | " + summary }
        clear()
        output(s + "\n")
    }

    /// "label: 120/320 examples (37.5%) | 14.2 examples/s | 8s elapsed, ETA 14s | task 3/20 piqa".
    public func line(done: Int, at t: Double) -> String {
        let dt = max(t - start, 1e-9)
        let r = Double(done) / dt
        var s = "\(label): \(Self.count(done))"
        if let total, total > 0 {
            s += "/\(Self.count(total)) \(unit) " + String(format: "(%.1f%%)", 100 * Double(done) / Double(total))
        } else {
            s += " \(unit)"
        }
        s += " | \(Self.rate(r)) \(unit)/s | \(Self.duration(dt)) elapsed"
        if let total, total > 0, done > 0 { s += ", ETA \(Self.duration(Double(max(0, total - done)) / r))" }
        if !detail.isEmpty { s += " | " + detail }
        return s
    }

    private mutating func show(_ s: String) {
        switch style {
        case .inPlace: output("\r\u{1B}[K" + s); onScreen = true
        case .lines: output(s + "\n")
        case .silent: break
        }
    }

    /// 4.2s, 1m05s, 2h03m.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }

    /// Three significant figures, thousands separated: 0.512, 14.2, 873, 12,345.
    public static func rate(_ r: Double) -> String {
        guard r.isFinite else { return "?" }
        if r >= 1000 { return commas(Int(r.rounded())) }
        if r >= 100 { return String(format: "%.0f", r) }
        if r >= 10 { return String(format: "%.1f", r) }
        return String(format: "%.2f", r)
    }

    static func count(_ n: Int) -> String { commas(n) }
}
