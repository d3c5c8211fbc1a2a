import Foundation
import UDPChatHost
import NIOConcurrencyHelpers
import Testing
@testable import UDPChatScenario
import UDPChatSupport

/// A live run that cannot start (here: bob's program does not exist) stops what it had started
/// already — the reference server, the proxies, alice — instead of leaving them in the process.
@Suite struct LiveTeardownTests {
    @Test func aRunThatCannotStartStopsWhatItStarted() async throws {
        let folder = NSTemporaryDirectory() + "udpchat-teardown-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            name: ghost
            role: client
            command: ["no-such-program-udpchat", "--port", "{port}"]
            input: { quit: "/quit" }
            """.write(toFile: folder + "/ghost.yaml", atomically: true, encoding: .utf8)
        let yaml = """
            name: bob cannot start
            clients:
              - name: alice
                id: 1
                script: [{wait-for: registered}, quit]
              - name: bob
                id: 2
                manifest: ghost.yaml
                script: [quit]
            proxies:
              - in-front-of: server
            expect:
              - left: alice
            """
        let scenario = try ScenarioLoader.load(yaml: yaml, path: folder + "/bob.yaml")
        // Each socket started is known by its inode, unique while it lives: a port alone could be
        // taken again by another test's socket as soon as the run let it go. And it is looked for
        // among this process's own descriptors: a child another test spawns meanwhile may inherit
        // it (NIO's sockets are not close-on-exec) and keep it in the namespace's table for a while.
        guard UDPSocketTable.read() != nil else {
            print("skipping the teardown check: no /proc/net/udp to see sockets in")
            return
        }
        let bound = NIOLockedValueBox<[(String, Set<UInt64>)]>([])
        @Sendable func note(_ endpoint: Endpoint, _ role: String) {
            // A few reads: the kernel's list can skip a row while other tests' sockets come and go.
            var inodes = Set<UInt64>()
            for _ in 0..<5 where inodes.isEmpty {
                inodes = Set((UDPSocketTable.read() ?? []).filter { $0.port == endpoint.port }.map(\.inode))
            }
            bound.withLockedValue { $0.append(("\(role) at \(endpoint)", inodes)) }
        }
        var observer = LiveObserver()
        observer.serverStarted = { address in note(address, "the server") }
        observer.proxiesStarted = { links in links.forEach { note($0.listen, "proxy link \($0.name)") } }
        let report = await LiveRunner.run(scenario, rto: .milliseconds(200), options: LiveOptions(observer: observer))
        #expect(!report.passed && report.skipped == nil)
        #expect(report.failures.contains { $0.title == "the live run could start" }, "\(ScenarioReports.text(report))")
        let started = bound.withLockedValue { $0 }
        #expect(started.count == 2, "the server and its proxy were up before bob failed: \(started.map(\.0))")
        let left = Self.socketsOfThisProcess()
        for (party, inodes) in started {
            #expect(!inodes.isEmpty, "\(party) was not in the socket table while the run was up")
            #expect(inodes.isDisjoint(with: left), "\(party): its socket is still open after the failed run")
        }
    }

    /// The inodes of the sockets this process has open (`socket:[N]` links in /proc/self/fd).
    static func socketsOfThisProcess() -> Set<UInt64> {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(fds.compactMap { fd -> UInt64? in
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                  link.hasPrefix("socket:["), link.hasSuffix("]") else { return nil }
            return UInt64(link.dropFirst("socket:[".count).dropLast())
        })
    }
}
