#if NANOCHAT_MPI
import CMPI
#endif
import Foundation

/// Collectives over all ranks. Each is a no-op (or the identity) in a one-process run.
extension Distributed {
    /// In-place sum over ranks.
    public func allReduceSum(_ buf: UnsafeMutableBufferPointer<Float>) {
        guard communicates else { return }
        #if NANOCHAT_MPI
        MPI_Allreduce(cmpi_in_place(), buf.baseAddress, Int32(buf.count), cmpi_float(), cmpi_sum(), cmpi_comm_world())
        #endif
    }
    public func allReduceSum(_ buf: UnsafeMutableBufferPointer<Double>) {
        guard communicates else { return }
        #if NANOCHAT_MPI
        MPI_Allreduce(cmpi_in_place(), buf.baseAddress, Int32(buf.count), cmpi_double(), cmpi_sum(), cmpi_comm_world())
        #endif
    }
    public func allReduceSum(_ x: Double) -> Double {
        var v = [x]; v.withUnsafeMutableBufferPointer { allReduceSum($0) }; return v[0]
    }
    public func allReduceMax(_ x: Double) -> Double {
        guard communicates else { return x }
        var v = x
        #if NANOCHAT_MPI
        MPI_Allreduce(cmpi_in_place(), &v, 1, cmpi_double(), cmpi_max(), cmpi_comm_world())
        #endif
        return v
    }
    public func barrier() {
        #if NANOCHAT_MPI
        if communicates { MPI_Barrier(cmpi_comm_world()) }
        #endif
    }
}
