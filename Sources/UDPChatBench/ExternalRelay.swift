import Foundation
import NIOCore
import NIOPosix
import UDPChatIUT
import UDPChatSupport


/// A relay that is not udpchat's, measured beside it: the C yardstick (`Resources/udp-relay.c`,
/// recvmmsg/sendmmsg, compiled on first use with the system's C compiler) or socat.
public enum ExternalRelayKind: String, Sendable, CaseIterable {
    case cRelay = "c-relay"
    case socat
}

/// One running external relay in front of `target`, started through the one launcher
/// (`UDPChatIUT.IUTProcess`), in a process group of its own.
struct ExternalRelay: Sendable {
    let process: IUTProcess
    let endpoint: Endpoint

    /// Why `kind` cannot run here, or nil when it can.
    static func unavailable(_ kind: ExternalRelayKind) -> String? {
        switch kind {
        case .cRelay: compiler() == nil ? "no C compiler (cc, gcc or clang) on PATH" : nil
        case .socat: IUTProcess.which("socat") == nil ? "socat is not installed (apt-get install socat)" : nil
        }
    }

    static func start(_ kind: ExternalRelayKind, target: Endpoint) async throws -> ExternalRelay {
        let folder = FileManager.default.currentDirectoryPath
        switch kind {
        case .cRelay:
            let binary = try await compiledCRelay()
            let process = try await IUTProcess.launch([binary, "0", target.host, String(target.port)], workdir: folder, name: "c-relay")
            let line = await process.waitForLine(containing: "ready ", timeout: .seconds(10)) ?? ""
            guard let port = UInt16(line.dropFirst("ready ".count)) else {
                await process.stop()
                throw UDPChatError.bench("the C relay did not start (it printed '\(line)')")
            }
            return ExternalRelay(process: process, endpoint: Endpoint(host: "127.0.0.1", port: port))
        case .socat:
            guard IUTProcess.which("socat") != nil else { throw UDPChatError.bench(unavailable(.socat)!) }
            let port = try await freeUDPPort()
            let process = try await IUTProcess.launch(
                ["socat", "-b65536", "UDP4-LISTEN:\(port),bind=127.0.0.1", "UDP4:\(target.host):\(target.port)"], workdir: folder, name: "socat")
            // socat reports nothing once bound: wait until the port is taken.
            for _ in 0..<400 {
                guard await isFree(port) else { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            return ExternalRelay(process: process, endpoint: Endpoint(host: "127.0.0.1", port: port))
        }
    }

    /// Builds the C relay once per source version into the temporary folder.
    static func compiledCRelay() async throws -> String {
        guard let source = Bundle.module.path(forResource: "udp-relay", ofType: "c") else {
            throw UDPChatError.bench("the C relay's source (udp-relay.c) is not installed beside udpchat")
        }
        guard let compiler = compiler() else { throw UDPChatError.bench(unavailable(.cRelay)!) }
        let text = (try? String(contentsOfFile: source, encoding: .utf8)) ?? ""
        var hash = SplitMix64.stream(seed: UInt64(text.utf8.count), label: text)
        let folder = NSTemporaryDirectory() + "udpchat-bench-\(String(hash.next(), radix: 16))"
        let binary = folder + "/udp-relay"
        if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let cc = try await IUTProcess.launch([compiler, "-O2", "-o", binary, source], workdir: folder, name: "cc")
        let exit = await cc.waitForExit(timeout: .seconds(60))
        guard exit?.status == 0, exit?.signal == nil else {
            await cc.stop()
            throw UDPChatError.bench("compiling the C relay failed: \(cc.lines(.stderr).first ?? exit?.description ?? "timed out")")
        }
        return binary
    }

    static func compiler() -> String? { ["cc", "gcc", "clang"].lazy.compactMap(IUTProcess.which).first }

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
