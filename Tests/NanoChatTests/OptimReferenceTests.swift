import Foundation
import XCTest
@testable import NanoChat

/// MuonAdamW vs the independent PyTorch reference (dev/reference/optim.py) on a menagerie of shapes:
/// tiny (4,12) wide, (32,64) wide, (48,48) square, (64,32) tall, AdamW (48,) and (1024,4).
final class OptimReferenceTests: XCTestCase {
    static let dir = TestPaths.fixture("reference/optim_menagerie")

    func testMenagerieMatchesReference() throws {
        guard FileManager.default.fileExists(atPath: Self.dir + "/menagerie.json") else {
            throw XCTSkip("missing fixture directory \(Self.dir)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/menagerie.json"))) as! [String: Any]
        let specs = (json["params"] as! [[String: Any]]).map { ($0["name"] as! String, $0["shape"] as! [Int]) }
        let groups = (json["groups"] as! [[String: Any]]).map { g -> MuonAdamW.Group in
            let names = g["params"] as! [String], lr = g["lr"] as! Double, wd = g["weight_decay"] as! Double
            if g["kind"] as! String == "adamw" {
                return OptimTestKit.adamw(names, lr: lr, betas: g["betas"] as! [Double], eps: g["eps"] as! Double, wd: wd)
            }
            return OptimTestKit.muon(names, lr: lr, momentum: g["momentum"] as! Double, beta2: g["beta2"] as! Double, wd: wd)
        }
        let (entries, total) = OptimTestKit.layout(specs)
        let opt = MuonAdamW(entries: entries, totalCount: total, groups: groups)
        let f = try SafetensorsFile(path: Self.dir + "/menagerie.safetensors")
        let p = FlatBuffer(count: total), g = FlatBuffer(count: total)
        for e in entries { try f.read("init/\(e.name)", into: p.view(e), shape: e.shape) }
        let rtol = 1e-5
        for step in 1...3 {
            for e in entries { try f.read("grad\(step)/\(e.name)", into: g.view(e), shape: e.shape) }
            opt.step(params: p, grads: g)
            if step == 1 || step == 3 {
                print("menagerie after step \(step):")
                for e in entries {
                    checkTensor(OptimTestKit.array(p, e), try f.floats("step\(step)/\(e.name)"), rtol: rtol, label: e.name)
                }
            }
        }
        print("menagerie state after step 3:")
        for (gi, grp) in opt.groups.enumerated() {
            if grp.kind == .adamw {
                for slot in opt.adamSlots[gi] {
                    let n = slot.entry.count
                    checkTensor(Array(UnsafeBufferPointer(start: opt.adamExpAvg.ptr + slot.state, count: n)),
                                try f.floats("state/\(slot.entry.name)/exp_avg"), rtol: rtol, label: "\(slot.entry.name) exp_avg")
                    checkTensor(Array(UnsafeBufferPointer(start: opt.adamExpAvgSq.ptr + slot.state, count: n)),
                                try f.floats("state/\(slot.entry.name)/exp_avg_sq"), rtol: rtol, label: "\(slot.entry.name) exp_avg_sq")
                }
            } else {
                let plan = opt.muonPlans[gi]!
                let key = String(plan.entries[0].name.split(separator: ".")[0])
                let K = plan.entries.count
                XCTAssertEqual(try f.info("state/\(key)/second_momentum_buffer").shape, plan.secondShape(K))
                checkTensor(Array(UnsafeBufferPointer(start: opt.muonMomentum.ptr + plan.momentum, count: K * plan.m * plan.n)),
                            try f.floats("state/\(key)/momentum_buffer", shape: [K, plan.m, plan.n]), rtol: rtol, label: "\(key) momentum_buffer")
                checkTensor(Array(UnsafeBufferPointer(start: opt.muonSecond.ptr + plan.second, count: K * plan.secondLen)),
                            try f.floats("state/\(key)/second_momentum_buffer"), rtol: rtol, label: "\(key) second_momentum_buffer")
            }
        }
    }
}
