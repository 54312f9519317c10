import XCTest
import NanoChat

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
}
