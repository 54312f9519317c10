import XCTest
import NanoChat
import CKernels

/// The OPENBLAS_CORETYPE chosen when OpenBLAS falls back to a generic kernel (Math/BLASKernel.swift).
final class BLASKernelTests: XCTestCase {
    func testCoreTypeFollowsTheWidestVectorUnits() {
        let avx512: Set<String> = ["fma", "avx2", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"]
        XCTAssertEqual(BLASKernel.coreType(flags: avx512.union(["avx512_bf16"])), "COOPERLAKE")
        XCTAssertEqual(BLASKernel.coreType(flags: avx512), "SKYLAKEX")
        XCTAssertEqual(BLASKernel.coreType(flags: ["fma", "avx2", "avx512f"]), "HASWELL")  // partial AVX-512
        XCTAssertNil(BLASKernel.coreType(flags: ["sse4_2", "avx"]))
    }

    func testReplacesOnlyANarrowerKernel() {
        XCTAssertTrue(BLASKernel.shouldReplace(picked: "Prescott", wanted: "HASWELL"))
        XCTAssertTrue(BLASKernel.shouldReplace(picked: "Haswell", wanted: "COOPERLAKE"))  // Zen 5: OpenBLAS 0.3.21 picks AVX2
        XCTAssertTrue(BLASKernel.shouldReplace(picked: "Zen", wanted: "SKYLAKEX"))
        XCTAssertFalse(BLASKernel.shouldReplace(picked: "Haswell", wanted: "HASWELL"))
        XCTAssertFalse(BLASKernel.shouldReplace(picked: "SkylakeX", wanted: "COOPERLAKE"))
        XCTAssertFalse(BLASKernel.shouldReplace(picked: "Cooperlake", wanted: "HASWELL"))  // never downgrade
    }

    func testThisMachineRunsAVectorKernelUnlessTheCPUHasNone() throws {
        let core = BLAS.coreName
        try XCTSkipIf(core.isEmpty, "not OpenBLAS")
        // xctest does not call selectForThisCPU; only check that the flags of this CPU map to something sane
        if let flags = BLASKernel.cpuFlags(), flags.contains("avx2") { XCTAssertNotNil(BLASKernel.coreType(flags: flags)) }
    }

    /// The MFU denominator takes its clock from a timed vector FMA loop where one exists (Math/PeakFLOPS.swift):
    /// the widest vectors this CPU has give a positive rate, a width it lacks gives 0 (no illegal instruction);
    /// all threads at once scale it by their measured share, never above 1.
    func testPeakFLOPSUsesTheMeasuredVectorFMARate() {
        let peak = PeakFLOPS.estimate(cores: 2)
        XCTAssertGreaterThan(peak.gflops, 0)
        #if arch(x86_64) || arch(arm64)
        XCTAssertTrue(peak.clockSource.hasPrefix("vector clock"), peak.description)
        XCTAssertEqual(peak.gflops, Double(2 * peak.fmaUnits * peak.lanes * 2) * peak.gigahertz * peak.together, accuracy: 1e-9)
        XCTAssertGreaterThan(peak.together, 0)
        XCTAssertLessThanOrEqual(peak.together, 1)
        XCTAssertGreaterThan(nc_fma_rate_together(Int32(peak.lanes), 2, 2), 0)
        #endif
        #if arch(x86_64)
        XCTAssertEqual(nc_fma_rate(3, 1), 0)   // no 3-lane vectors anywhere
        XCTAssertEqual(nc_fma_rate_together(3, 2, 1), 0)
        #endif
        XCTAssertEqual(PeakFLOPS.estimate(cores: 1).together, 1)   // one thread: nothing to share
    }

    func testEnvironmentChangesKeepTheUsersSettings() {
        let avx512: Set<String> = ["avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd", "avx512_bf16", "avx2", "fma"]
        func names(_ env: [String: String], _ picked: String) -> [String] {
            BLASKernel.environmentChanges(env: env, picked: picked, flags: avx512).map { $0.0 }
        }
        XCTAssertEqual(names([:], "Cooperlake"), ["OPENBLAS_THREAD_TIMEOUT"])
        XCTAssertEqual(names([:], "Haswell"), ["OPENBLAS_THREAD_TIMEOUT", "OPENBLAS_CORETYPE", "NANOCHAT_BLAS_REPLACED_CORE"])
        XCTAssertEqual(names(["OPENBLAS_THREAD_TIMEOUT": "28"], "Haswell"), ["OPENBLAS_CORETYPE", "NANOCHAT_BLAS_REPLACED_CORE"])
        XCTAssertEqual(names(["OPENBLAS_THREAD_TIMEOUT": "28", "OPENBLAS_CORETYPE": "HASWELL"], "Haswell"), [])
        // the re-executed process has both set: nothing more to change, so it never loops
        XCTAssertEqual(names(["OPENBLAS_THREAD_TIMEOUT": "20", "NANOCHAT_BLAS_REPLACED_CORE": "Haswell"], "Cooperlake"), [])
    }
}
