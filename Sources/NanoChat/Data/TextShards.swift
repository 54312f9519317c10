import Foundation

/// Documents of the two text shard formats:
/// - `.jsonl`: one JSON object per line with a string field `text` (blank lines skipped);
/// - `.txt`: documents separated by `<|endoftext|>` when the file contains that marker, otherwise one
///   document per blank-line-separated block.
/// Bytes that are not valid UTF-8 are decoded with U+FFFD replacement and counted, never fatal.
enum TextShard {
    static let separator = "<|endoftext|>"

    static func read(_ file: String) throws -> (docs: [String], invalidUTF8: Int) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw NanoChatError(file: file, "cannot read file")
        }
        return file.hasSuffix(".jsonl") ? try jsonl(data, file: file) : txt(data)
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, Bool) {
        if let s = String(validating: bytes, as: UTF8.self) { return (s, true) }
        return (String(decoding: bytes, as: UTF8.self), false)
    }

    static func jsonl(_ data: Data, file: String) throws -> (docs: [String], invalidUTF8: Int) {
        var docs: [String] = []
        var invalid = 0
        try data.withUnsafeBytes { raw in
            let all = raw.bindMemory(to: UInt8.self)
            var lineNo = 0, start = 0
            while start < all.count {
                lineNo += 1
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                var lo = start, hi = end
                while lo < hi && (all[lo] == 0x20 || all[lo] == 0x09 || all[lo] == 0x0D) { lo += 1 }
                while hi > lo && (all[hi - 1] == 0x20 || all[hi - 1] == 0x09 || all[hi - 1] == 0x0D) { hi -= 1 }
                start = end + 1
                if lo == hi { continue }
                let (line, ok) = decode(UnsafeBufferPointer(rebasing: all[lo..<hi]))
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
                    throw NanoChatError(file: file, "line \(lineNo): not valid JSON")
                }
                guard let dict = obj as? [String: Any], let text = dict["text"] as? String else {
                    throw NanoChatError(file: file, "line \(lineNo): no \"text\" string field")
                }
                if !ok { invalid += 1 }
                docs.append(text)
            }
        }
        return (docs, invalid)
    }

    static func txt(_ data: Data) -> (docs: [String], invalidUTF8: Int) {
        var (text, ok) = data.withUnsafeBytes { decode($0.bindMemory(to: UInt8.self)) }
        if text.contains("\r\n") { text = text.replacingOccurrences(of: "\r\n", with: "\n") }
        var docs: [String]
        if text.contains(separator) {
            docs = text.components(separatedBy: separator).map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        } else {
            docs = []
            var block: [Substring] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.allSatisfy({ $0.isWhitespace }) {
                    if !block.isEmpty { docs.append(block.joined(separator: "\n")); block = [] }
                } else {
                    block.append(line)
                }
            }
            if !block.isEmpty { docs.append(block.joined(separator: "\n")) }
        }
        // The replacement happened on the whole file: count the documents that carry a U+FFFD.
        let invalid = ok ? 0 : docs.reduce(0) { $0 + ($1.contains("\u{FFFD}") ? 1 : 0) }
        return (docs, invalid)
    }
}
