import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import UDPChatCapture
import UDPChatCore
import UDPChatGrader
import UDPChatImpairment
import UDPChatProxy
import UDPChatRuntime
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// Runs scenarios for real: the reference server and clients as in-process NIO runtimes on
/// loopback sockets (OS-chosen ports, so runs go in parallel), behind the real `ProxyServer`, on
/// the real clock. The proxy's trace file becomes the observation's trace, so the checks are
/// exactly those of sim mode.
public enum LiveRunner {
    /// Everything a live run shows on its consoles, with times since the run's origin.
    final class Console: Sendable {
        let origin: NIODeadline
        private let state = NIOLockedValueBox<(lines: [DisplayRecord], perParty: [String: [String]],
                                               closes: [String: (exit: ClientExit, at: Instant)], lastConn: ConnToken?)>(
            ([], [:], [:], nil))

        init(origin: NIODeadline) { self.origin = origin }

        var now: Instant { Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds) - Int64(origin.uptimeNanoseconds)) }

        func show(_ line: String, party: String) {
            let time = now
            state.withLockedValue {
                $0.lines.append(DisplayRecord(time: time, party: party, line: line))
                $0.perParty[party, default: []].append(line)
            }
        }

        func closed(_ party: String, exit: ClientExit) {
            let time = now
            state.withLockedValue { $0.closes[party] = (exit, time) }
            show(SimLines.closed(exit), party: party)
        }

        func lines(_ party: String) -> [String] { state.withLockedValue { $0.perParty[party] ?? [] } }
        var displays: [DisplayRecord] { state.withLockedValue { $0.lines } }
        var closes: [String: (exit: ClientExit, at: Instant)] { state.withLockedValue { $0.closes } }
        var lastConn: ConnToken? {
            get { state.withLockedValue { $0.lastConn } }
        }
        func saw(conn: ConnToken) { state.withLockedValue { $0.lastConn = conn } }
    }

    /// Runs one scenario live and checks its expectations.
    /// - Parameter pcapPath: also write every datagram the proxies received and sent to this pcap file.
    public static func run(_ scenario: Scenario, seed: UInt64? = nil, rto: Duration? = nil, pcapPath: String? = nil,
                           group: MultiThreadedEventLoopGroup = .singleton) async -> ScenarioReport {
        let seed = seed ?? scenario.seed
        let clock = ContinuousClock()
        let started = clock.now
        func skipped(_ why: String) -> ScenarioReport {
            ScenarioReport(scenario: scenario, mode: .live, seed: seed, skipped: why, checks: [], observation: nil, wallTime: clock.now - started)
        }
        guard scenario.modes.contains(.live) else { return skipped("declared sim only") }
        var manifests: [String: Manifest] = [:]
        let folder = scenario.path.contains("/") ? String(scenario.path[..<scenario.path.lastIndex(of: "/")!]) : "."
        if let path = scenario.serverManifest {
            do {
                let manifest = try Manifest.load(path: path.hasPrefix("/") ? path : folder + "/" + path)
                guard manifest.role == .server else { return skipped("the server's manifest has role \(manifest.role.rawValue)") }
                manifests[scenario.serverName] = manifest
            } catch {
                return skipped("the server's manifest: \(error)")
            }
        }
        for client in scenario.clients {
            guard let path = client.manifest else { continue }
            do {
                let manifest = try Manifest.load(path: path.hasPrefix("/") ? path : folder + "/" + path)
                let needed = Set(client.script.compactMap { step -> String? in
                    guard case .command(let command) = step else { return nil }
                    switch command {
                    case .connect: return "connect"
                    case .accept: return "accept"
                    case .reject: return "reject"
                    case .end: return "terminate"
                    case .quit: return "quit"
                    case .cancel: return "cancel"
                    case .send: return "send"
                    }
                })
                if let missing = needed.subtracting(manifest.input.keys).sorted().first {
                    return skipped("UNSUPPORTED: \(client.name)'s manifest has no input for '\(missing)'")
                }
                manifests[client.name] = manifest
            } catch {
                return skipped("\(client.name)'s manifest: \(error)")
            }
        }
        do {
            let observation = try await execute(scenario, seed: seed, rto: rto ?? scenario.rto, manifests: manifests, pcapPath: pcapPath,
                                                group: group)
            let checks = ScenarioChecker.check(scenario, observation)
            return ScenarioReport(scenario: scenario, mode: .live, seed: seed, skipped: nil, checks: checks, observation: observation,
                                  wallTime: clock.now - started)
        } catch {
            let failure = CheckResult(title: "the live run could start", line: 0, passed: false, expected: "sockets, proxy and parties up",
                                      observed: "\(error)", excerpt: [])
            return ScenarioReport(scenario: scenario, mode: .live, seed: seed, skipped: nil, checks: [failure], observation: nil,
                                  wallTime: clock.now - started)
        }
    }

    /// A free UDP port on loopback (bound and released; the client binds it right after).
    static func freePort(group: MultiThreadedEventLoopGroup) async throws -> Int {
        let channel = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    static func execute(_ scenario: Scenario, seed: UInt64, rto: Duration, manifests: [String: Manifest], pcapPath: String?,
                        group: MultiThreadedEventLoopGroup) async throws -> Observation {
        let origin = NIODeadline.now()
        let console = Console(origin: origin)
        let serverName = scenario.serverName
        let processTrace = UDPChatGrader.Trace()
        var closers: [Task<Void, Never>] = []
        var server: ChatServer?
        var serverProcess: IUTProcess?
        let serverAddress: Endpoint
        if let manifest = manifests[serverName] {
            // A third-party server: a real process on a free port (or 7070 when it cannot be told).
            var port = Int(manifest.pinnedPort ?? 0)
            if port == 0 { port = try await freePort(group: group) }
            let values = ["port": String(port), "rto": String(Double(rto.nanoseconds) / 1e9)]
            let process = try IUTProcess(command: manifest.command.map { fillPlaceholders($0, values) }, workdir: manifest.workdir,
                                         env: manifest.env.mapValues { fillPlaceholders($0, values) }, trace: processTrace, name: serverName)
            serverProcess = process
            serverAddress = Endpoint(host: "127.0.0.1", port: UInt16(port))
            closers.append(bridge(processTrace, process: process, party: serverName, console: console, isClient: false))
            try? await Task.sleep(for: .milliseconds(300))  // let it bind
        } else {
            let chat = try await ChatServer.start(ChatServerOptions(host: "127.0.0.1", port: 0, onTableChange: { rows in
                console.show(rows.isEmpty ? "table: (empty)" : "table: " + rows.map { "\($0.id)@\($0.reachable)" }.joined(separator: ", "),
                             party: serverName)
            }), group: group)
            server = chat
            serverAddress = chat.localAddress
        }
        var names: [Endpoint: String] = [serverAddress: serverName]
        var ports: [String: Int] = [:]
        for client in scenario.clients {
            let port = try await freePort(group: group)
            ports[client.name] = port
            names[Endpoint(host: "127.0.0.1", port: UInt16(port))] = client.name
        }
        // One proxy process-equivalent: every link in one ProxyServer, one time origin.
        let tracePath = "/tmp/udpchat-live-\(getpid())-\(seed)-\(UInt64.random(in: 0...UInt64.max)).trace.jsonl"
        var links: [LinkConfiguration] = []
        for proxy in scenario.proxies {
            let target = proxy.target == serverName ? serverAddress
                : Endpoint(host: "127.0.0.1", port: UInt16(ports[proxy.target] ?? 0))
            links.append(LinkConfiguration(name: proxy.name, listen: Endpoint(host: "127.0.0.1", port: 0), target: target,
                                           impairments: try proxy.config(rto: rto), flowIdle: proxy.flowIdle(rto: rto), maxFlows: proxy.flowLimit))
        }
        var proxy: ProxyServer?
        let pcap = try pcapPath.map { path throws(CaptureError) in try PcapWriter(path: path) }
        if !links.isEmpty {
            var config = ProxyConfiguration(links: links, seed: seed)
            config.tracePath = tracePath
            config.tap = { datagram in
                if datagram.point == .received, let conn = (try? Message.parse(datagram.payload))?.conn { console.saw(conn: conn) }
                try? pcap?.write(timestamp: datagram.timestamp, source: datagram.source, destination: datagram.destination,
                                 payload: datagram.payload)
            }
            proxy = try await ProxyServer.start(config: config, group: group)
        }
        var reachable: [String: Endpoint] = [serverName: serverAddress]
        for client in scenario.clients { reachable[client.name] = Endpoint(host: "127.0.0.1", port: UInt16(ports[client.name]!)) }
        for (index, spec) in scenario.proxies.enumerated() { reachable[spec.target] = proxy?.localAddresses[index] }

        var clients: [String: ChatClientRuntime] = [:]
        var processes: [String: (IUTProcess, Manifest)] = [:]
        var ids: [String: ClientID] = [:]
        for client in scenario.clients {
            ids[client.name] = client.id
            let advertised = scenario.proxies.contains { $0.target == client.name } ? reachable[client.name]?.port : nil
            let name = client.name
            if let manifest = manifests[name] {
                let values = [
                    "id": String(client.id), "server_host": reachable[serverName]!.host, "server_port": String(reachable[serverName]!.port),
                    "port": String(ports[name]!), "advertise_port": String(advertised ?? UInt16(ports[name]!)),
                    "rto": String(Double(rto.nanoseconds) / 1e9),
                ]
                let process = try IUTProcess(command: manifest.command.map { fillPlaceholders($0, values) }, workdir: manifest.workdir,
                                             env: manifest.env.mapValues { fillPlaceholders($0, values) }, trace: processTrace, name: name)
                processes[name] = (process, manifest)
                closers.append(bridge(processTrace, process: process, party: name, console: console, isClient: true))
                continue
            }
            let options = ChatClientOptions(
                id: client.id, server: reachable[serverName]!, bindHost: "127.0.0.1", port: ports[client.name]!,
                advertisePort: advertised, rto: rto, window: client.window,
                seed: SplitMix64.stream(seed: seed, label: "client/\(client.name)").state, refreshEvery: client.refresh?.resolved(rto: rto))
            let runtime = try await ChatClientRuntime.start(options, group: group, onEvent: { event in
                console.show(event.description, party: name)
            })
            clients[name] = runtime
            closers.append(Task {
                if let exit = try? await runtime.exit() { console.closed(name, exit: exit) }
            })
        }
        var strangerChannels: [String: Channel] = [:]
        for stranger in scenario.strangers {
            let channel = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
            strangerChannels[stranger.name] = channel
            if let local = channel.localAddress.flatMap(Endpoint.init) { names[local] = stranger.name }
        }

        let timeout = scenario.timeout?.resolved(rto: rto) ?? rto * 360
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        let ids_ = ids
        let reachable_ = reachable
        let stuck = await withTaskGroup(of: (String, String?).self) { group in
            for client in scenario.clients {
                let runtime = clients[client.name]
                let process = processes[client.name]
                group.addTask {
                    (client.name, await runScript(client.script, party: client.name, console: console, deadline: deadline, rto: rto,
                                                 ids: ids_, reachable: reachable_, runtime: runtime, process: process, channel: nil))
                }
            }
            for stranger in scenario.strangers {
                let channel = strangerChannels[stranger.name]!
                group.addTask {
                    (stranger.name, await runScript(stranger.script, party: stranger.name, console: console, deadline: deadline, rto: rto,
                                                   ids: ids_, reachable: reachable_, runtime: nil, process: nil, channel: channel))
                }
            }
            var stuck: [String: String] = [:]
            for await (party, blocked) in group { if let blocked { stuck[party] = blocked } }
            return stuck
        }
        // Scripts are done: give the clients up to 3 RTO to close, then let in-flight copies land.
        let settle = NIODeadline.now() + .nanoseconds((rto * 3).nanoseconds)
        while console.closes.count < scenario.clients.count, NIODeadline.now() < settle, NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        try? await Task.sleep(for: .milliseconds(50) + rto / 20)
        _ = await proxy?.stop()
        _ = try? pcap?.finish()
        for runtime in clients.values { await runtime.abort() }
        for (process, _) in processes.values { await process.stop() }
        for task in closers { task.cancel() }
        for channel in strangerChannels.values { try? await channel.close() }
        try? await server?.close()
        await serverProcess?.stop()

        let trace = try LiveTrace.read(path: tracePath, names: names)
        unlink(tracePath)
        let end = console.now
        var observation = Observation(trace: trace, displays: console.displays, closes: console.closes, stuck: stuck, ids: ids, rto: rto, endTime: end)
        observation.timingAllowance = Observation.liveTimingAllowance
        return observation
    }

    /// Copies a process's standard output lines to its console; a client's exit closes its socket.
    static func bridge(_ trace: UDPChatGrader.Trace, process: IUTProcess, party: String, console: Console, isClient: Bool) -> Task<Void, Never> {
        Task {
            var seen = 0
            while !Task.isCancelled {
                let lines = trace.events.filter { $0.node == party && $0.kind == .stdout }
                for event in lines.dropFirst(seen) { console.show(event.text, party: party) }
                seen = lines.count
                if let exit = process.exited {
                    if isClient, console.closes[party] == nil { console.closed(party, exit: exit.status == 0 ? .left : .forced) }
                    break
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Runs one party's script; returns nil when it finished, else the step it was blocked on.
    static func runScript(_ steps: [ScenarioStep], party: String, console: Console, deadline: NIODeadline, rto: Duration,
                          ids: [String: ClientID], reachable: [String: Endpoint], runtime: ChatClientRuntime?,
                          process: (IUTProcess, Manifest)?, channel: Channel?) async -> String? {
        var cursor = 0
        for (index, step) in steps.enumerated() {
            let where_ = "step \(index + 1): \(describe(step))"
            switch step {
            case .command(let command):
                if let (process, manifest) = process {
                    let (action, values): (String, [String: String]) = switch command {
                    case .connect(let target): ("connect", ["peer": String(ids[target] ?? ClientID(target) ?? 0)])
                    case .accept: ("accept", [:])
                    case .reject: ("reject", [:])
                    case .end: ("terminate", [:])
                    case .quit: ("quit", [:])
                    case .cancel: ("cancel", [:])
                    case .send(let text): ("send", ["text": text])
                    }
                    if let template = manifest.input[action] { process.type(fillPlaceholders(template, values)) }
                    continue
                }
                guard let runtime else { continue }
                switch command {
                case .connect(let target): runtime.submit(.connect(ids[target] ?? ClientID(target) ?? 0))
                case .accept: runtime.submit(.accept)
                case .reject: runtime.submit(.reject)
                case .end: runtime.submit(.end)
                case .quit: runtime.submit(.quit)
                case .cancel: runtime.submit(.cancel)
                case .send(let text): runtime.submit(.say(text))
                }
            case .waitFor(let text):
                while true {
                    let lines = console.lines(party)
                    if let found = lines[min(cursor, lines.count)...].firstIndex(where: { $0.contains(text) }) {
                        cursor = found + 1
                        break
                    }
                    if NIODeadline.now() > deadline { return where_ }
                    try? await Task.sleep(for: .milliseconds(2))
                }
            case .waitForParty(let other, let text):
                while !console.lines(other).contains(where: { $0.contains(text) }) {
                    if NIODeadline.now() > deadline { return where_ }
                    try? await Task.sleep(for: .milliseconds(2))
                }
            case .sleep(let duration):
                try? await Task.sleep(for: duration.resolved(rto: rto))
            case .raw(let to, let text):
                guard let channel, let destination = reachable[to], let address = try? SocketAddress(ipAddress: destination.host, port: Int(destination.port))
                else { continue }
                let bytes = Placeholders.expand(text, ids: ids, conn: console.lastConn)
                let envelope = AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(string: bytes))
                try? await channel.writeAndFlush(envelope)
            }
        }
        return nil
    }

    static func describe(_ step: ScenarioStep) -> String {
        switch step {
        case .command(let command): "\(command)"
        case .waitFor(let text): "wait-for '\(text)'"
        case .waitForParty(let party, let text): "wait-for \(party): '\(text)'"
        case .sleep(let duration): "sleep \(duration)"
        case .raw(let to, let text): "raw '\(text)' to \(to)"
        }
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
    public static func runAll(_ items: [(Scenario, UInt64)], jobs: Int, rto: Duration? = nil, artifacts: String? = nil,
                              progress: (ScenarioReport, Int) -> Void = { _, _ in }) async -> [ScenarioReport] {
        await ScenarioBatch.run(items, jobs: jobs, progress: progress) { scenario, seed in
            let pcap = artifacts.map { ScenarioReports.artifactBase(folder: $0, path: scenario.path, mode: .live, seed: seed) + ".pcap" }
            return await run(scenario, seed: seed, rto: rto, pcapPath: pcap)
        }
    }
}
