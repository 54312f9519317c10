import CKernels
import Foundation

/// The MFU denominator: the fp32 FMA limit of the cores a run uses, computed from the CPU rather than
/// timed with a GEMM (a 1-second sgemm probe read 105–245 GFLOP/s on one machine within a day, so MFU
/// went above 100 %). cores × FMA units × SIMD lanes × 2 flops × clock, where the clock is the vector one:
/// one core's timed FMA rate on the widest vectors over its FMA units (AVX-512 code runs below the scalar
/// clock on many Xeons), or, where no FMA loop exists for the build, the scalar clock of a dependent chain.
/// Then × the share of that rate all cores reach at once (at most 1): a VM's vCPUs can share physical cores
/// (dev/LOG.md 2026-12-03: two threads at ~1.25× one), and cores × one core's rate put MFU 25–40 % too low.
public struct PeakFLOPS: Sendable {
    public let cores: Int
    public let fmaUnits: Int
    public let lanes: Int
    public let isa: String
    public let gigahertz: Double
    /// How the clock was obtained, for the printed line.
    public let clockSource: String
    /// All `cores` threads' FMA rate at once over cores × one core's, capped at 1 (1 where not measured).
    public let together: Double

    public var gflops: Double { Double(cores * fmaUnits * lanes * 2) * gigahertz * together }
    public var description: String {
        let shared = together < 1 ? String(format: " × %.2f (all %d threads at once reach %.0f %% of %d × one)",
                                           together, cores, 100 * together, cores) : ""
        return String(format: "%d cores × %d FMA units × %d fp32 lanes (%@) × 2 flops × %.2f GHz (%@)%@ = %.1f GFLOP/s",
                      cores, fmaUnits, lanes, isa, gigahertz, clockSource, shared, gflops)
    }

    /// For `cores` threads on this CPU. The vector width is what OpenBLAS's kernels use here (AVX-512
    /// when the CPU has it, whatever our own SIMD8 code is compiled for); two FMA pipes per core is what
    /// every x86 server core since Haswell has (some low-end AVX-512 Xeons have one 512-bit pipe: there
    /// the MFU reads low, never above 100 %); Apple's performance cores have four 128-bit pipes.
    public static func estimate(cores: Int) -> PeakFLOPS {
        var lanes = 4, units = 2, isa = "SSE"
        #if arch(x86_64)
        let flags = cpuFlags()
        if flags.contains("avx512f") { lanes = 16; isa = "AVX-512" } else if flags.contains("fma") { lanes = 8; isa = "AVX2+FMA" }
        #elseif arch(arm64)
        lanes = 4; isa = "NEON"
        #if os(macOS)
        units = 4
        #endif
        #endif
        let cores = max(1, cores)
        let fmaPerSecond = nc_fma_rate(Int32(lanes), 25)
        let (gigahertz, source) = fmaPerSecond > 0
            ? (fmaPerSecond / Double(units) / 1e9, "vector clock: measured \(isa) FMA rate / \(units) units")
            : (measureClockGHz(), "scalar clock, measured")
        var all = cores > 1 && fmaPerSecond > 0 ? nc_fma_rate_together(Int32(lanes), Int32(cores), 10) : 0
        // a low reading can be the scheduler, not the cores: a thread started on the busy core and not moved
        // within the rounds read 0.5 once (MFU 97.6 % against 50 % in the runs beside it); re-measure longer
        for _ in 0..<3 where all > 0 && all < 0.9 * Double(cores) * fmaPerSecond {
            all = max(all, nc_fma_rate_together(Int32(lanes), Int32(cores), 40))
        }
        let together = all > 0 ? min(1, all / (Double(cores) * fmaPerSecond)) : 1
        return PeakFLOPS(cores: cores, fmaUnits: units, lanes: lanes, isa: isa, gigahertz: gigahertz, clockSource: source,
                         together: together)
    }

    /// Core clock in GHz: best of several short runs (~1.5 ms each, so some run between preemptions on a
    /// busy box) of a dependent `x = (x ^ k) + x` chain, two single-cycle ops per iteration that no
    /// compiler can shorten.
    public static func measureClockGHz(runs: Int = 15, iterations: Int = 2_000_000) -> Double {
        var best = Double.infinity
        var x = UInt64(truncatingIfNeeded: Int(now() * 1e6)) | 1
        let k = x &* 0x9E37_79B9_7F4A_7C15
        for _ in 0..<runs {
            let t = now()
            for _ in 0..<iterations { x = (x ^ k) &+ x }
            best = min(best, now() - t)
        }
        if x == 42 { print("") }   // keeps the chain alive
        return 2 * Double(iterations) / best / 1e9
    }

    /// The `flags` line of /proc/cpuinfo (empty elsewhere).
    static func cpuFlags() -> Set<String> {
        guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in s.split(separator: "\n") where line.hasPrefix("flags") {
            return Set(line.split(separator: " ").map(String.init))
        }
        return []
    }
}
