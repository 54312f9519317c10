import Foundation

/// Where nanochat keeps things: `$NANOCHAT_BASE_DIR`, default `~/.cache/nanochat`.
public enum Paths {
    public static var baseDir: String {
        if let b = ProcessInfo.processInfo.environment["NANOCHAT_BASE_DIR"], !b.isEmpty { return b }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/nanochat")
    }
    public static func join(_ parts: String...) -> String {
        parts.dropFirst().reduce(parts[0]) { ($0 as NSString).appendingPathComponent($1) }
    }
    public static var tokenizerDir: String { join(baseDir, "tokenizer") }
    /// nanochat's current name for the pretraining shards (`base_data_climbmix`) when that directory
    /// exists, else the older `base_data` (also where the offline corpora go).
    public static var baseDataDir: String {
        let climbmix = join(baseDir, "base_data_climbmix")
        return exists(climbmix) ? climbmix : join(baseDir, "base_data")
    }
    public static var baseCheckpointsDir: String { join(baseDir, "base_checkpoints") }
    public static var sftCheckpointsDir: String { join(baseDir, "chatsft_checkpoints") }
    public static var rlCheckpointsDir: String { join(baseDir, "chatrl_checkpoints") }
    public static var evalBundleDir: String { join(baseDir, "eval_bundle") }
    public static var baseEvalDir: String { join(baseDir, "base_eval") }

    public static func ensureDir(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        catch { throw NanoChatError(file: path, "cannot create directory (\(error.localizedDescription))") }
    }
    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    public static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Creates `dir` if needed and writes and removes a probe file in it (per rank, since every rank writes its
    /// own files), so an unwritable output directory is one line before the work, not after it.
    public static func ensureWritable(_ dir: String, what: String, rank: Int = 0) throws {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch {
            // name the culprit: the nearest existing ancestor is a file, or not writable
            var parent = (dir as NSString).deletingLastPathComponent
            while !parent.isEmpty && parent != "/" && !exists(parent) { parent = (parent as NSString).deletingLastPathComponent }
            var isDir: ObjCBool = false
            let why = FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) && !isDir.boolValue
                ? "\(parent) is a file, not a directory" : "no permission to create it in \(parent)"
            throw NanoChatError(file: dir, "cannot create the \(what): \(why)")
        }
        let probe = Paths.join(dir, ".write_probe_rank\(rank)_\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data("probe\n".utf8)) else {
            throw NanoChatError(file: dir, "cannot write in the \(what) (permissions, read-only or full file system?)")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }
}

/// Write-then-rename: a crash mid-write leaves any previous file at `path` intact.
public func atomicWrite(_ data: Data, to path: String) throws {
    let tmp = path + ".tmp"
    do {
        try data.write(to: URL(fileURLWithPath: tmp))
        try atomicRename(tmp, path)
    } catch let e as NanoChatError { throw e } catch {
        throw NanoChatError(file: path, "cannot write (\(error.localizedDescription))")
    }
}

/// rename(2) is atomic on POSIX file systems; Foundation's moveItem refuses to overwrite. Durable too: the
/// file's data is fsync'ed before the rename and the directory entry after it, so after a power loss the
/// name points either at the old file or at the complete new one (never at an empty or partial file).
public func atomicRename(_ from: String, _ to: String) throws {
    try fsyncPath(from, what: "file")
    if rename(from, to) != 0 {
        throw NanoChatError(file: to, "cannot rename from \(from) (\(String(cString: strerror(errno))))")
    }
    try fsyncPath((to as NSString).deletingLastPathComponent.isEmpty ? "." : (to as NSString).deletingLastPathComponent, what: "directory")
}

/// fsync(2) of a file or directory by path (any descriptor of the file flushes its data).
public func fsyncPath(_ path: String, what: String) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw NanoChatError(file: path, "cannot open \(what) to sync (\(String(cString: strerror(errno))))") }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw NanoChatError(file: path, "cannot sync \(what) to disk (\(String(cString: strerror(errno))))") }
}
