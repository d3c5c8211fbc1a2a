import Foundation

/// The reference server started as a child process (the same executable, table printing off).
public final class ServerChildProcess: @unchecked Sendable {
    public let process: Process
    public let host: String
    public let port: Int

    public var pid: Int32 { process.processIdentifier }

    private init(process: Process, host: String, port: Int) {
        self.process = process
        self.host = host
        self.port = port
    }

    /// The path of the running executable (/proc/self/exe, else argv[0]).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts `udpchat server --port 0 --no-table` and reads the port it reports.
    public static func start(executable: String = currentExecutable, host: String = "127.0.0.1") throws -> ServerChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["server", "--host", host, "--port", "0", "--no-table", "--log-level", "error"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // First line: "udpchat server listening on UDP 127.0.0.1:PORT".
        var line = Data()
        while true {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            process.terminate()
            throw BenchError("the server child did not report its port (got '\(text)')")
        }
        return ServerChildProcess(process: process, host: host, port: port)
    }

    public var residentBytes: Int? { ProcessMemory.residentBytes(pid: pid) }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
