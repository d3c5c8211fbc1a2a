import Foundation
import UDPChatIUT
import UDPChatSupport

/// The reference server started as a child process (the same executable, table printing off),
/// through the one launcher (`UDPChatIUT.IUTProcess`).
public struct ServerChildProcess: Sendable {
    public let process: IUTProcess
    public let host: String
    public let port: Int

    public var pid: Int32 { process.pid }

    /// The path of the running executable (/proc/self/exe, else argv[0]).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts `udpchat server --port 0 --no-table` and reads the port it reports.
    public static func start(executable: String = currentExecutable, host: String = "127.0.0.1") async throws -> ServerChildProcess {
        let process = try await IUTProcess.launch([executable, "server", "--host", host, "--port", "0", "--no-table", "--log-level", "error"],
                                                  workdir: FileManager.default.currentDirectoryPath, name: "server")
        // First line: "udpchat server listening on UDP 127.0.0.1:PORT".
        let text = await process.waitForLine(containing: "listening on", timeout: .seconds(30)) ?? ""
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            await process.stop()
            throw UDPChatError.bench("the server child did not report its port (got '\(text)')")
        }
        return ServerChildProcess(process: process, host: host, port: port)
    }

    public var residentBytes: Int? { ProcessMemory.residentBytes(pid: pid) }

    public func stop() async { await process.stop() }
}

extension UDPChatError.Code {
    /// A load generator that could not run.
    public static let bench = Self(BenchCodes.bench)
}

extension UDPChatError {
    public static func bench(_ reason: String) -> Self { Self(.bench, reason) }
}
