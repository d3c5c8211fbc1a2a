#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding and reading scenario files.
public enum ScenarioFiles {
    /// A problem reading a file (not a problem in its contents).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads a whole text file.
    public static func read(_ path: String) throws(Failure) -> String {
        guard let file = fopen(path, "rb") else { throw Failure(description: "\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes a whole text file.
    public static func write(_ text: String, to path: String) throws(Failure) {
        guard let file = fopen(path, "wb") else { throw Failure(description: "\(path): cannot write (\(String(cString: strerror(errno))))") }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, fwrite(bytes, 1, bytes.count, file) != bytes.count {
            throw Failure(description: "\(path): write failed")
        }
    }

    /// Creates a directory and its parents (like mkdir -p).
    public static func makeDirectory(_ path: String) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o755)
        }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The `*.yaml` / `*.yml` files in a folder, sorted.
    public static func list(in folder: String) throws(Failure) -> [String] {
        guard let dir = opendir(folder) else { throw Failure(description: "\(folder): cannot list (\(String(cString: strerror(errno))))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { names.append(name) }
        }
        return names.sorted().map { folder.hasSuffix("/") ? folder + $0 : folder + "/" + $0 }
    }

    /// Expands the command-line paths: folders become their scenario files.
    public static func expand(_ paths: [String]) throws(Failure) -> [String] {
        var result: [String] = []
        for path in paths {
            if isDirectory(path) { result += try list(in: path) } else { result.append(path) }
        }
        return result
    }

    /// Reads and checks one scenario file.
    public static func load(_ path: String) throws -> Scenario {
        try ScenarioLoader.load(yaml: try read(path), path: path)
    }
}
