import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// nanochat's `python -m nanochat.dataset -n N` (§4.1): the first N train shards plus the pinned val
/// shard, `workers` in parallel, `attempts` tries each with 2^attempt s backoff, written to `.tmp`
/// then renamed, skipping shards already present, with a progress line (shards, MB, MB/s).
public final class ShardDownloader {
    public static let defaultBaseURL = "https://huggingface.co/datasets/karpathy/climbmix-400b-shuffle/resolve/main"
    public static let maxShard = 6542

    public static func shardName(_ i: Int) -> String { String(format: "shard_%05d.parquet", i) }

    /// Train shards 0..<N (all when N < 0) plus the pinned val shard `maxShard`.
    public static func shardIndices(numFiles n: Int) -> [Int] {
        let k = n < 0 ? maxShard : min(n, maxShard)
        return Array(0..<k) + [maxShard]
    }

    public struct Summary { public var downloaded = 0, skipped = 0, bytes = 0, seconds = 0.0 }

    public let baseURL: String
    public let dataDir: String
    public var workers = 4
    public var attempts = 5
    /// First retry wait in seconds; doubles each attempt (2, 4, 8, 16 like nanochat's 2**attempt).
    public var retryBase = 2.0
    /// Idle timeout per request.
    public var timeout = 60.0
    public var showProgress = true

    public init(baseURL: String = ShardDownloader.defaultBaseURL, dataDir: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.dataDir = dataDir
    }

    private let lock = NSLock()
    private var bytes = 0, done = 0
    private var nextIndex = 0
    private var failures: [String] = []

    private func add(bytes n: Int) { lock.lock(); bytes += n; lock.unlock() }
    private func say(_ s: String) {
        lock.lock(); defer { lock.unlock() }
        if showProgress { print("\r\u{1B}[K" + s); fflush(stdout) }
    }

    /// Downloads the shards with the given indices; throws one line listing shards that failed for good.
    @discardableResult
    public func download(_ indices: [Int]) throws -> Summary {
        try Paths.ensureDir(dataDir)
        var summary = Summary()
        let todo = indices.filter { !Paths.exists(Paths.join(dataDir, Self.shardName($0))) }
        summary.skipped = indices.count - todo.count
        if todo.isEmpty { return summary }
        let t0 = now()
        nextIndex = 0; failures = []; bytes = 0; done = 0
        let group = DispatchGroup()
        for _ in 0..<max(1, min(workers, todo.count)) {
            group.enter()
            let t = Thread { [self] in
                while true {
                    lock.lock()
                    guard nextIndex < todo.count else { lock.unlock(); break }
                    let i = todo[nextIndex]; nextIndex += 1
                    lock.unlock()
                    if let err = fetchWithRetries(i) {
                        lock.lock(); failures.append("\(Self.shardName(i)) (\(err))"); lock.unlock()
                    } else {
                        lock.lock(); done += 1; lock.unlock()
                    }
                }
                group.leave()
            }
            t.start()
        }
        // progress line while the workers run
        while group.wait(timeout: .now() + 0.5) == .timedOut {
            if showProgress { printProgress(todo.count, t0) }
        }
        if showProgress { printProgress(todo.count, t0); print() }
        summary.downloaded = done
        summary.bytes = bytes
        summary.seconds = now() - t0
        if !failures.isEmpty {
            throw NanoChatError(file: dataDir, "download failed for \(failures.count) shard(s): \(failures.sorted().joined(separator: ", ")) — rerun to retry (present shards are skipped)")
        }
        return summary
    }

    private func printProgress(_ total: Int, _ t0: Double) {
        lock.lock(); let b = bytes, d = done; lock.unlock()
        let dt = max(now() - t0, 1e-6)
        let width = 30, filled = total == 0 ? width : width * d / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        print(String(format: "\r[%@] %d/%d shards  %.1f MB  %.1f MB/s", bar, d, total, Double(b) / 1e6, Double(b) / 1e6 / dt),
              terminator: "")
        fflush(stdout)
    }

    /// nil on success, else the last error.
    private func fetchWithRetries(_ i: Int) -> String? {
        let name = Self.shardName(i)
        let path = Paths.join(dataDir, name), tmp = path + ".tmp"
        var lastError = ""
        for attempt in 1...max(1, attempts) {
            let r = fetch(URL(string: "\(baseURL)/\(name)")!, to: tmp)
            if r.error == nil {
                do { try atomicRename(tmp, path); return nil } catch { lastError = "\(error)" }
            } else {
                lastError = r.error!
                add(bytes: -r.bytes)
            }
            try? FileManager.default.removeItem(atPath: tmp)
            if attempt < attempts {
                let wait = retryBase * pow(2, Double(attempt - 1))
                say("\(name): attempt \(attempt)/\(attempts) failed (\(lastError)); retrying in \(String(format: "%g", wait)) s")
                Thread.sleep(forTimeInterval: wait)
            }
        }
        say("\(name): failed after \(attempts) attempts (\(lastError))")
        return lastError
    }

    /// One GET streamed into `tmp`; error is nil on HTTP 200 with the whole body.
    private func fetch(_ url: URL, to tmp: String) -> (error: String?, bytes: Int) {
        Self.fetch(url, to: tmp, timeout: timeout) { [weak self] n in self?.add(bytes: n) }
    }

    static func fetch(_ url: URL, to tmp: String, timeout: Double, onBytes: @escaping (Int) -> Void) -> (error: String?, bytes: Int) {
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            return ("cannot create \(tmp)", 0)
        }
        defer { try? h.close() }
        let d = FetchDelegate(handle: h, onBytes: onBytes)
        let cfg = URLSessionConfiguration.ephemeral
        cfg.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: cfg, delegate: d, delegateQueue: nil)
        session.dataTask(with: url).resume()
        d.done.wait()
        session.finishTasksAndInvalidate()
        if let e = d.error { return (e, d.bytes) }
        if let expected = d.expected, expected >= 0, expected != d.bytes {
            return ("got \(d.bytes) of \(expected) bytes", d.bytes)
        }
        return (nil, d.bytes)
    }

    /// One file: GET `url` into `path` (via `path.tmp`, then renamed); nil on success, else why not.
    public static func fetchFile(_ url: URL, to path: String, timeout: Double = 30) -> String? {
        let tmp = path + ".tmp"
        let r = fetch(url, to: tmp, timeout: timeout) { _ in }
        if r.error == nil, (try? atomicRename(tmp, path)) != nil { return nil }
        try? FileManager.default.removeItem(atPath: tmp)
        return r.error ?? "cannot rename \(tmp)"
    }

    /// nil when the server answers at all (any HTTP status), else why it could not be reached.
    public func probe(timeout: Double = 8) -> String? {
        let d = FetchDelegate(handle: nil, onBytes: { _ in })
        let cfg = URLSessionConfiguration.ephemeral
        cfg.timeoutIntervalForRequest = timeout
        cfg.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: cfg, delegate: d, delegateQueue: nil)
        var req = URLRequest(url: URL(string: "\(baseURL)/\(Self.shardName(Self.maxShard))")!)
        req.httpMethod = "HEAD"
        session.dataTask(with: req).resume()
        d.done.wait()
        session.finishTasksAndInvalidate()
        return d.status > 0 ? nil : (d.error ?? "no response")
    }
}

/// Streams a response body into a file handle (or only records the status when handle is nil).
private final class FetchDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let handle: FileHandle?
    let onBytes: (Int) -> Void
    let done = DispatchSemaphore(value: 0)
    var status = 0
    var expected: Int64?
    var bytes = 0
    var error: String?

    init(handle: FileHandle?, onBytes: @escaping (Int) -> Void) { self.handle = handle; self.onBytes = onBytes }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        expected = response.expectedContentLength
        if status != 200 && handle != nil { error = "HTTP \(status)"; completionHandler(.cancel); return }
        completionHandler(handle == nil ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let handle, error == nil else { return }
        handle.write(data)
        bytes += data.count
        onBytes(data.count)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError e: Error?) {
        if let e, error == nil, status == 0 || handle != nil { error = e.localizedDescription }
        done.signal()
    }
}
