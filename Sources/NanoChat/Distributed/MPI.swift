// The only file that imports the MPI C module. Without mpirun (or without Open MPI at build time)
// everything degrades to one process: rank 0 of 1, collectives are no-ops.
#if NANOCHAT_MPI
import CMPI
#endif
import Foundation

public final class Distributed: @unchecked Sendable {
    public let rank: Int
    public let worldSize: Int
    public let localRank: Int
    public let localSize: Int
    public let usesMPI: Bool

    nonisolated(unsafe) public static var shared: Distributed = Distributed(initMPI: false)

    /// Call once at program start. Initializes MPI only when launched by mpirun (avoids the singleton
    /// runtime's fork and startup cost otherwise).
    public static func setup() -> Distributed {
        let d = Distributed(initMPI: true)
        shared = d
        logRank = d.rank
        return d
    }

    private init(initMPI: Bool) {
        let e = ProcessInfo.processInfo.environment
        #if NANOCHAT_MPI
        if initMPI && (e["OMPI_COMM_WORLD_SIZE"] != nil || e["PMIX_RANK"] != nil || e["PMI_RANK"] != nil) {
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
            var r: Int32 = 0, s: Int32 = 0
            MPI_Comm_rank(cmpi_comm_world(), &r); MPI_Comm_size(cmpi_comm_world(), &s)
            rank = Int(r); worldSize = Int(s); usesMPI = true
            localRank = Int(e["OMPI_COMM_WORLD_LOCAL_RANK"] ?? "") ?? 0
            localSize = Int(e["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1
            return
        }
        #endif
        _ = e
        rank = 0; worldSize = 1; localRank = 0; localSize = 1; usesMPI = false
    }

    public var isMaster: Bool { rank == 0 }

    /// In-place sum over ranks.
    public func allReduceSum(_ buf: UnsafeMutableBufferPointer<Float>) {
        guard usesMPI, worldSize > 1 else { return }
        #if NANOCHAT_MPI
        MPI_Allreduce(cmpi_in_place(), buf.baseAddress, Int32(buf.count), cmpi_float(), cmpi_sum(), cmpi_comm_world())
        #endif
    }
    public func allReduceSum(_ buf: UnsafeMutableBufferPointer<Double>) {
        guard usesMPI, worldSize > 1 else { return }
        #if NANOCHAT_MPI
        MPI_Allreduce(cmpi_in_place(), buf.baseAddress, Int32(buf.count), cmpi_double(), cmpi_sum(), cmpi_comm_world())
        #endif
    }
    public func allReduceSum(_ x: Double) -> Double {
        var v = [x]; v.withUnsafeMutableBufferPointer { allReduceSum($0) }; return v[0]
    }
    public func allReduceMax(_ x: Double) -> Double {
        guard usesMPI, worldSize > 1 else { return x }
        var v = x
        #if NANOCHAT_MPI
        MPI_Allreduce(cmpi_in_place(), &v, 1, cmpi_double(), cmpi_max(), cmpi_comm_world())
        #endif
        return v
    }
    public func barrier() {
        #if NANOCHAT_MPI
        if usesMPI { MPI_Barrier(cmpi_comm_world()) }
        #endif
    }
    public func finalize() {
        #if NANOCHAT_MPI
        if usesMPI { MPI_Finalize() }
        #endif
    }
}
