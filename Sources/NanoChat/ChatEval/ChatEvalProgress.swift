import Foundation

/// Progress of one chat_eval task on rank 0: problems done, running accuracy, rate and ETA. In place on a
/// terminal (at most 5 updates/s), a plain line every 10 s otherwise (logs, mpirun).
// TODO(report): swap for Common/Progress.swift once it lands on main.
struct ChatEvalProgress {
    let label: String
    let total: Int
    private let start = now()
    private var lastShown: Double
    private let inPlace: Bool
    private let silent: Bool
    private var onScreen = false

    init(_ label: String, total: Int) {
        self.label = label
        self.total = total
        inPlace = isatty(STDOUT_FILENO) != 0
        silent = Distributed.launchRank.rank != 0 || ProcessInfo.processInfo.environment["NANOCHAT_PROGRESS"] == "off"
        lastShown = now()
    }

    var elapsed: Double { now() - start }

    /// `done` problems of this rank's share scored (scaled to the whole task by `scale`), `passed` of them right.
    mutating func update(done: Int, passed: Int, scale: Int = 1) {
        guard !silent else { return }
        let t = now()
        guard t - lastShown >= (inPlace ? 0.2 : 10) else { return }
        lastShown = t
        let all = min(total, done * scale)
        let rate = Double(all) / max(t - start, 1e-9)
        let eta = rate > 0 ? Double(total - all) / rate : 0
        let line = String(format: "%@: %d/%d problems (%.1f%% right) | %.2f problems/s | ETA %@", label, all, total,
                          100 * Double(passed) / Double(max(done, 1)), rate, Self.duration(eta))
        if inPlace { fputs("\r\u{1B}[K" + line, stdout); onScreen = true } else { fputs(line + "\n", stdout) }
        fflush(stdout)
    }

    /// Clears the in-place line before the task's result line.
    mutating func finish() {
        if onScreen { fputs("\r\u{1B}[K", stdout); fflush(stdout); onScreen = false }
    }

    static func duration(_ s: Double) -> String {
        s < 60 ? String(format: "%.0fs", s) : s < 3600 ? String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60)
            : String(format: "%dh%02dm", Int(s) / 3600, Int(s) % 3600 / 60)
    }
}
