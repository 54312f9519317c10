import Foundation

/// One shard file opened for row-group access. Parquet shards use their own row groups; text shards
/// (.jsonl/.txt) are parsed once and cut into chunks of `textChunk` documents that play the same role.
final class Shard {
    static let textChunk = 1024
    let path: String
    let rowGroupSizes: [Int]
    private let parquet: ParquetFile?
    private let docs: [String]
    private let textInvalid: Int

    init(path: String) throws {
        self.path = path
        if path.hasSuffix(".parquet") {
            let pf = try ParquetFile(path: path)
            parquet = pf; docs = []; textInvalid = 0
            rowGroupSizes = (0..<pf.numRowGroups).map { pf.rowGroupRows($0) }
        } else {
            let (d, bad) = try TextShard.read(path)
            parquet = nil; docs = d; textInvalid = bad
            rowGroupSizes = stride(from: 0, to: d.count, by: Self.textChunk).map { min(Self.textChunk, d.count - $0) }
        }
    }

    var numDocs: Int { rowGroupSizes.reduce(0, +) }
    /// Documents of a text shard that had invalid UTF-8 (parquet counts per row group read).
    var invalidAtOpen: Int { textInvalid }

    func read(rowGroup i: Int) throws -> (texts: [String], invalidUTF8: Int) {
        if let pf = parquet { return try pf.readTexts(rowGroup: i) }
        guard i >= 0, i < rowGroupSizes.count else { throw NanoChatError(file: path, "document chunk \(i) out of range") }
        let lo = i * Self.textChunk
        return (Array(docs[lo..<(lo + rowGroupSizes[i])]), 0)
    }
}

/// A row group as seen by a split: the physical row group of a file and the range of its documents
/// that belong to the split (all of them, except for the single-file train/val cut).
struct SplitRowGroup: Equatable {
    let physical: Int
    let docs: Range<Int>
    var count: Int { docs.count }
}
