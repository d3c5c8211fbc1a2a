// Copies of a submission's folder that a hostile folder cannot turn against the grader: only regular
// files and folders are copied (a FIFO, device or socket is skipped, so nothing blocks), a symlink is
// kept only where it points inside the folder (never in artifacts), and the size is capped.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum SafeCopy {
    /// A folder larger than this, or with more entries, is not copied: it is seen read-only.
    public static let limitBytes = 64 << 20
    public static let limitFiles = 5_000

    /// The bytes and entries under `folder` (symlinks not followed); nil past the limits.
    public static func measure(_ folder: String) -> (bytes: Int, files: Int)? {
        var total = (bytes: 0, files: 0)
        var pending = [folder]
        while let current = pending.popLast() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? [] {
                let path = current + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                total.files += 1
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG: total.bytes += Int(info.st_size)
                default: break
                }
                if total.files > limitFiles || total.bytes > limitBytes { return nil }
            }
        }
        return total
    }

    /// Copies `source` into `destination` (made anew). `symlinks`: keep the ones that point inside
    /// `source`. `owner`: the uid and gid every copied entry gets. Past `limitBytes` or `limitFiles`
    /// the copy stops. Returns what was skipped, for notes.
    @discardableResult
    public static func copy(_ source: String, to destination: String, symlinks: Bool, owner: UInt32? = nil) throws -> [String] {
        let root = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
        var skipped: [String] = []
        var copied = (bytes: 0, files: 0)
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? source : source + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                skipped.append(relative + "/ (unreadable)")
                continue
            }
            for name in names {
                let inner = relative.isEmpty ? name : relative + "/" + name
                let from = source + "/" + inner, to = destination + "/" + inner
                var info = stat()
                guard lstat(from, &info) == 0 else { continue }
                copied.files += 1
                copied.bytes += info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0
                if copied.files > limitFiles || copied.bytes > limitBytes { return skipped + ["(the rest: over \(limitFiles) entries or \(limitBytes >> 20) MiB)"] }
                // What cannot be read or made here (a file the grader may not read, an odd name) is skipped, not fatal.
                do {
                    switch info.st_mode & S_IFMT {
                    case S_IFDIR:
                        try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: false)
                        pending.append(inner)
                    case S_IFREG:
                        try FileManager.default.copyItem(atPath: from, toPath: to)
                        chmod(to, info.st_mode & 0o777)
                    case S_IFLNK where symlinks && pointsInside(from, root: root):
                        try FileManager.default.createSymbolicLink(atPath: to, withDestinationPath: try FileManager.default.destinationOfSymbolicLink(atPath: from))
                    default:
                        skipped.append(inner)
                        continue
                    }
                } catch {
                    skipped.append(inner)
                    continue
                }
                if let owner { lchown(to, owner, owner) }
            }
        }
        if let owner { lchown(destination, owner, owner) }
        return skipped
    }

    /// True when the symlink at `path` resolves to something inside `root` (itself resolved).
    static func pointsInside(_ path: String, root: String) -> Bool {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return target == root || target.hasPrefix(root + "/")
    }
}
