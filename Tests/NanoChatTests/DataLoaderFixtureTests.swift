import Foundation
import XCTest
@testable import NanoChat

/// The first 8 batches and states nanochat's own best-fit loader produced (fixtures/loader_bestfit,
/// B=4, T=64, tokenizer_multi_4096), reproduced by our loader with our BPE tokenizer — and exact
/// resume from each of those states.
final class DataLoaderFixtureTests: XCTestCase {
    func testMatchesNanochatBatchesAndStates() throws {
        let dir = TestPaths.fixture("loader_bestfit")
        let tok = try Tokenizer.load(tiktokenFile: TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken"))
        XCTAssertEqual(tok.bosId, 4087)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/loader.json"))) as! [String: Any]
        let (B, T) = (meta["B"] as! Int, meta["T"] as! Int)
        let states = (meta["states"] as! [[String: Int]]).map { LoaderState(pqIdx: $0["pq_idx"]!, rgIdx: $0["rg_idx"]!, epoch: $0["epoch"]!) }
        let st = try SafetensorsFile(path: dir + "/batches.safetensors")
        // the data dir of the fixture: shard_00000 = train, shard_00001 = val
        let data = TestPaths.tempDir("fixture")
        defer { try? FileManager.default.removeItem(atPath: data) }
        for n in ["shard_00000.parquet", "shard_00001.parquet"] { try FileManager.default.copyItem(atPath: dir + "/" + n, toPath: data + "/" + n) }
        let src = try DocumentSource(path: data)
        let loader = try DataLoader(tokenizer: tok, source: src, B: B, T: T, split: "train")
        var ours: [LoaderState] = []
        for n in 0..<states.count {
            let b = try loader.next()
            XCTAssertEqual(b.inputs.map(Int.init), try st.ints("inputs_\(n)", shape: [B, T]), "inputs_\(n)")
            XCTAssertEqual(b.targets.map(Int.init), try st.ints("targets_\(n)", shape: [B, T]), "targets_\(n)")
            XCTAssertEqual(b.state.nanochatFields, states[n], "state \(n)")
            ours.append(b.state)
        }
        // exact resume from each state reproduces the rest of nanochat's batches
        for k in [0, 3, 6] {
            let r = try DataLoader(tokenizer: tok, source: src, B: B, T: T, split: "train", resume: ours[k])
            for n in (k + 1)..<states.count {
                XCTAssertEqual(try r.next().inputs.map(Int.init), try st.ints("inputs_\(n)", shape: [B, T]), "resumed after \(k): inputs_\(n)")
            }
        }
        print("  8 batches and states equal nanochat's; state after batch 8: \(try JSONEncoder().encode(ours.last!).count) bytes of JSON")
    }
}
