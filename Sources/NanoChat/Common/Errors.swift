import Foundation

/// Every user-facing failure is one of these: a single line naming the file (if any) and the problem.
public struct NanoChatError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    /// `file: problem` — the shape every file-related error takes.
    public init(file: String, _ problem: String) { self.message = "\(file): \(problem)" }
    public var description: String { message }
}

/// Executables wrap their body in this: a NanoChatError (or any error) becomes one line on stderr and exit 1.
public func runMain(_ body: () throws -> Void) -> Never {
    do {
        try body()
        exit(0)
    } catch let e as NanoChatError {
        FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
        exit(1)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
