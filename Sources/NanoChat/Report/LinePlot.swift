import Foundation

/// A line chart of several series against a shared x axis (e.g. training loss of three runs against step),
/// with linear or log axes, "nice" ticks (1-2-5 steps; decades on log axes), grid lines, axis labels and a
/// legend. Points that are not finite, or not positive on a log axis, are left out.
public struct LinePlot {
    public enum Scale: String, Sendable { case linear, log }

    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale = .linear
    public var yScale: Scale = .linear
    public var series: [Series] = []
    public var width = 760.0
    public var height = 440.0

    /// matplotlib's tab10, which stays distinguishable for the first several runs.
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale = .linear, yScale: Scale = .linear,
                series: [Series] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.xScale = xScale; self.yScale = yScale; self.series = series
    }

    /// The points that can be drawn on these scales.
    func drawable(_ s: Series) -> [(x: Double, y: Double)] {
        s.points.filter { p in
            p.x.isFinite && p.y.isFinite && (xScale == .linear || p.x > 0) && (yScale == .linear || p.y > 0)
        }
    }

    public var svg: String {
        var doc = SVG(width: width, height: height)
        let left = 78.0, right = 24.0, top = 42.0, bottom = 58.0
        let plotW = width - left - right, plotH = height - top - bottom
        doc.text(title, x: left + plotW / 2, y: 24, size: 16, anchor: .middle, bold: true)
        doc.text(xLabel, x: left + plotW / 2, y: height - 14, size: 13, anchor: .middle)
        doc.text(yLabel, x: 18, y: top + plotH / 2, size: 13, anchor: .middle, rotate: -90)
        doc.rect(x: left, y: top, width: plotW, height: plotH, fill: "#ffffff", stroke: "#444444")

        let data = series.map(drawable)
        let xs = data.flatMap { $0.map(\.x) }, ys = data.flatMap { $0.map(\.y) }
        guard let xLo = xs.min(), let xHi = xs.max(), let yLo = ys.min(), let yHi = ys.max() else {
            doc.text("no data", x: left + plotW / 2, y: top + plotH / 2, size: 14, anchor: .middle, fill: "#888888")
            return doc.document
        }
        let xr = Self.range(xLo, xHi, xScale, pad: 0), yr = Self.range(yLo, yHi, yScale, pad: 0.05)
        func fx(_ x: Double) -> Double { left + plotW * Self.fraction(x, xr, xScale) }
        func fy(_ y: Double) -> Double { top + plotH * (1 - Self.fraction(y, yr, yScale)) }

        // grid and ticks
        for t in Self.ticks(xr.lo, xr.hi, xScale) {
            let x = fx(t)
            doc.line(x1: x, y1: top, x2: x, y2: top + plotH, stroke: "#e4e4e4")
            doc.line(x1: x, y1: top + plotH, x2: x, y2: top + plotH + 5, stroke: "#444444")
            doc.text(Self.label(t), x: x, y: top + plotH + 19, size: 11, anchor: .middle)
        }
        for t in Self.ticks(yr.lo, yr.hi, yScale) {
            let y = fy(t)
            doc.line(x1: left, y1: y, x2: left + plotW, y2: y, stroke: "#e4e4e4")
            doc.line(x1: left - 5, y1: y, x2: left, y2: y, stroke: "#444444")
            doc.text(Self.label(t), x: left - 8, y: y + 4, size: 11, anchor: .end)
        }
        doc.rect(x: left, y: top, width: plotW, height: plotH, fill: "none", stroke: "#444444")

        // the series; markers too when a series has few points (evaluations), so single points show
        for (i, pts) in data.enumerated() where !pts.isEmpty {
            let color = Self.palette[i % Self.palette.count]
            let sorted = pts.sorted { $0.x < $1.x }
            doc.polyline(sorted.map { (fx($0.x), fy($0.y)) }, stroke: color, width: 1.8)
            if sorted.count <= 40 { for p in sorted { doc.circle(cx: fx(p.x), cy: fy(p.y), r: 3, fill: color) } }
        }

        // legend, top right inside the plot
        let names = series.map(\.name)
        if !names.isEmpty {
            let rowH = 18.0
            let boxW = min(plotW - 20, 36 + 7.2 * Double(names.map(\.count).max() ?? 0))
            let boxX = left + plotW - boxW - 10, boxY = top + 10
            doc.rect(x: boxX, y: boxY, width: boxW, height: rowH * Double(names.count) + 8, fill: "#ffffff", stroke: "#bbbbbb")
            for (i, name) in names.enumerated() {
                let y = boxY + 4 + rowH * Double(i) + rowH / 2
                let color = Self.palette[i % Self.palette.count]
                doc.line(x1: boxX + 8, y1: y, x2: boxX + 28, y2: y, stroke: color, width: 3)
                doc.text(name, x: boxX + 34, y: y + 4, size: 12)
            }
        }
        return doc.document
    }

    // MARK: - Axes

    /// The axis range: the data range widened by `pad` of its span (a factor on log axes), never empty.
    static func range(_ lo: Double, _ hi: Double, _ scale: Scale, pad: Double) -> (lo: Double, hi: Double) {
        switch scale {
        case .linear:
            if hi <= lo { let d = max(abs(lo) * 0.1, 1); return (lo - d, hi + d) }
            let d = (hi - lo) * pad
            return (lo - d, hi + d)
        case .log:
            if hi <= lo { return (lo / 2, hi * 2) }
            let f = pow(hi / lo, pad)
            return (lo / f, hi * f)
        }
    }

    static func fraction(_ v: Double, _ r: (lo: Double, hi: Double), _ scale: Scale) -> Double {
        switch scale {
        case .linear: return (v - r.lo) / (r.hi - r.lo)
        case .log: return log10(v / r.lo) / log10(r.hi / r.lo)
        }
    }

    /// Tick values inside [lo, hi]: 1-2-5 multiples of a power of ten, about 5–10 of them, on a linear axis;
    /// on a log axis decades, or 1-2-5 / 1…9 multiples of decades when the range spans too few decades, or
    /// linear ticks when it is narrower than that.
    public static func ticks(_ lo: Double, _ hi: Double, _ scale: Scale) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return [] }
        if scale == .log {
            for mults in [[1.0], [1.0, 2, 5], [1.0, 2, 3, 4, 5, 6, 7, 8, 9]] {
                var out: [Double] = []
                var e = floor(log10(lo))
                while e <= ceil(log10(hi)) {
                    for m in mults {
                        let v = m * pow(10, e)
                        if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
                    }
                    e += 1
                }
                if out.count >= 3 { return out.count > 12 ? out.filter { isDecade($0) } : out }
            }
        }
        let raw = (hi - lo) / 6
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var out: [Double] = []
        var v = ceil(lo / step) * step
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    static func isDecade(_ v: Double) -> Bool { abs(log10(v) - log10(v).rounded()) < 1e-9 }

    /// Short tick labels: 0.05, 3.2, 250, 1.5k, 12k, 2M.
    public static func label(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e6 { return trim(v / 1e6) + "M" }
        if a >= 1e4 { return trim(v / 1e3) + "k" }
        if a >= 100 || a == 0 { return String(format: "%.0f", v) }
        if a >= 1 { return trim(v) }
        return String(format: "%.3g", v)
    }

    private static func trim(_ v: Double) -> String {
        var s = String(format: "%.2f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
