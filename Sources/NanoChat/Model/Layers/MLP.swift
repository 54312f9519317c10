// The MLP's nonlinearity: relu(x)². (The two Linears around it are linearForward/Backward.)

/// out = relu(inp)², n elements.
func relu2Forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 14) { r in
        let zero = F8()
        var i = r.lowerBound
        while i + 8 <= r.upperBound { let x = load8(inp + i).replacing(with: zero, where: load8(inp + i) .< zero); store8(out + i, x * x); i += 8 }
        while i < r.upperBound { let x = max(inp[i], 0); out[i] = x * x; i += 1 }
    }
}

/// d = d · 2·relu(inp), in place on d (d holds ∂/∂out on entry, ∂/∂inp on exit).
func relu2Backward(_ d: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 14) { r in
        let zero = F8(), two = F8(repeating: 2)
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
            let x = load8(inp + i)
            store8(d + i, load8(d + i) * two * x.replacing(with: zero, where: x .< zero)); i += 8
        }
        while i < r.upperBound { d[i] *= 2 * max(inp[i], 0); i += 1 }
    }
}
