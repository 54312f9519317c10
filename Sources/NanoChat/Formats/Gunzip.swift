/// gzip (RFC 1952) over our own DEFLATE decoder (RFC 1951, canonical Huffman decoded bit by bit as zlib's
/// `puff` does): HumanEval ships as `HumanEval.jsonl.gz`, Foundation on Linux cannot inflate, and the
/// package takes no dependencies. Every read is bounds-checked; a damaged file is one error naming it.
public enum Gunzip {
    /// Output larger than this is refused (a hostile file cannot exhaust memory).
    public static let maxOutput = 1 << 30

    /// The concatenated members of a gzip file, CRC-32 and length checked.
    public static func decompress(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var pos = 0
        repeat {
            func fail(_ why: String) -> NanoChatError { NanoChatError(file: file, "not a valid gzip file: \(why)") }
            guard pos + 10 <= bytes.count, bytes[pos] == 0x1f, bytes[pos + 1] == 0x8b else { throw fail("bad magic bytes") }
            guard bytes[pos + 2] == 8 else { throw fail("compression method \(bytes[pos + 2]) is not deflate") }
            let flags = bytes[pos + 3]
            var p = pos + 10
            if flags & 4 != 0 {   // FEXTRA
                guard p + 2 <= bytes.count else { throw fail("truncated header") }
                p += 2 + (Int(bytes[p]) | (Int(bytes[p + 1]) << 8))
            }
            for bit: UInt8 in [8, 16] where flags & bit != 0 {   // FNAME, FCOMMENT: zero-terminated
                while p < bytes.count && bytes[p] != 0 { p += 1 }
                p += 1
            }
            if flags & 2 != 0 { p += 2 }   // FHCRC
            guard p <= bytes.count else { throw fail("truncated header") }
            let start = out.count
            var inflater = Inflater(bytes, from: p, file: file)
            try inflater.inflate(into: &out)
            p = inflater.bytePosition
            guard p + 8 <= bytes.count else { throw fail("truncated trailer") }
            let crc = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
            let size = UInt32(bytes[p + 4]) | UInt32(bytes[p + 5]) << 8 | UInt32(bytes[p + 6]) << 16 | UInt32(bytes[p + 7]) << 24
            guard size == UInt32(truncatingIfNeeded: out.count - start) else { throw fail("length mismatch") }
            guard crc == CRC32.checksum(out[start...]) else { throw fail("CRC-32 mismatch") }
            pos = p + 8
        } while pos < bytes.count && bytes[pos] == 0x1f
        return out
    }
}

/// A DEFLATE stream decoder.
struct Inflater {
    private let src: [UInt8]
    private let file: String
    private var pos: Int
    private var bitBuf = 0, bitCount = 0

    init(_ src: [UInt8], from: Int, file: String) { self.src = src; self.pos = from; self.file = file }

    /// The byte after the stream (the partial last byte is dropped, as the trailer starts byte-aligned).
    var bytePosition: Int { pos }

    private func fail(_ why: String) -> NanoChatError { NanoChatError(file: file, "corrupt deflate data: \(why)") }

    private mutating func bits(_ n: Int) throws -> Int {
        var v = bitBuf
        while bitCount < n {
            guard pos < src.count else { throw fail("unexpected end of data") }
            v |= Int(src[pos]) << bitCount
            pos += 1; bitCount += 8
        }
        bitBuf = v >> n; bitCount -= n
        return v & ((1 << n) - 1)
    }

    /// A canonical Huffman code: how many codes of each length 0...15 and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]
        init(lengths: [Int]) throws {
            symbols = [Int](repeating: 0, count: lengths.count)
            for l in lengths { counts[l] += 1 }
            var left = 1
            for len in 1...15 {   // over-subscribed codes are invalid (incomplete ones are allowed)
                left <<= 1; left -= counts[len]
                if left < 0 { throw NanoChatError("over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
            for (sym, l) in lengths.enumerated() where l != 0 { symbols[offsets[l]] = sym; offsets[l] += 1 }
        }
    }

    private mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1...15 {
            code |= try bits(1)
            let count = h.counts[len]
            if code - count < first { return h.symbols[index + (code - first)] }
            index += count; first += count
            first <<= 1; code <<= 1
        }
        throw fail("invalid Huffman code")
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
                                   3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    mutating func inflate(into out: inout [UInt8]) throws {
        var last = 0
        repeat {
            last = try bits(1)
            switch try bits(2) {
            case 0: try stored(&out)
            case 1:
                let lit = try Huffman(lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
                                      + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8))
                try codes(&out, lit, try Huffman(lengths: [Int](repeating: 5, count: 30)))
            case 2:
                let (lit, dist) = try dynamicTables()
                try codes(&out, lit, dist)
            default: throw fail("reserved block type")
            }
        } while last == 0
        bitBuf = 0; bitCount = 0
    }

    private mutating func stored(_ out: inout [UInt8]) throws {
        bitBuf = 0; bitCount = 0
        guard pos + 4 <= src.count else { throw fail("truncated stored block") }
        let len = Int(src[pos]) | Int(src[pos + 1]) << 8, nlen = Int(src[pos + 2]) | Int(src[pos + 3]) << 8
        guard len == (~nlen & 0xffff) else { throw fail("stored block length check") }
        pos += 4
        guard pos + len <= src.count else { throw fail("truncated stored block") }
        guard out.count + len <= Gunzip.maxOutput else { throw fail("output larger than \(Gunzip.maxOutput) bytes") }
        out += src[pos..<(pos + len)]
        pos += len
    }

    private mutating func dynamicTables() throws -> (Huffman, Huffman) {
        let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw fail("bad code counts") }
        var lengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { lengths[Self.codeLengthOrder[i]] = try bits(3) }
        let lencode = try Huffman(lengths: lengths)
        var all: [Int] = []
        while all.count < nlen + ndist {
            let sym = try decode(lencode)
            switch sym {
            case 0..<16: all.append(sym)
            case 16:
                guard let prev = all.last else { throw fail("repeat with no previous length") }
                all += [Int](repeating: prev, count: 3 + (try bits(2)))
            case 17: all += [Int](repeating: 0, count: 3 + (try bits(3)))
            default: all += [Int](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        guard all.count == nlen + ndist else { throw fail("too many code lengths") }
        guard all[256] != 0 else { throw fail("no end-of-block code") }
        do {
            return (try Huffman(lengths: Array(all[0..<nlen])), try Huffman(lengths: Array(all[nlen...])))
        } catch { throw fail("bad Huffman table") }
    }

    private mutating func codes(_ out: inout [UInt8], _ lit: Huffman, _ dist: Huffman) throws {
        while true {
            let sym = try decode(lit)
            if sym < 256 {
                out.append(UInt8(sym))
            } else if sym == 256 {
                return
            } else {
                let s = sym - 257
                guard s < 29 else { throw fail("bad length symbol") }
                let len = Self.lengthBase[s] + (try bits(Self.lengthExtra[s]))
                let d = try decode(dist)
                guard d < 30 else { throw fail("bad distance symbol") }
                let distance = Self.distBase[d] + (try bits(Self.distExtra[d]))
                guard distance <= out.count else { throw fail("distance too far back") }
                guard out.count + len <= Gunzip.maxOutput else { throw fail("output larger than \(Gunzip.maxOutput) bytes") }
                let from = out.count - distance
                for k in 0..<len { out.append(out[from + k]) }   // may overlap its own output
            }
        }
    }
}

/// CRC-32 (IEEE, reflected 0xEDB88320), as gzip's trailer.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
