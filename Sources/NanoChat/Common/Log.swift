import Foundation

/// Console output that only rank 0 prints (nanochat's print0), flushed line by line so logs stream.
/// The rank comes from the launcher's environment, so it is right before MPI starts and needs no setter.
public func print0(_ s: String = "") {
    guard Distributed.launchRank.rank == 0 else { return }
    print(s); fflush(stdout)
}

/// Monotonic wall clock in seconds.
@inlinable public func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

public enum Memory {
    /// Peak resident set size of this process in bytes (getrusage; see Platform).
    public static var peakRSS: Int { Platform.peakRSS }
    public static func format(_ bytes: Int) -> String { String(format: "%.2f MiB", Double(bytes) / 1048576) }
}

/// Formats an integer with thousands separators like Python's `{:,}`.
public func commas(_ n: Int) -> String {
    let s = String(abs(n)); var out = ""
    for (i, c) in s.enumerated() { if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }; out.append(c) }
    return n < 0 ? "-" + out : out
}
