import Foundation

/// Where documents come from: a data directory of shards (sorted by name; the last is the val split,
/// §4.1) or a single file (its last 1% of documents is the val split).
/// Skeleton version: .txt and .jsonl only; the data issue adds parquet and the rest.
public final class DocumentSource {
    public let path: String
    public let files: [String]
    public let isSingleFile: Bool

    public init(path: String) throws {
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw NanoChatError(file: path, "no such data file or directory")
        }
        if isDir.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { ($0.hasSuffix(".parquet") || $0.hasSuffix(".jsonl") || $0.hasSuffix(".txt")) }
                .sorted().map { Paths.join(path, $0) }
            guard !files.isEmpty else { throw NanoChatError(file: path, "no data shards (.parquet, .jsonl, .txt) in directory") }
            isSingleFile = false
        } else {
            files = [path]; isSingleFile = true
        }
    }

    /// Calls body with every document of the split in order; body returns false to stop early.
    public func forEachDocument(split: String, _ body: (String) throws -> Bool) throws {
        if isSingleFile {
            let docs = try Self.readAll(files[0])
            let nVal = docs.count >= 2 ? max(1, docs.count / 100) : 0
            let range = split == "val" ? (docs.count - nVal)..<docs.count : 0..<(docs.count - nVal)
            for i in range { if try !body(docs[i]) { return } }
            return
        }
        let chosen = split == "val" ? [files.last!] : Array(files.dropLast())
        for f in chosen { for d in try Self.readAll(f) { if try !body(d) { return } } }
    }

    /// Every document of one file.
    public static func readAll(_ file: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: file) else { throw NanoChatError(file: file, "cannot read file") }
        let text = String(decoding: data, as: UTF8.self)
        if file.hasSuffix(".jsonl") {
            var docs: [String] = []
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let t = obj["text"] as? String else {
                    throw NanoChatError(file: file, "line \(i + 1): not a JSON object with a \"text\" string")
                }
                docs.append(t)
            }
            return docs
        }
        if text.contains("<|endoftext|>") {
            return text.components(separatedBy: "<|endoftext|>").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        }
        return text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }
}
