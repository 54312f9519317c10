// Files in Distributed/ are the only ones that import the MPI C module. Without mpirun (or without
// Open MPI at build time) everything degrades to one process: rank 0 of 1, collectives are no-ops.
#if NANOCHAT_MPI
import CMPI
#endif
import Foundation

/// This process's place in the job (rank, world, ranks on this host) and the collectives between ranks
/// (Collectives.swift). One instance per process, made by `setup()` at program start and passed down
/// explicitly; `single` is the one-process value tests and single-process code paths use.
public final class Distributed: @unchecked Sendable {
    public let rank: Int
    public let worldSize: Int
    public let localRank: Int
    public let localSize: Int
    public let usesMPI: Bool
    /// Largest element count handed to one MPI call (MPI counts are Int32); bigger buffers are split.
    /// `NANOCHAT_MPI_MAX_COUNT` lowers it so runs/mpi_check.sh exercises the split paths.
    public let maxCount: Int

    /// One process, no MPI: rank 0 of 1.
    public static let single = Distributed(rank: 0, worldSize: 1)

    /// Call once at program start (a second call returns the same ranks). Initializes MPI only when
    /// launched by mpirun, which avoids the singleton runtime's fork and start-up cost otherwise.
    /// The process then ends through `runMain`: MPI_Finalize on success, MPI_Abort on an error.
    public static func setup() -> Distributed {
        let env = ProcessInfo.processInfo.environment
        #if NANOCHAT_MPI
        if launchedByMPI(env) {
            var initialized: Int32 = 0
            MPI_Initialized(&initialized)
            if initialized == 0 {
                var provided: Int32 = 0
                MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
            }
            var r: Int32 = 0, s: Int32 = 0
            MPI_Comm_rank(cmpi_comm_world(), &r); MPI_Comm_size(cmpi_comm_world(), &s)
            let limit = Int(env["NANOCHAT_MPI_MAX_COUNT"] ?? "").map { max(1, min($0, Int(Int32.max))) } ?? Int(Int32.max)
            return Distributed(rank: Int(r), worldSize: Int(s), usesMPI: true, maxCount: limit,
                               localRank: Int(env["OMPI_COMM_WORLD_LOCAL_RANK"] ?? "") ?? 0,
                               localSize: Int(env["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1)
        }
        #endif
        return single
    }

    private init(rank: Int, worldSize: Int, usesMPI: Bool = false, maxCount: Int = Int(Int32.max),
                 localRank: Int = 0, localSize: Int = 1) {
        self.rank = rank; self.worldSize = worldSize; self.usesMPI = usesMPI; self.maxCount = maxCount
        self.localRank = localRank; self.localSize = localSize
    }

    public var isMaster: Bool { rank == 0 }
    /// Collectives only run when there is someone to talk to.
    var communicates: Bool { usesMPI && worldSize > 1 }
    /// Some ranks run on other hosts (mpirun's local size is below the world size): communication goes over
    /// a network and can overlap with computation.
    public var spansHosts: Bool { localSize < worldSize }

    static func launchedByMPI(_ env: [String: String]) -> Bool {
        env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil || env["PMI_RANK"] != nil
    }

    /// (rank, world size) as the launcher announced them in the environment, known before MPI_Init and
    /// without any shared state: (0, 1) outside mpirun.
    public static let launchRank: (rank: Int, worldSize: Int) = {
        let env = ProcessInfo.processInfo.environment
        let rank = Int(env["OMPI_COMM_WORLD_RANK"] ?? env["PMIX_RANK"] ?? env["PMI_RANK"] ?? "") ?? 0
        let size = Int(env["OMPI_COMM_WORLD_SIZE"] ?? env["PMI_SIZE"] ?? "") ?? 1
        return (rank, size)
    }()

    /// Successful end of the program: MPI_Finalize when MPI is up (all ranks must get here).
    static func finishProcess() {
        #if NANOCHAT_MPI
        if mpiIsRunning { MPI_Finalize() }
        #endif
    }

    /// An error on this rank ends the whole job: the message is printed once (ranks other than 0 wait a
    /// moment first, so when every rank fails the same way only rank 0's line appears before the job is
    /// torn down), then MPI_Abort stops every rank, including those blocked in a collective with this one.
    static func failProcess(_ message: String) -> Never {
        let (rank, world) = launchRank
        if world > 1 && rank > 0 { usleep(1_000_000) }
        let who = world > 1 ? " (rank \(rank) of \(world))" : ""
        fflush(stdout)
        FileHandle.standardError.write(Data("error\(who): \(message)\n".utf8))
        #if NANOCHAT_MPI
        if mpiIsRunning { MPI_Abort(cmpi_comm_world(), 1) }
        #endif
        exit(1)
    }

    #if NANOCHAT_MPI
    private static var mpiIsRunning: Bool {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized); MPI_Finalized(&finalized)
        return initialized != 0 && finalized == 0
    }
    #endif
}
