import Foundation

/// A zip archive reader of our own (PKWARE APPNOTE 4.3): the central directory, then each member's local
/// header and data, stored (method 0) or DEFLATE (method 8, Gunzip.swift's Inflater), CRC-32 checked.
/// Enough for nanochat's eval_bundle.zip (Python's zipfile writes it); zip64, encryption and other methods are
/// one-line errors naming the file. Member names that would escape the target directory are refused.
public struct ZipArchive {
    public struct Entry: Equatable {
        public let name: String
        let method: Int
        let crc: UInt32
        let compressedSize: Int
        public let size: Int
        let localHeaderOffset: Int
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    public let path: String
    public let entries: [Entry]
    private let bytes: [UInt8]

    public init(path: String) throws {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw NanoChatError(file: path, Paths.exists(path) ? "cannot read file" : "no such file")
        }
        try self.init(bytes: [UInt8](d), path: path)
    }

    init(bytes: [UInt8], path: String) throws {
        self.path = path; self.bytes = bytes
        func fail(_ why: String) -> NanoChatError { NanoChatError(file: path, "not a valid zip file: \(why)") }
        // end of central directory: 22 bytes + a comment of up to 65535, searched from the end
        var eocd = -1
        var i = bytes.count - 22
        while i >= max(0, bytes.count - 22 - 65535) {
            if Self.u32(bytes, i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record (truncated?)") }
        let count = Int(Self.u16(bytes, eocd + 10)), cdSize = Int(Self.u32(bytes, eocd + 12)), cdOffset = Int(Self.u32(bytes, eocd + 16))
        guard count != 0xFFFF, cdOffset != 0xFFFF_FFFF else { throw fail("zip64 archives are not supported") }
        guard cdOffset + cdSize <= eocd else { throw fail("central directory outside the file") }
        var entries: [Entry] = []
        var p = cdOffset
        for _ in 0..<count {
            guard p + 46 <= eocd, Self.u32(bytes, p) == 0x0201_4b50 else { throw fail("bad central directory entry at offset \(p)") }
            let flags = Int(Self.u16(bytes, p + 8)), method = Int(Self.u16(bytes, p + 10))
            let crc = Self.u32(bytes, p + 16)
            let csize = Int(Self.u32(bytes, p + 20)), usize = Int(Self.u32(bytes, p + 24))
            let nameLen = Int(Self.u16(bytes, p + 28)), extraLen = Int(Self.u16(bytes, p + 30)), commentLen = Int(Self.u16(bytes, p + 32))
            let local = Int(Self.u32(bytes, p + 42))
            guard p + 46 + nameLen <= eocd else { throw fail("entry name runs past the central directory") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            guard flags & 1 == 0 else { throw fail("\(name) is encrypted") }
            guard csize != 0xFFFF_FFFF, usize != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { throw fail("\(name) needs zip64") }
            guard method == 0 || method == 8 else { throw fail("\(name) uses compression method \(method) (supported: stored, deflate)") }
            entries.append(Entry(name: name, method: method, crc: crc, compressedSize: csize, size: usize, localHeaderOffset: local))
            p += 46 + nameLen + extraLen + commentLen
        }
        self.entries = entries
    }

    /// The uncompressed bytes of `entry`, CRC-checked.
    public func data(_ entry: Entry) throws -> [UInt8] {
        func fail(_ why: String) -> NanoChatError { NanoChatError(file: path, "corrupt zip member \(entry.name): \(why)") }
        let h = entry.localHeaderOffset
        guard h + 30 <= bytes.count, Self.u32(bytes, h) == 0x0403_4b50 else { throw fail("bad local header") }
        let start = h + 30 + Int(Self.u16(bytes, h + 26)) + Int(Self.u16(bytes, h + 28))
        guard start + entry.compressedSize <= bytes.count else { throw fail("data runs past the end of the file") }
        var out: [UInt8]
        if entry.method == 0 {
            guard entry.compressedSize == entry.size else { throw fail("stored sizes differ") }
            out = Array(bytes[start..<(start + entry.size)])
        } else {
            out = []
            out.reserveCapacity(min(entry.size, 1 << 28))
            var inflater = Inflater(bytes, from: start, file: "\(path) (\(entry.name))")
            try inflater.inflate(into: &out)
            guard inflater.bytePosition <= start + entry.compressedSize + 1 else { throw fail("deflate data overruns the member") }
        }
        guard out.count == entry.size else { throw fail("\(out.count) bytes, header says \(entry.size)") }
        guard CRC32.checksum(out[...]) == entry.crc else { throw fail("CRC-32 mismatch") }
        return out
    }

    /// Writes every member under `dir` (created); refuses absolute names and `..` components.
    public func extract(to dir: String) throws {
        try Paths.ensureDir(dir)
        for e in entries {
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: false)
            guard !e.name.hasPrefix("/"), !e.name.contains("\\"), !parts.contains("..") else {
                throw NanoChatError(file: path, "zip member '\(e.name)' would be written outside \(dir)")
            }
            let target = Paths.join(dir, e.name)
            if e.isDirectory { try Paths.ensureDir(target); continue }
            try Paths.ensureDir((target as NSString).deletingLastPathComponent)
            let d = try data(e)
            guard FileManager.default.createFile(atPath: target, contents: Data(d)) else {
                throw NanoChatError(file: target, "cannot write file")
            }
        }
    }

    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        guard i >= 0, i + 4 <= b.count else { return 0 }
        return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
