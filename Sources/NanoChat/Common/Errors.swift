import Foundation

/// Every user-facing failure is one of these: a single line naming the file (if any) and the problem.
public struct NanoChatError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    /// `file: problem` — the shape every file-related error takes.
    public init(file: String, _ problem: String) { self.message = "\(file): \(problem)" }
    public var description: String { message }
}

/// Executables wrap their body in this. Success ends the process (MPI_Finalize under mpirun); an error
/// becomes one line on stderr and exit 1, and under mpirun MPI_Abort, so one failing rank ends the whole
/// job instead of leaving the others waiting in a collective. Tools never finalize MPI themselves.
public func runMain(_ body: () throws -> Void) -> Never {
    do {
        try body()
        Distributed.finishProcess()
        exit(0)
    } catch let e as NanoChatError {
        Distributed.failProcess(e.message)
    } catch {
        Distributed.failProcess("\(error)")
    }
}
