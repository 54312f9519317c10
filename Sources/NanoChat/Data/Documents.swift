import Foundation

/// Where documents come from: a data directory of shards (.parquet, .jsonl, .txt; sorted by name; the
/// last is the val split, the others train, nanochat/dataset.py) or a single file (its last 1% of documents is val).
/// Row-group-level access (`splitFileCount`, `rowGroups`, `readRowGroup`) serves the rank-sharded
/// document stream of the loader (nanochat/dataloader.py: _document_batches); `forEachDocument` is the simple
/// sequential view. Thread-safe: the loader reads from a background thread.
public final class DocumentSource: @unchecked Sendable {
    public let path: String
    public let files: [String]
    public let isSingleFile: Bool

    private let lock = NSLock()
    private var openShards: [(index: Int, shard: Shard)] = []     // small LRU (text shards hold all their docs)
    private var layouts: [String: [SplitRowGroup]] = [:]          // "split/pq" → row groups
    private var warned: Set<Int> = []
    private var _invalidUTF8Docs = 0

    /// Documents read so far that were not valid UTF-8 (decoded with U+FFFD replacement).
    public var invalidUTF8Docs: Int { lock.lock(); defer { lock.unlock() }; return _invalidUTF8Docs }

    public init(path: String) throws {
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw NanoChatError(file: path, "no such data file or directory")
        }
        if isDir.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { !$0.hasPrefix(".") && Self.isShardName($0) }.sorted().map { Paths.join(path, $0) }
            guard !files.isEmpty else {
                throw NanoChatError(file: path, "no data shards (.parquet, .jsonl, .txt) in directory (run `dataset -n 8` to download some)")
            }
            isSingleFile = false
        } else {
            files = [path]; isSingleFile = true
        }
    }

    public static func isShardName(_ name: String) -> Bool {
        name.hasSuffix(".parquet") || name.hasSuffix(".jsonl") || name.hasSuffix(".txt")
    }

    // MARK: - Splits and row groups

    private func checkSplit(_ split: String) throws {
        guard split == "train" || split == "val" else { throw NanoChatError("unknown split '\(split)' (use train or val)") }
    }

    /// Number of files in the split (`pq_idx` ranges over these).
    public func splitFileCount(_ split: String) throws -> Int {
        try checkSplit(split)
        if isSingleFile || split == "val" { return 1 }
        guard files.count >= 2 else {
            throw NanoChatError(file: path, "only one shard: it is the val split, so there is nothing to train on (need at least 2 shards)")
        }
        return files.count - 1
    }

    private func fileIndex(_ split: String, _ pq: Int) -> Int {
        if isSingleFile { return 0 }
        return split == "val" ? files.count - 1 : pq
    }

    /// The row groups of split file `pq` (for a single file: its row groups cut at the train/val boundary).
    func rowGroups(_ split: String, _ pq: Int) throws -> [SplitRowGroup] {
        let key = "\(split)/\(pq)"
        lock.lock()
        if let l = layouts[key] { lock.unlock(); return l }
        lock.unlock()
        let shard = try self.shard(fileIndex(split, pq))
        var out: [SplitRowGroup] = []
        var lo = 0
        let total = shard.numDocs
        let nVal = isSingleFile ? (total >= 2 ? max(1, total / 100) : 0) : 0
        let keep = !isSingleFile ? 0..<total : (split == "val" ? (total - nVal)..<total : 0..<(total - nVal))
        for (i, n) in shard.rowGroupSizes.enumerated() {
            let a = max(lo, keep.lowerBound), b = min(lo + n, keep.upperBound)
            if a < b { out.append(SplitRowGroup(physical: i, docs: (a - lo)..<(b - lo))) }
            lo += n
        }
        lock.lock(); layouts[key] = out; lock.unlock()
        return out
    }

    /// Documents of row group `rg` of split file `pq`.
    public func readRowGroup(_ split: String, _ pq: Int, _ rg: Int) throws -> [String] {
        let groups = try rowGroups(split, pq)
        guard rg >= 0, rg < groups.count else {
            throw NanoChatError(file: files[fileIndex(split, pq)], "row group \(rg) out of range for the \(split) split")
        }
        let g = groups[rg]
        let fi = fileIndex(split, pq)
        let shard = try self.shard(fi)
        let (texts, bad) = try shard.read(rowGroup: g.physical)
        if bad > 0 { noteInvalid(fi, bad) }
        return g.docs == 0..<texts.count ? texts : Array(texts[g.docs])
    }

    public func rowGroupCount(_ split: String, _ pq: Int) throws -> Int { try rowGroups(split, pq).count }

    private func noteInvalid(_ fi: Int, _ n: Int) {
        lock.lock()
        _invalidUTF8Docs += n
        let first = warned.insert(fi).inserted
        lock.unlock()
        if first { print0("warning: \(files[fi]): documents with invalid UTF-8, decoded with U+FFFD replacement") }
    }

    private func shard(_ fi: Int) throws -> Shard {
        lock.lock()
        if let k = openShards.firstIndex(where: { $0.index == fi }) {
            let s = openShards.remove(at: k); openShards.append(s)
            lock.unlock(); return s.shard
        }
        lock.unlock()
        let s = try Shard(path: files[fi])
        if s.invalidAtOpen > 0 { noteInvalid(fi, s.invalidAtOpen) }
        lock.lock()
        openShards.append((fi, s))
        if openShards.count > 2 { openShards.removeFirst() }
        lock.unlock()
        return s
    }

    // MARK: - Sequential views

    /// Calls body with every document of the split in order; body returns false to stop early.
    public func forEachDocument(split: String, _ body: (String) throws -> Bool) throws {
        for pq in 0..<(try splitFileCount(split)) {
            for rg in 0..<(try rowGroupCount(split, pq)) {
                for d in try readRowGroup(split, pq, rg) { if try !body(d) { return } }
            }
        }
    }

    /// Every document of one file (any supported format).
    public static func readAll(_ file: String) throws -> [String] {
        let s = try Shard(path: file)
        var out: [String] = []
        for i in 0..<s.rowGroupSizes.count { out += try s.read(rowGroup: i).texts }
        return out
    }
}
