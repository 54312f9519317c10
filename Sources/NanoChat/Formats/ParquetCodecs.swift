import Foundation
import CZstd   // the only importer of CZstd

/// Page decompression: ZSTD (libzstd), SNAPPY (our own decoder below) and UNCOMPRESSED.
enum ParquetCodecs {
    /// Decompresses `src` into exactly `size` bytes or throws.
    static func decompress(codec: Int, _ src: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        switch ParquetCodec(rawValue: codec) {
        case .uncompressed?:
            guard src.count == size else { throw ThriftError(message: "uncompressed page size mismatch") }
            return Array(src)
        case .zstd?:
            var out = [UInt8](repeating: 0, count: size)
            let r = out.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, size, src.baseAddress, src.count)
            }
            if ZSTD_isError(r) != 0 {
                throw ThriftError(message: "zstd: \(String(cString: ZSTD_getErrorName(r)))")
            }
            guard r == size else { throw ThriftError(message: "zstd page decompressed to \(r) bytes, header says \(size)") }
            return out
        case .snappy?:
            return try Snappy.decompress(src, expected: size)
        case let c?:
            throw ThriftError(message: "unsupported compression codec \(c) (supported: zstd, snappy, uncompressed)")
        case nil:
            throw ThriftError(message: "unknown compression codec \(codec)")
        }
    }
}

/// Raw (unframed) snappy block decoder: a varint length, then literals and back-references.
enum Snappy {
    static func decompress(_ src: UnsafeRawBufferPointer, expected: Int) throws -> [UInt8] {
        func bad(_ m: String) -> ThriftError { ThriftError(message: "snappy: \(m)") }
        var pos = 0
        var n: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard pos < src.count, shift < 35 else { throw bad("bad length header") }
            let b = src[pos]; pos += 1
            n |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard n == UInt64(expected) else { throw bad("block length \(n) does not match page size \(expected)") }
        var out = [UInt8](repeating: 0, count: expected)
        var o = 0
        try out.withUnsafeMutableBufferPointer { dst in
            while pos < src.count {
                let tag = src[pos]; pos += 1
                if tag & 3 == 0 {                     // literal
                    var len = Int(tag >> 2)
                    if len >= 60 {
                        let extra = len - 59
                        guard pos + extra <= src.count else { throw bad("truncated literal length") }
                        len = 0
                        for i in 0..<extra { len |= Int(src[pos + i]) << (8 * i) }
                        pos += extra
                    }
                    len += 1
                    guard pos + len <= src.count, o + len <= expected else { throw bad("literal overruns") }
                    memcpy(dst.baseAddress! + o, src.baseAddress! + pos, len)
                    pos += len; o += len
                } else {                              // copy from earlier output
                    var len: Int, off: Int
                    switch tag & 3 {
                    case 1:
                        guard pos < src.count else { throw bad("truncated copy") }
                        len = 4 + Int((tag >> 2) & 7); off = (Int(tag >> 5) << 8) | Int(src[pos]); pos += 1
                    case 2:
                        guard pos + 2 <= src.count else { throw bad("truncated copy") }
                        len = 1 + Int(tag >> 2); off = Int(src[pos]) | Int(src[pos + 1]) << 8; pos += 2
                    default:
                        guard pos + 4 <= src.count else { throw bad("truncated copy") }
                        len = 1 + Int(tag >> 2)
                        off = Int(src[pos]) | Int(src[pos + 1]) << 8 | Int(src[pos + 2]) << 16 | Int(src[pos + 3]) << 24
                        pos += 4
                    }
                    guard off > 0, off <= o, o + len <= expected else { throw bad("bad copy offset") }
                    if off >= len {
                        memcpy(dst.baseAddress! + o, dst.baseAddress! + o - off, len)
                    } else {
                        for i in 0..<len { dst[o + i] = dst[o - off + i] }   // overlapping: byte by byte
                    }
                    o += len
                }
            }
        }
        guard o == expected else { throw bad("decoded \(o) bytes, expected \(expected)") }
        return out
    }
}

/// Whole `.zst` files (any number of frames, content size recorded or not), for the bundled corpus.
/// Lives here because this file is the only importer of CZstd.
public enum ZstdFile {
    /// Decompressed bytes of a zstd file, or a one-line error naming it; output is capped at `maxBytes`.
    public static func decompress(_ path: String, maxBytes: Int = 1 << 30) throws -> Data {
        guard let src = FileManager.default.contents(atPath: path) else { throw NanoChatError(file: path, "cannot read file") }
        guard let ctx = ZSTD_createDCtx() else { throw NanoChatError(file: path, "zstd: cannot allocate a decompression context") }
        defer { ZSTD_freeDCtx(ctx) }
        var out = Data()
        let chunk = ZSTD_DStreamOutSize()
        var buf = [UInt8](repeating: 0, count: chunk)
        var last: Int = 1 // an empty file is not a zstd file
        // zstd's streaming_decompression.c loop: zstd does not consume a frame's last byte before it has
        // flushed all of that frame's output, so "input used up" is the end
        try src.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while input.pos < input.size {
                let produced: Int = try buf.withUnsafeMutableBytes { dst in
                    var output = ZSTD_outBuffer(dst: dst.baseAddress, size: chunk, pos: 0)
                    let r = ZSTD_decompressStream(ctx, &output, &input)
                    if ZSTD_isError(r) != 0 { throw NanoChatError(file: path, "zstd: \(String(cString: ZSTD_getErrorName(r)))") }
                    last = r
                    return output.pos
                }
                out.append(contentsOf: buf[0..<produced])
                if out.count > maxBytes { throw NanoChatError(file: path, "decompresses to more than \(maxBytes) bytes") }
            }
        }
        // a non-zero hint at the end means the last frame was cut off
        if last != 0 { throw NanoChatError(file: path, "zstd: truncated file") }
        return out
    }
}
