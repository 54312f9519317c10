#if NANOCHAT_MPI
import CMPI
#endif
import Foundation

/// A started non-blocking collective. The buffers it was given must stay untouched until it is done
/// (`wait()` returned or `test()` said true). Open MPI progresses non-blocking collectives only inside MPI
/// calls, so several started at once pipeline while one is waited on or polled. A collective in several
/// rounds (the ring reduce-scatter) posts its next round from `stage` when the current one completes.
public final class PendingCollective {
    #if NANOCHAT_MPI
    var requests: [MPI_Request?] = []
    /// Count/displacement arrays MPI may read until completion.
    var arrays: [UnsafeMutablePointer<Int32>] = []
    #endif
    /// Called when the posted requests have completed: works on what arrived and posts the next round's
    /// requests, returning true, or returns false when there is no further round.
    var stage: (() -> Bool)?
    var afterWait: [() -> Void] = []
    private var done = false

    init() {}
    deinit { if !done { wait() } }

    /// Blocks until every round of the collective has completed (idempotent).
    public func wait() {
        while !done {
            #if NANOCHAT_MPI
            if !requests.isEmpty { MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()) }
            requests = []
            #endif
            advance()
        }
    }

    /// Progresses the collective without blocking; true once it has completed.
    public func test() -> Bool {
        while !done {
            #if NANOCHAT_MPI
            if !requests.isEmpty {
                var flag: Int32 = 0
                MPI_Testall(Int32(requests.count), &requests, &flag, cmpi_statuses_ignore())
                if flag == 0 { return false }
                requests = []
            }
            #endif
            advance()
        }
        return true
    }

    /// The posted round is complete: the next one, or the end.
    private func advance() {
        if let next = stage, next() { return }
        stage = nil
        done = true
        #if NANOCHAT_MPI
        for a in arrays { a.deallocate() }
        arrays = []
        #endif
        for f in afterWait { f() }
        afterWait = []
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
    /// overlapping `send`). `send` is scratch afterwards (it holds partial sums). A ring over point-to-point
    /// messages (`postRingStep`); reduce-scatters in flight at once need distinct `tag`s (each has its own
    /// receive buffer, and messages of one tag between two ranks arrive in order).
    public func startReduceScatterSum(send: UnsafeMutablePointer<Float>, recv: UnsafeMutablePointer<Float>,
                                      counts: [Int], tag: Int = 0) -> PendingCollective {
        precondition(counts.count == worldSize, "reduce-scatter: one count per rank")
        let pending = PendingCollective()
        let mine = CountSplit.displacements(counts)[rank]
        guard communicates else {
            if send + mine != recv { recv.update(from: send + mine, count: counts[rank]) }
            return pending
        }
        #if NANOCHAT_MPI
        let mpiTag = RingScratch.tag + Int32(tag)
        let received = RingScratch.buffer(tag: mpiTag, count: counts.max() ?? 0)
        var step = 0
        postRingStep(0, send: send, received: received, counts: counts, tag: mpiTag, into: pending)
        pending.stage = { [self] in
            // round `step` has arrived: add it, then post the next round
            let p = worldSize, summed = ((rank - step - 2) % p + p) % p   // the last round sums our own part
            let own = send + CountSplit.displacements(counts)[summed]
            vadd(step == p - 2 ? recv : own, own, received, counts[summed])
            step += 1
            guard step < p - 1 else { return false }
            postRingStep(step, send: send, received: received, counts: counts, tag: mpiTag, into: pending)
            return true
        }
        #endif
        return pending
    }

    #if NANOCHAT_MPI
    /// Round `s` of a ring reduce-scatter (p − 1 rounds): send one part, as received and summed so far, to the
    /// next rank and receive the part the previous one sends; adding it is the next stage's first work, and
    /// after the last round this rank holds the full sum of its own part. Open MPI 4.1's own
    /// MPI_Reduce_scatter (each of its tuned algorithms) and libnbc's MPI_Ireduce_scatter (a reduce to rank 0,
    /// then a scatter) took 115–215 ms for the 134 MB of a d4's gradients on 2 ranks of one host, where one
    /// exchange and one add take ~23 ms (dev/LOG.md, 2026-12-02). Each element is the same sum: with 2 ranks
    /// one commutative add, bit-identical to MPI_SUM; with more, the ring's order.
    private func postRingStep(_ s: Int, send: UnsafeMutablePointer<Float>, received: UnsafeMutablePointer<Float>,
                              counts: [Int], tag: Int32, into pending: PendingCollective) {
        let p = worldSize, next = (rank + 1) % p, prev = (rank + p - 1) % p
        let displs = CountSplit.displacements(counts)
        let sent = ((rank - s - 1) % p + p) % p, summed = ((rank - s - 2) % p + p) % p
        for r in CountSplit.pieces(counts[summed], limit: maxCount) {
            var req: MPI_Request? = cmpi_request_null()
            MPI_Irecv(received + r.lowerBound, Int32(r.count), cmpi_float(), Int32(prev), tag, cmpi_comm_world(), &req)
            pending.requests.append(req)
        }
        for r in CountSplit.pieces(counts[sent], limit: maxCount) {
            var req: MPI_Request? = cmpi_request_null()
            MPI_Isend(send + displs[sent] + r.lowerBound, Int32(r.count), cmpi_float(), Int32(next), tag, cmpi_comm_world(), &req)
            pending.requests.append(req)
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
/// The receive buffers of ring reduce-scatters, one per tag, kept between steps (a fresh 67 MB buffer costs
/// its page faults every step). Collectives run on one thread of a rank.
private enum RingScratch {
    static let tag: Int32 = 7301
    nonisolated(unsafe) static var buffers: [Int32: (storage: UnsafeMutablePointer<Float>, capacity: Int)] = [:]

    static func buffer(tag: Int32, count: Int) -> UnsafeMutablePointer<Float> {
        if let b = buffers[tag], b.capacity >= count { return b.storage }
        buffers[tag]?.storage.deallocate()
        let capacity = max(1, count)
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        buffers[tag] = (storage, capacity)
        return storage
    }
}
#endif
