#if NANOCHAT_MPI
import CMPI
#endif
import Foundation

/// A started non-blocking collective. The buffers it was given must stay untouched until `wait()`
/// returns. Open MPI progresses non-blocking collectives inside MPI calls, so starting several at once
/// lets them pipeline; `wait()` is where the time is spent.
public final class PendingCollective {
    #if NANOCHAT_MPI
    var requests: [MPI_Request?] = []
    /// Count/displacement arrays MPI may read until completion.
    var arrays: [UnsafeMutablePointer<Int32>] = []
    #endif
    var afterWait: [() -> Void] = []
    private var done = false

    init() {}
    deinit { if !done { wait() } }

    /// Blocks until every part of the collective has completed (idempotent).
    public func wait() {
        guard !done else { return }
        done = true
        #if NANOCHAT_MPI
        if !requests.isEmpty { MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()) }
        for a in arrays { a.deallocate() }
        arrays = []
        #endif
        for f in afterWait { f() }
    }

    #if NANOCHAT_MPI
    func int32s(_ values: [Int]) -> UnsafeMutablePointer<Int32> {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, values.count))
        for (i, v) in values.enumerated() { p[i] = Int32(v) }
        arrays.append(p)
        return p
    }
    #endif
}

/// Collectives over all ranks on flat Float buffers, plus scalar reductions. In a one-process run
/// every one is the identity (and reduce-scatter a copy of this rank's part).
extension Distributed {
    // MARK: - Buffers (non-blocking forms; the blocking ones start and wait)

    /// Sum over ranks, in place, of `count` floats at `buf`.
    public func startAllReduceSum(_ buf: UnsafeMutablePointer<Float>, count: Int) -> PendingCollective {
        let pending = PendingCollective()
        guard communicates else { return pending }
        #if NANOCHAT_MPI
        for r in CountSplit.pieces(count, limit: maxCount) {
            var req: MPI_Request? = cmpi_request_null()
            MPI_Iallreduce(cmpi_in_place(), buf + r.lowerBound, Int32(r.count), cmpi_float(), cmpi_sum(), cmpi_comm_world(), &req)
            pending.requests.append(req)
        }
        #endif
        return pending
    }

    /// Reduce-scatter (sum): `send` holds every rank's part back to back (`counts[r]` floats for rank r);
    /// this rank receives the sum over ranks of its own part in `recv` (`counts[rank]` floats, not
    /// overlapping `send`). `send` is scratch afterwards (it holds partial sums). Completes before returning
    /// (`ringReduceScatterSum`); the other collectives already started progress meanwhile.
    public func startReduceScatterSum(send: UnsafeMutablePointer<Float>, recv: UnsafeMutablePointer<Float>,
                                      counts: [Int]) -> PendingCollective {
        precondition(counts.count == worldSize, "reduce-scatter: one count per rank")
        let mine = CountSplit.displacements(counts)[rank]
        guard communicates else {
            if send + mine != recv { recv.update(from: send + mine, count: counts[rank]) }
            return PendingCollective()
        }
        #if NANOCHAT_MPI
        ringReduceScatterSum(send: send, recv: recv, counts: counts)
        return PendingCollective()
        #else
        return PendingCollective()
        #endif
    }

    #if NANOCHAT_MPI
    /// Ring reduce-scatter over point-to-point messages: p − 1 steps, each sending one part (as received and
    /// summed so far) to the next rank and adding the part received from the previous one; after the last step
    /// this rank holds the full sum of its own part. Open MPI 4.1's own MPI_Reduce_scatter (each of its tuned
    /// algorithms) and libnbc's MPI_Ireduce_scatter (a reduce to rank 0, then a scatter) took 115–215 ms for the
    /// 134 MB of a d4's gradients on 2 ranks of one host, where one exchange and one add take ~23 ms
    /// (dev/LOG.md, 2026-12-02). Each element is the same sum: with 2 ranks one commutative add, bit-identical
    /// to MPI_SUM; with more, the ring's order.
    private func ringReduceScatterSum(send: UnsafeMutablePointer<Float>, recv: UnsafeMutablePointer<Float>, counts: [Int]) {
        let p = worldSize, next = (rank + 1) % p, prev = (rank + p - 1) % p
        let displs = CountSplit.displacements(counts)
        let received = RingScratch.buffer(count: counts.max() ?? 0)
        for s in 0..<(p - 1) {
            let sent = ((rank - s - 1) % p + p) % p, summed = ((rank - s - 2) % p + p) % p   // the last step sums our own part
            var requests: [MPI_Request?] = []
            for r in CountSplit.pieces(counts[summed], limit: maxCount) {
                var req: MPI_Request? = cmpi_request_null()
                MPI_Irecv(received + r.lowerBound, Int32(r.count), cmpi_float(), Int32(prev), RingScratch.tag, cmpi_comm_world(), &req)
                requests.append(req)
            }
            for r in CountSplit.pieces(counts[sent], limit: maxCount) {
                var req: MPI_Request? = cmpi_request_null()
                MPI_Isend(send + displs[sent] + r.lowerBound, Int32(r.count), cmpi_float(), Int32(next), RingScratch.tag, cmpi_comm_world(), &req)
                requests.append(req)
            }
            if !requests.isEmpty { MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()) }
            let own = send + displs[summed]
            vadd(s == p - 2 ? recv : own, own, received, counts[summed])
        }
    }
    #endif

    /// All-gather in place: rank r's `counts[r]` floats sit at its displacement in `buf` (parts back to
    /// back); afterwards every rank has every part. Above `maxCount` elements each rank broadcasts its
    /// part in pieces.
    public func startAllGather(_ buf: UnsafeMutablePointer<Float>, counts: [Int]) -> PendingCollective {
        precondition(counts.count == worldSize, "all-gather: one count per rank")
        let pending = PendingCollective()
        guard communicates else { return pending }
        #if NANOCHAT_MPI
        let displs = CountSplit.displacements(counts)
        if CountSplit.fitsOneCall(counts, limit: maxCount) {
            var req: MPI_Request? = cmpi_request_null()
            MPI_Iallgatherv(cmpi_in_place(), 0, cmpi_float(), buf, pending.int32s(counts), pending.int32s(displs),
                            cmpi_float(), cmpi_comm_world(), &req)
            pending.requests.append(req)
            return pending
        }
        for root in 0..<worldSize {
            for r in CountSplit.pieces(counts[root], limit: maxCount) {
                var req: MPI_Request? = cmpi_request_null()
                MPI_Ibcast(buf + displs[root] + r.lowerBound, Int32(r.count), cmpi_float(), Int32(root), cmpi_comm_world(), &req)
                pending.requests.append(req)
            }
        }
        #endif
        return pending
    }

    /// `count` floats of `root` copied to every rank.
    public func startBroadcast(_ buf: UnsafeMutablePointer<Float>, count: Int, root: Int = 0) -> PendingCollective {
        let pending = PendingCollective()
        guard communicates else { return pending }
        #if NANOCHAT_MPI
        for r in CountSplit.pieces(count, limit: maxCount) {
            var req: MPI_Request? = cmpi_request_null()
            MPI_Ibcast(buf + r.lowerBound, Int32(r.count), cmpi_float(), Int32(root), cmpi_comm_world(), &req)
            pending.requests.append(req)
        }
        #endif
        return pending
    }

    public func allReduceSum(_ buf: UnsafeMutableBufferPointer<Float>) {
        guard let base = buf.baseAddress else { return }
        startAllReduceSum(base, count: buf.count).wait()
    }
    public func broadcast(_ buf: UnsafeMutablePointer<Float>, count: Int, root: Int = 0) {
        startBroadcast(buf, count: count, root: root).wait()
    }

    // MARK: - Doubles and scalars (losses, byte counts, stop flags)

    public func allReduceSum(_ buf: UnsafeMutableBufferPointer<Double>) {
        guard communicates, let base = buf.baseAddress else { return }
        #if NANOCHAT_MPI
        for r in CountSplit.pieces(buf.count, limit: maxCount) {
            MPI_Allreduce(cmpi_in_place(), base + r.lowerBound, Int32(r.count), cmpi_double(), cmpi_sum(), cmpi_comm_world())
        }
        #endif
    }
    public func allReduceSum(_ x: Double) -> Double { scalar(x, .sum) }
    public func allReduceMax(_ x: Double) -> Double { scalar(x, .max) }
    public func allReduceMean(_ x: Double) -> Double { scalar(x, .sum) / Double(worldSize) }

    enum ScalarOp { case sum, max }
    private func scalar(_ x: Double, _ op: ScalarOp) -> Double {
        guard communicates else { return x }
        var v = x
        #if NANOCHAT_MPI
        let mpiOp = op == .sum ? cmpi_sum() : cmpi_max()
        MPI_Allreduce(cmpi_in_place(), &v, 1, cmpi_double(), mpiOp, cmpi_comm_world())
        #endif
        return v
    }

    public func barrier() {
        #if NANOCHAT_MPI
        if communicates { MPI_Barrier(cmpi_comm_world()) }
        #endif
    }
}

#if NANOCHAT_MPI
/// The receive buffer of `ringReduceScatterSum`, kept between steps (a fresh 67 MB buffer costs its page faults
/// every step). Collectives run on one thread of a rank.
private enum RingScratch {
    static let tag: Int32 = 7301
    nonisolated(unsafe) static var storage: UnsafeMutablePointer<Float>? = nil
    nonisolated(unsafe) static var capacity = 0

    static func buffer(count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity || storage == nil {
            storage?.deallocate()
            storage = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            capacity = max(1, count)
        }
        return storage!
    }
}
#endif
