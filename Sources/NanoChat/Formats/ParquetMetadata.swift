import Foundation

/// The parts of parquet's thrift metadata (parquet.thrift) that reading string, integer and list columns needs.
enum ParquetCodec: Int {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
}

enum ParquetEncoding {
    static let plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, rleDictionary = 8
}

/// A leaf column of the schema with its definition/repetition level bounds.
struct ParquetLeaf {
    let path: [String]
    let physicalType: Int          // 1 = INT32, 2 = INT64, 6 = BYTE_ARRAY
    let maxDef: Int
    let maxRep: Int
    /// Definition level of the innermost repeated ancestor: a level entry with def >= this is a list element
    /// (maxDef when the element is non-null); smaller means the list itself is empty or null.
    let listDef: Int

    static let int32 = 1, int64 = 2, byteArray = 6
    var dotted: String { path.joined(separator: ".") }
}

struct ParquetColumnChunk {
    let codec: Int
    let numValues: Int
    let dataPageOffset: Int
    let dictionaryPageOffset: Int?
    let totalCompressedSize: Int
}

struct ParquetRowGroup {
    let numRows: Int
    let columns: [ParquetColumnChunk]
}

struct ParquetFileMetadata {
    let numRows: Int
    let leaves: [ParquetLeaf]
    let rowGroups: [ParquetRowGroup]

    init(_ s: ThriftStruct) throws {
        guard let n = s.int(3) else { throw ThriftError(message: "footer has no num_rows") }
        numRows = n
        leaves = try Self.leaves(s.structs(2))
        rowGroups = try s.structs(4).map { rg in
            guard let rows = rg.int(3) else { throw ThriftError(message: "row group without num_rows") }
            let cols = try rg.structs(1).map { cc -> ParquetColumnChunk in
                guard let md = cc.structure(3), let codec = md.int(4), let nv = md.int(5),
                      let dpo = md.int(9), let size = md.int(7) else {
                    throw ThriftError(message: "column chunk without metadata (external column files are not supported)")
                }
                return ParquetColumnChunk(codec: codec, numValues: nv, dataPageOffset: dpo,
                                          dictionaryPageOffset: md.int(11), totalCompressedSize: size)
            }
            return ParquetRowGroup(numRows: rows, columns: cols)
        }
    }

    /// Depth-first walk of the flattened schema (element 0 is the root) collecting leaves in column order.
    private static func leaves(_ elems: [ThriftStruct]) throws -> [ParquetLeaf] {
        guard !elems.isEmpty else { throw ThriftError(message: "empty schema") }
        var out: [ParquetLeaf] = []
        var i = 1
        func walk(path: [String], def: Int, rep: Int, listDef: Int, depth: Int) throws {
            guard i < elems.count, depth < 32 else { throw ThriftError(message: "schema tree is inconsistent") }
            let e = elems[i]; i += 1
            let name = e.string(4) ?? ""
            let repetition = e.int(3) ?? 0          // 0 REQUIRED, 1 OPTIONAL, 2 REPEATED
            let d = def + (repetition == 1 || repetition == 2 ? 1 : 0), r = rep + (repetition == 2 ? 1 : 0)
            let ld = repetition == 2 ? d : listDef
            let children = e.int(5) ?? 0
            if children > 0 {
                for _ in 0..<children { try walk(path: path + [name], def: d, rep: r, listDef: ld, depth: depth + 1) }
            } else {
                out.append(ParquetLeaf(path: path + [name], physicalType: e.int(1) ?? -1, maxDef: d, maxRep: r, listDef: ld))
            }
        }
        let rootChildren = elems[0].int(5) ?? 0
        for _ in 0..<rootChildren { try walk(path: [], def: 0, rep: 0, listDef: 0, depth: 0) }
        return out
    }
}

/// One page header; only the fields the reader uses.
struct ParquetPageHeader {
    static let dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
    let type: Int
    let uncompressedSize: Int
    let compressedSize: Int
    let numValues: Int
    let encoding: Int
    // v2 only
    let defLevelsLength: Int
    let repLevelsLength: Int
    let isCompressed: Bool
    // v1 only: 3 = RLE (what writers use), 4 = the deprecated BIT_PACKED
    let levelEncodings: [Int]

    init(_ s: ThriftStruct) throws {
        guard let t = s.int(1), let u = s.int(2), let c = s.int(3), u >= 0, c >= 0 else {
            throw ThriftError(message: "bad page header")
        }
        type = t; uncompressedSize = u; compressedSize = c
        var nv = 0, enc = 0, dl = 0, rl = 0, comp = true, levelEnc: [Int] = []
        switch t {
        case Self.dataPage:
            guard let h = s.structure(5) else { throw ThriftError(message: "data page without header") }
            nv = h.int(1) ?? 0; enc = h.int(2) ?? 0
            levelEnc = [h.int(3) ?? ParquetEncoding.rle, h.int(4) ?? ParquetEncoding.rle]
        case Self.dictionaryPage:
            guard let h = s.structure(7) else { throw ThriftError(message: "dictionary page without header") }
            nv = h.int(1) ?? 0; enc = h.int(2) ?? 0
        case Self.dataPageV2:
            guard let h = s.structure(8) else { throw ThriftError(message: "v2 data page without header") }
            nv = h.int(1) ?? 0; enc = h.int(4) ?? 0; dl = h.int(5) ?? 0; rl = h.int(6) ?? 0
            comp = h.bool(7) ?? true
        default: break
        }
        guard nv >= 0, dl >= 0, rl >= 0 else { throw ThriftError(message: "negative counts in page header") }
        numValues = nv; encoding = enc; defLevelsLength = dl; repLevelsLength = rl; isCompressed = comp
        levelEncodings = levelEnc
    }
}
