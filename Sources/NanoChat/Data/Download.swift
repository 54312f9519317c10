import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// nanochat's `python -m nanochat.dataset -n N` (nanochat/dataset.py): the first N train shards plus the pinned val
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
    /// Retries, backoff and timeouts of each GET.
    public var http = HTTPDownload()
    public var attempts: Int { get { http.attempts } set { http.attempts = newValue } }
    public var retryBase: Double { get { http.retryBase } set { http.retryBase = newValue } }
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
        return http.fetchWithRetries(URL(string: "\(baseURL)/\(name)")!, to: Paths.join(dataDir, name), label: name,
                                     onBytes: { [weak self] n in self?.add(bytes: n) }, say: { [weak self] s in self?.say(s) })
    }

    /// nil when the server answers at all (any HTTP status), else why it could not be reached.
    public func probe(timeout: Double = 8) -> String? {
        HTTPDownload.probe(URL(string: "\(baseURL)/\(Self.shardName(Self.maxShard))")!, timeout: timeout)
    }
}

/// One file over HTTP(S) the way every downloader here does it: streamed into `path.tmp`, renamed into place
/// only when the whole body arrived (HTTP 200 and Content-Length bytes), `attempts` tries with 2^attempt s
/// backoff (nanochat's nanochat/dataset.py), an idle timeout (a stalled server fails the try instead of
/// hanging) and a total timeout per try. Failures are one short reason ("HTTP 500", "got 10 of 20 bytes",
/// "timed out"); a failed try leaves no file behind.
public struct HTTPDownload: Sendable {
    public var attempts = 5
    /// First retry wait in seconds; doubles each attempt (2, 4, 8, 16 like nanochat's 2**attempt).
    public var retryBase = 2.0
    /// Seconds without a byte (or to connect) before a try fails.
    public var idleTimeout = 60.0
    /// Seconds one try may take in all.
    public var totalTimeout = 6 * 3600.0

    public init() {}

    /// nil on success (the file is at `path`), else the last error; `say` gets one line per failed try.
    public func fetchWithRetries(_ url: URL, to path: String, label: String, onBytes: @escaping (Int) -> Void = { _ in },
                                 say: (String) -> Void = { print0($0) }) -> String? {
        let tmp = path + ".tmp"
        var lastError = ""
        for attempt in 1...max(1, attempts) {
            let r = fetch(url, to: tmp, onBytes: onBytes)
            if r.error == nil {
                do { try atomicRename(tmp, path); return nil } catch { lastError = "\(error)" }
            } else {
                lastError = r.error!
                onBytes(-r.bytes)
            }
            try? FileManager.default.removeItem(atPath: tmp)
            if attempt < attempts {
                let wait = retryBase * pow(2, Double(attempt - 1))
                say("\(label): attempt \(attempt)/\(attempts) failed (\(lastError)); retrying in \(String(format: "%g", wait)) s")
                Thread.sleep(forTimeInterval: wait)
            }
        }
        say("\(label): failed after \(attempts) attempts (\(lastError))")
        return lastError
    }

    /// A small body (a JSON listing) in memory, with the same retries; throws one line naming the URL.
    public func get(_ url: URL, maxBytes: Int = 1 << 24, say: (String) -> Void = { print0($0) }) throws -> Data {
        let dir = NSTemporaryDirectory() + "nanochat-get-\(UUID().uuidString)"
        try Paths.ensureDir(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = Paths.join(dir, "body")
        if let e = fetchWithRetries(url, to: path, label: url.absoluteString, say: say) {
            throw NanoChatError("download failed: \(url.absoluteString) (\(e))")
        }
        guard let d = FileManager.default.contents(atPath: path), d.count <= maxBytes else {
            throw NanoChatError("download failed: \(url.absoluteString) (body missing or over \(maxBytes) bytes)")
        }
        return d
    }

    /// One GET streamed into `tmp`; error is nil on HTTP 200 with the whole body.
    func fetch(_ url: URL, to tmp: String, onBytes: @escaping (Int) -> Void) -> (error: String?, bytes: Int) {
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            return ("cannot create \(tmp)", 0)
        }
        defer { try? h.close() }
        let d = FetchDelegate(handle: h, onBytes: onBytes)
        let cfg = URLSessionConfiguration.ephemeral
        cfg.timeoutIntervalForRequest = idleTimeout
        cfg.timeoutIntervalForResource = totalTimeout
        let session = URLSession(configuration: cfg, delegate: d, delegateQueue: nil)
        session.dataTask(with: url).resume()
        d.done.wait()
        session.finishTasksAndInvalidate()
        if d.timedOut { return ("timed out: no data for \(String(format: "%g", idleTimeout)) s, or over \(String(format: "%g", totalTimeout)) s in all", d.bytes) }
        if let e = d.error { return (e, d.bytes) }
        if let expected = d.expected, expected >= 0, expected != d.bytes {
            return ("got \(d.bytes) of \(expected) bytes", d.bytes)
        }
        return (nil, d.bytes)
    }

    /// nil when the server answers at all (any HTTP status), else why it could not be reached.
    public static func probe(_ url: URL, timeout: Double = 8) -> String? {
        let d = FetchDelegate(handle: nil, onBytes: { _ in })
        let cfg = URLSessionConfiguration.ephemeral
        cfg.timeoutIntervalForRequest = timeout
        cfg.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: cfg, delegate: d, delegateQueue: nil)
        var req = URLRequest(url: url)
        req.httpMethod = "HEAD"
        session.dataTask(with: req).resume()
        d.done.wait()
        session.finishTasksAndInvalidate()
        return d.status > 0 ? nil : d.timedOut ? "timed out after \(String(format: "%g", timeout)) s" : (d.error ?? "no response")
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
    var timedOut = false

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
        if let e, error == nil, status == 0 || handle != nil {
            error = e.localizedDescription
            timedOut = (e as? URLError)?.code == .timedOut
        }
        done.signal()
    }
}
