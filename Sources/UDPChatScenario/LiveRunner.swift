import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import UDPChatCapture
import UDPChatCore
import UDPChatDialect
import UDPChatImpairment
import UDPChatIUT
import UDPChatProxy
import UDPChatRuntime
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// Runs scenarios for real: the reference server and clients as in-process NIO runtimes on
/// loopback sockets (OS-chosen ports, so runs go in parallel), behind the real `ProxyServer`, on
/// the real clock. The proxy's trace file becomes the observation's trace, so the checks are
/// exactly those of sim mode.
public enum LiveRunner {
    /// Runs one scenario live and checks its expectations (`ScenarioRunner` on a `LiveBackend`).
    /// - Parameter pcapPath: also write every datagram the proxies received and sent to this pcap file.
    /// - Parameter options: an observer that watches the run as it happens, and a patience per step.
    public static func run(_ scenario: Scenario, seed: UInt64? = nil, rto: Duration? = nil, pcapPath: String? = nil,
                           options: LiveOptions = LiveOptions(),
                           group: MultiThreadedEventLoopGroup = .singleton) async -> ScenarioReport {
        await ScenarioRunner.run(scenario, on: LiveBackend(pcapPath: pcapPath, options: options, group: group), seed: seed, rto: rto)
    }

    /// The third-party implementations a scenario names, loaded and checked against its scripts
    /// (and against each other: they must speak one dialect), and the reference parties against
    /// their dialect: a message a reference party needs and the dialect lacks skips the run at once.
    static func manifests(for scenario: Scenario) throws(ScenarioSkip) -> [String: Manifest] {
        let manifests = try loadManifests(for: scenario)
        if !manifests.isEmpty, let gap = scenario.referenceVerbGaps(in: try dialect(of: manifests)).first {
            throw ScenarioSkip("UNSUPPORTED: \(gap) (the run would wait for it until its timeout)")
        }
        return manifests
    }

    /// The manifests of `manifests(for:)`, without the check of the reference parties' messages.
    static func loadManifests(for scenario: Scenario) throws(ScenarioSkip) -> [String: Manifest] {
        guard scenario.modes.contains(.live) else { throw ScenarioSkip("declared sim only") }
        var manifests: [String: Manifest] = [:]
        let folder = scenario.path.contains("/") ? String(scenario.path[..<scenario.path.lastIndex(of: "/")!]) : "."
        if let path = scenario.serverManifest {
            do {
                let manifest = try Manifest.load(path: path.hasPrefix("/") ? path : folder + "/" + path)
                guard manifest.role == .server else { throw ScenarioSkip("the server's manifest has role \(manifest.role.rawValue)") }
                manifests[scenario.serverName] = manifest
            } catch let skip as ScenarioSkip {
                throw skip
            } catch {
                throw ScenarioSkip("the server's manifest: \(error)")
            }
        }
        for client in scenario.clients {
            guard let path = client.manifest else { continue }
            let manifest: Manifest
            do {
                manifest = try Manifest.load(path: path.hasPrefix("/") ? path : folder + "/" + path)
            } catch {
                throw ScenarioSkip("\(client.name)'s manifest: \(error)")
            }
            let needed = Set(client.script.compactMap { step -> String? in
                guard case .command(let command) = step else { return nil }
                return command.manifestAction
            })
            if let missing = needed.subtracting(manifest.input.keys).sorted().first {
                throw ScenarioSkip("UNSUPPORTED: \(client.name)'s manifest has no input for '\(missing)'")
            }
            manifests[client.name] = manifest
        }
        _ = try dialect(of: manifests)
        return manifests
    }

    /// The wire format of a live run: the `dialect:` its manifests name, which every reference party
    /// (server, clients, the proxy's rules and trace) then speaks; the contract's when none names one.
    /// Manifests naming different dialects cannot share a run: skipped, saying who speaks what.
    static func dialect(of manifests: [String: Manifest]) throws(ScenarioSkip) -> Dialect {
        do {
            return try Manifest.sharedDialect(manifests.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        } catch {
            throw ScenarioSkip(error.reason)
        }
    }

    /// A free UDP port on loopback for a party that must know its port before it binds (a client,
    /// a third-party server): from the shared allocator, below the kernel's ephemeral range, so the
    /// proxies and sockets this and parallel runs bind to port 0 can never take it first.
    static func freePort() -> Int { Int(PortAllocator.shared.next()) }

    /// Starts a third-party implementation from its manifest, placeholders filled with `values`:
    /// its standard output lines go to its console, and a client's exit closes its socket.
    /// `sandboxed`: inside a sandbox, the command runs under its manifest's rlimits and is logged there.
    static func launch(_ manifest: Manifest, values: LaunchValues, name: String, console: LiveConsole,
                       isClient: Bool, sandboxed: LaunchLog? = nil) async throws -> IUTProcess {
        var (command, env) = values.fill(manifest)
        if sandboxed != nil {
            command = try SandboxInside.confined(command, workdir: manifest.workdir, env: env, limits: manifest.limits)
            env = [:]
        }
        let process = try await IUTProcess.launch(
            command, workdir: manifest.workdir, env: env, name: name,
            onOutput: { stream, line in if stream == .stdout { console.show(line, party: name) } },
            onExit: { exit in
                if isClient, !console.isClosed(name) { console.closed(name, exit: exit.status == 0 ? .left : .forced) }
            })
        sandboxed?.add(process, limits: manifest.limits)
        return process
    }

    /// Runs the scenario on real sockets; if it fails to start, what it started is stopped again.
    static func execute(_ scenario: Scenario, seed: UInt64, rto: Duration, manifests: [String: Manifest], pcapPath: String?,
                        options: LiveOptions, group: MultiThreadedEventLoopGroup) async throws -> Observation {
        let teardown = LiveTeardown()
        do {
            return try await execute(scenario, seed: seed, rto: rto, manifests: manifests, pcapPath: pcapPath, options: options,
                                     group: group, teardown: teardown)
        } catch {
            await teardown.run()
            throw error
        }
    }

    private static func execute(_ scenario: Scenario, seed: UInt64, rto: Duration, manifests: [String: Manifest], pcapPath: String?,
                                options: LiveOptions, group: MultiThreadedEventLoopGroup, teardown: LiveTeardown) async throws -> Observation {
        let dialect = try dialect(of: manifests)
        let run = LiveRun(scenario: scenario, seed: seed, rto: rto, manifests: manifests, options: options, group: group, teardown: teardown,
                          dialect: dialect, console: LiveConsole(origin: NIODeadline.now(), observer: options.observer))
        let server = try await startServer(run)
        var names: [Endpoint: String] = [server.address: scenario.serverName]
        var ports: [String: Int] = [:]
        for client in scenario.clients {
            let port = freePort()
            ports[client.name] = port
            names[Endpoint(host: "127.0.0.1", port: UInt16(port))] = client.name
        }
        // One proxy process-equivalent: every link in one ProxyServer, one time origin.
        let decisions = LiveDecisions()
        let pcap = try pcapPath.map { path throws(UDPChatError) in try PcapWriter(path: path) }
        let proxy = try await startProxies(run, server: server.address, ports: ports, decisions: decisions, pcap: pcap)
        var reachable: [String: Endpoint] = [scenario.serverName: server.address]
        for client in scenario.clients { reachable[client.name] = Endpoint(host: "127.0.0.1", port: UInt16(ports[client.name]!)) }
        for (index, spec) in scenario.proxies.enumerated() { reachable[spec.target] = proxy?.localAddresses[index] }
        let clients = try await startClients(run, reachable: reachable, ports: ports)
        let strangers = try await startStrangers(run, names: &names)
        let timeout = scenario.timeout?.resolved(rto: rto) ?? rto * 360
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        let outcome = await drive(run, clients: clients, strangers: strangers, reachable: reachable, timeout: timeout)
        // Scripts are done: give the clients up to 3 RTO to close, then let in-flight copies land.
        let settle = NIODeadline.now() + .nanoseconds((rto * 3).nanoseconds)
        while outcome.outOfPatience == nil, run.console.closes.count < scenario.clients.count, NIODeadline.now() < settle,
              NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        try? await Task.sleep(for: .milliseconds(50) + rto / 20)
        teardown.disarm()
        if let stats = await proxy?.stop() { options.observer?.proxiesStopped(stats) }
        _ = try? pcap?.finish()
        await clients.stop()
        for channel in strangers.values { try? await channel.close() }
        try? await server.chat?.close()
        await server.process?.stop()
        var observation = Observation(trace: decisions.trace(names: names), displays: run.console.displays, closes: run.console.closes, stuck: outcome.stuck,
                                      ids: clients.ids, rto: rto, endTime: run.console.now)
        observation.timingAllowance = Observation.liveTimingAllowance
        observation.outOfPatience = outcome.outOfPatience
        return observation
    }
}

/// How a live run is watched and bounded.
public struct LiveOptions: Sendable {
    /// Watches the run as it happens (nil: nobody).
    public var observer: LiveObserver?
    /// Give up once a party has waited on one step this long (nil: only the scenario's timeout).
    public var patience: Duration?
    /// Inside a sandbox (`udpchat scenario-worker`): the third-party processes started, under their rlimits.
    var launched: LaunchLog?

    public init(observer: LiveObserver? = nil, patience: Duration? = nil) {
        self.observer = observer
        self.patience = patience
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension LiveRunner {
    /// Runs many (scenario, seed) pairs live, `jobs` at a time (each on its own ports).
    /// `artifacts`: a folder where each run's pcap is written (`ScenarioReports.artifactBase` + `.pcap`).
    /// `sandbox`: a run that starts a third-party manifest goes through this worker in its own sandbox
    /// (`runSandboxed`); without one, such runs start their implementations on the host, a run with a
    /// 7070-pinned manifest one at a time.
    public static func runAll(_ items: [(Scenario, UInt64)], jobs: Int, rto: Duration? = nil, artifacts: String? = nil,
                              sandbox: SandboxPlan? = nil, stop: StopSignal = StopSignal(),
                              progress: (ScenarioReport, Int) -> Void = { _, _ in }) async -> [ScenarioReport] {
        let pinned = PinnedTurns()
        return await ScenarioBatch.run(items, mode: .live, jobs: jobs, stop: stop, progress: progress) { scenario, seed in
            let pcap = artifacts.map { ScenarioReports.artifactBase(folder: $0, path: scenario.path, mode: .live, seed: seed) + ".pcap" }
            let manifests = (try? manifests(for: scenario)) ?? [:]
            if let sandbox, !manifests.isEmpty {
                return await runSandboxed(scenario, seed: seed, rto: rto, pcapPath: pcap, manifests: manifests, plan: sandbox, stop: stop)
            }
            guard manifests.values.contains(where: { $0.pinnedPort != nil }) else { return await run(scenario, seed: seed, rto: rto, pcapPath: pcap) }
            return await pinned.oneAtATime { await run(scenario, seed: seed, rto: rto, pcapPath: pcap) }
        }
    }
}
