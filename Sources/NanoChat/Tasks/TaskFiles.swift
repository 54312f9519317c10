import Foundation

/// A JSONL file held as bytes with the range and line number of every non-blank line; a line is parsed
/// when asked for, so a 400 MB chat file costs its size once, not a tree of Foundation objects per row.
public struct JSONLFile {
    public let path: String
    let data: Data
    let ranges: [Range<Int>]
    /// 1-based line number of each record
    public let lineNumbers: [Int]
    public var count: Int { ranges.count }

    public init(path: String) throws {
        self.path = path
        guard let d = FileManager.default.contents(atPath: path) else {
            throw NanoChatError(file: path, Paths.exists(path) ? "cannot read file" : "no such file")
        }
        data = d
        var ranges: [Range<Int>] = [], lines: [Int] = []
        d.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var start = 0, line = 1
            func flush(_ end: Int) {
                var s = start, e = end
                while s < e && (b[s] == 32 || b[s] == 9 || b[s] == 13) { s += 1 }
                while e > s && (b[e - 1] == 32 || b[e - 1] == 9 || b[e - 1] == 13) { e -= 1 }
                if e > s { ranges.append(s..<e); lines.append(line) }
            }
            for i in 0..<b.count where b[i] == 10 {
                flush(i); start = i + 1; line += 1
            }
            flush(b.count)
        }
        self.ranges = ranges
        self.lineNumbers = lines
    }

    /// "path:line" of record i.
    public func source(_ i: Int) -> String { "\(path):\(lineNumbers[i])" }

    /// The parsed JSON value of record i; a malformed line is an error naming file and line.
    public func value(_ i: Int) throws -> Any {
        let r = ranges[i]
        do {
            return try JSONSerialization.jsonObject(with: data.subdata(in: r), options: [.fragmentsAllowed])
        } catch {
            throw NanoChatError("\(source(i)): malformed JSON line")
        }
    }

    /// Record i as a JSON object.
    public func object(_ i: Int) throws -> [String: Any] {
        guard let o = try value(i) as? [String: Any] else { throw NanoChatError("\(source(i)): expected a JSON object") }
        return o
    }
}
