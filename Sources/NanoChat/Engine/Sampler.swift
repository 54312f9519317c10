import Foundation

/// nanochat's sample_next_token for one row of logits: temperature 0 → argmax (first max, like
/// torch.argmax); top-k → softmax over the k largest logits / temperature; otherwise softmax over all
/// logits / temperature; then one draw from our seeded RNG (reproducible, not torch's generator).
public func sampleNextToken(_ logits: UnsafeBufferPointer<Float>, temperature: Double, topK: Int?, rng: inout RNG) -> Int32 {
    let V = logits.count
    precondition(V > 0, "sampleNextToken: empty logits")
    if temperature <= 0 { return firstArgmax(logits) }
    let ids: [Int]
    if let k = topK, k > 0, k < V { ids = topKIndices(logits, k) } else { ids = Array(0..<V) }
    var maxL = -Float.infinity
    for i in ids { maxL = max(maxL, logits[i]) }
    var p = [Double](repeating: 0, count: ids.count), total = 0.0
    for (j, i) in ids.enumerated() { p[j] = exp((Double(logits[i]) - Double(maxL)) / temperature); total += p[j] }
    let u = rng.uniform() * total
    var acc = 0.0
    for (j, pj) in p.enumerated() {
        acc += pj
        if u < acc { return Int32(ids[j]) }
    }
    return Int32(ids[p.lastIndex(where: { $0 > 0 }) ?? 0])   // rounding left u at the very end
}

/// Greedy decoding's pick: the first maximum (best = 0, then i wins only when strictly greater), like
/// torch.argmax. The decode head's fused argmax (HeadArgmax) gives exactly this.
func firstArgmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0
    for i in 1..<logits.count where logits[i] > logits[best] { best = i }
    return Int32(best)
}

/// Indices of the k largest values, largest first (ties: lower index first), via a size-k min-heap:
/// O(V log k), so top-50 of a 32K vocabulary costs about one pass over the row.
func topKIndices(_ x: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
    // "a ranks below b": smaller value, or equal value and larger index
    @inline(__always) func below(_ a: Int, _ b: Int) -> Bool { x[a] < x[b] || (x[a] == x[b] && a > b) }
    var heap: [Int] = []
    heap.reserveCapacity(k)
    func siftDown(_ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && below(heap[l], heap[m]) { m = l }
            if r < heap.count && below(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m); i = m
        }
    }
    for i in 0..<x.count {
        if heap.count < k {
            heap.append(i)
            var c = heap.count - 1
            while c > 0 && below(heap[c], heap[(c - 1) / 2]) { heap.swapAt(c, (c - 1) / 2); c = (c - 1) / 2 }
        } else if below(heap[0], i) {
            heap[0] = i; siftDown(0)
        }
    }
    return heap.sorted { below($1, $0) }
}
