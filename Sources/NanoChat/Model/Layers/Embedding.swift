// Token embedding (wte, value embeddings): out[n] = table[idx[n]].

/// out: [N, C]; idx: [N]; table: [V, C]
func embeddingForward(_ out: UnsafeMutablePointer<Float>, _ idx: UnsafePointer<Int32>, _ table: UnsafePointer<Float>,
                      _ N: Int, _ C: Int) {
    Threads.parallelFor(N, minChunk: 64) { r in
        for n in r { (out + n * C).update(from: table + Int(idx[n]) * C, count: C) }
    }
}

/// dtable[idx[n]] += dout[n]. Serial: repeated tokens would race, and this is O(N·C).
func embeddingBackward(_ dtable: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ idx: UnsafePointer<Int32>,
                       _ N: Int, _ C: Int) {
    for n in 0..<N { vaxpy(dtable + Int(idx[n]) * C, 1, dout + n * C, C) }
}
