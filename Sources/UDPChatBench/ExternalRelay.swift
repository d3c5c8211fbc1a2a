import Foundation
import NIOCore
import NIOPosix
import UDPChatSupport

#if canImport(Glibc)
import Glibc
#endif

/// A relay that is not udpchat's, measured beside it: the C yardstick (`Resources/udp-relay.c`,
/// recvmmsg/sendmmsg, compiled on first use with the system's C compiler) or socat.
public enum ExternalRelayKind: String, Sendable, CaseIterable {
    case cRelay = "c-relay"
    case socat
}

extension UDPChatError.Code {
    public static let benchSetup: Self = "bench.setup"
}

extension UDPChatError {
    static func benchSetup(_ reason: String) -> Self { Self(.benchSetup, reason) }
}

/// One running external relay in front of `target`; `stop()` kills it.
final class ExternalRelay: @unchecked Sendable {
    let process: Process
    let endpoint: Endpoint

    private init(process: Process, endpoint: Endpoint) {
        self.process = process
        self.endpoint = endpoint
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Why `kind` cannot run here, or nil when it can.
    static func unavailable(_ kind: ExternalRelayKind) -> String? {
        switch kind {
        case .cRelay: compiler() == nil ? "no C compiler (cc, gcc or clang) on PATH" : nil
        case .socat: which("socat") == nil ? "socat is not installed (apt-get install socat)" : nil
        }
    }

    static func start(_ kind: ExternalRelayKind, target: Endpoint) async throws -> ExternalRelay {
        switch kind {
        case .cRelay:
            let binary = try compiledCRelay()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["0", target.host, String(target.port)]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let line = readLine(pipe.fileHandleForReading)
            guard line.hasPrefix("ready "), let port = UInt16(line.dropFirst(6)) else {
                process.terminate()
                throw UDPChatError.benchSetup("the C relay did not start (it printed '\(line)')")
            }
            return ExternalRelay(process: process, endpoint: Endpoint(host: "127.0.0.1", port: port))
        case .socat:
            guard let socat = which("socat") else { throw UDPChatError.benchSetup(unavailable(.socat)!) }
            let port = try await freeUDPPort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: socat)
            process.arguments = ["-b65536", "UDP4-LISTEN:\(port),bind=127.0.0.1", "UDP4:\(target.host):\(target.port)"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            // socat reports nothing once bound: wait until the port is taken.
            for _ in 0..<400 {
                guard await isFree(port) else { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            return ExternalRelay(process: process, endpoint: Endpoint(host: "127.0.0.1", port: port))
        }
    }

    /// Builds the C relay once per source version into the temporary folder.
    static func compiledCRelay() throws -> String {
        guard let source = Bundle.module.path(forResource: "udp-relay", ofType: "c") else {
            throw UDPChatError.benchSetup("the C relay's source (udp-relay.c) is not installed beside udpchat")
        }
        guard let compiler = compiler() else { throw UDPChatError.benchSetup(unavailable(.cRelay)!) }
        let text = (try? String(contentsOfFile: source, encoding: .utf8)) ?? ""
        var hash = SplitMix64.stream(seed: UInt64(text.utf8.count), label: text)
        let folder = NSTemporaryDirectory() + "udpchat-bench-\(String(hash.next(), radix: 16))"
        let binary = folder + "/udp-relay"
        if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: compiler)
        cc.arguments = ["-O2", "-o", binary, source]
        let errors = Pipe()
        cc.standardError = errors
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw UDPChatError.benchSetup("compiling the C relay failed: \(message.split(separator: "\n").first ?? "")")
        }
        return binary
    }

    static func compiler() -> String? { ["cc", "gcc", "clang"].lazy.compactMap(which).first }

    static func which(_ program: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private static func readLine(_ handle: FileHandle) -> String {
        var line = Data()
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    private static func freeUDPPort() async throws -> UInt16 {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = UInt16(channel.localAddress?.port ?? 0)
        try await channel.close()
        return port
    }

    private static func isFree(_ port: UInt16) async -> Bool {
        guard let channel = try? await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: Int(port)).get() else { return false }
        try? await channel.close()
        return true
    }
}
