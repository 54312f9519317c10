import Foundation

/// OpenBLAS (DYNAMIC_ARCH) picks its kernels from the CPU model at load time; a model newer than the library
/// (Debian 12's 0.3.21 on an Emerald Rapids Xeon, family 6 model 207) falls back to the generic "Prescott"
/// SSE kernels, which run sgemm 5× below the AVX-512 ones (47 vs 247 GFLOP/s on 2 cores). An AVX2 kernel (Haswell,
/// Zen) on a CPU with full-width AVX-512 is also half speed: 192 vs 372 GFLOP/s on a Zen 5 (family 26), measured
/// with OPENBLAS_CORETYPE=Haswell against SkylakeX. OpenBLAS reads
/// OPENBLAS_CORETYPE only when it loads, before `main`, so the fix is to set it and re-execute once.
public enum BLASKernel {
    /// Set in the re-executed process: the core OpenBLAS had picked, for `description`.
    static let replacedVariable = "NANOCHAT_BLAS_REPLACED_CORE"
    /// How wide each OpenBLAS core's sgemm kernel is: 0 = pre-AVX2 (any name not listed), 1 = AVX2 FMA, 2 = AVX-512.
    static let kernelRank: [String: Int] = ["haswell": 1, "zen": 1, "skylakex": 2, "cooperlake": 2, "sapphirerapids": 2]

    /// True when the kernel OpenBLAS picked is narrower than the one `wanted` (a `coreType` answer) would run.
    public static func shouldReplace(picked: String, wanted: String) -> Bool {
        (kernelRank[picked.lowercased()] ?? 0) < (kernelRank[wanted.lowercased()] ?? 0)
    }

    /// How long (log2 of TSC cycles) OpenBLAS's threads spin after a call before they sleep: 2^20, ~0.4 ms, instead
    /// of OpenBLAS's 2^28 (~0.1 s). A spinning OpenBLAS thread takes a core from our own threads: after a prefill the
    /// decode pool's steps ran in bursts of 3–15 ms against 1 (d4 infer_bench batch 1: 415–564 tok/s against
    /// 767–1,184 at 2^20), and training config a ran 3–7 % faster (dev/LOG.md, 2026-12-04).
    static let threadTimeout = "20"

    /// The environment a process needs before OpenBLAS loads, given its environment now, the core OpenBLAS
    /// picked and the CPU's flags: OPENBLAS_THREAD_TIMEOUT, and OPENBLAS_CORETYPE when the picked kernel is narrower
    /// than the CPU's vectors (x86-64). A user's own settings are kept; empty when nothing is to change.
    public static func environmentChanges(env: [String: String], picked: String, flags: Set<String>?) -> [(String, String)] {
        var changes: [(String, String)] = []
        if env["OPENBLAS_THREAD_TIMEOUT"] == nil { changes.append(("OPENBLAS_THREAD_TIMEOUT", threadTimeout)) }
        if env["OPENBLAS_CORETYPE"] == nil, env[replacedVariable] == nil, !picked.isEmpty,
           let flags, let core = coreType(flags: flags), shouldReplace(picked: picked, wanted: core) {
            changes += [("OPENBLAS_CORETYPE", core), (replacedVariable, picked)]
        }
        return changes
    }

    /// The first call of every executable: re-executes once with `environmentChanges` set (OpenBLAS reads them only
    /// when it loads). Returns normally when there is nothing to change or exec fails.
    public static func selectForThisCPU() {
        #if os(Linux) && !canImport(Accelerate)
        #if arch(x86_64)
        let flags = cpuFlags()
        #else
        let flags: Set<String>? = nil
        #endif
        let changes = environmentChanges(env: ProcessInfo.processInfo.environment, picked: BLAS.coreName, flags: flags)
        guard !changes.isEmpty else { return }
        for (name, value) in changes { setenv(name, value, 1) }
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // exec failed (no /proc?): carry on as loaded rather than fail, and do not claim a replacement
        for (name, _) in changes { unsetenv(name) }
        #endif
    }

    /// The OPENBLAS_CORETYPE for a CPU with these /proc/cpuinfo flags, or nil when no vector kernel applies.
    public static func coreType(flags: Set<String>) -> String? {
        let avx512 = ["avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"].allSatisfy(flags.contains)
        if avx512 && flags.contains("avx512_bf16") { return "COOPERLAKE" }
        if avx512 { return "SKYLAKEX" }
        if flags.contains("avx2") && flags.contains("fma") { return "HASWELL" }
        return nil
    }

    public static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// One line for the logs that print the MFU denominator: which kernels the GEMMs run on.
    public static var description: String {
        let core = BLAS.coreName
        if let replaced = ProcessInfo.processInfo.environment[replacedVariable] {
            return "OpenBLAS kernel: \(core) (OpenBLAS picked \(replaced) for this CPU; replaced, set OPENBLAS_CORETYPE to choose)"
        }
        return core.isEmpty ? "BLAS: Accelerate" : "OpenBLAS kernel: \(core)"
    }
}
