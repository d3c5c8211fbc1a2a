import Foundation
import NIOConcurrencyHelpers
import Testing
import UDPChatIUT
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
        let bound = NIOLockedValueBox<[Endpoint]>([])
        var observer = LiveObserver()
        observer.serverStarted = { address in bound.withLockedValue { $0.append(address) } }
        observer.proxiesStarted = { links in bound.withLockedValue { $0 += links.map(\.listen) } }
        let report = await LiveRunner.run(scenario, rto: .milliseconds(200), options: LiveOptions(observer: observer))
        #expect(!report.passed && report.skipped == nil)
        #expect(report.failures.contains { $0.title == "the live run could start" }, "\(ScenarioReports.text(report))")
        let started = bound.withLockedValue { $0 }
        #expect(started.count == 2, "the server and its proxy were up before bob failed: \(started)")
        for endpoint in started {
            #expect(PortAllocator.isFree(endpoint.port), "\(endpoint) is still bound after the failed run")
        }
    }
}
