// The steps of one live scenario run (`LiveRunner.execute` calls them in order): the server (the
// reference, or a submission's process), the impairment proxies, the clients (reference runtimes or
// submissions' processes), the strangers' sockets, and the scripts driven until done.
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import UDPChatCapture
import UDPChatCore
import UDPChatDialect
import UDPChatImpairment
import UDPChatIUT
import UDPChatProxy
import UDPChatRelay
import UDPChatRuntime
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// What every step of a live run needs.
struct LiveRun {
    let scenario: Scenario
    let seed: UInt64
    let rto: Duration
    let manifests: [String: Manifest]
    let options: LiveOptions
    let group: MultiThreadedEventLoopGroup
    let teardown: LiveTeardown
    let dialect: Dialect
    let console: LiveConsole
    var observer: LiveObserver? { options.observer }
}

/// The run's server: the reference's (in this process) or a submission's process.
struct LiveServer {
    var chat: ChatServer?
    var process: IUTProcess?
    let address: Endpoint
}

/// The run's clients: reference runtimes and submissions' processes, by party name.
struct LiveClients {
    var runtimes: [String: ChatClientRuntime] = [:]
    var processes: [String: (IUTProcess, Manifest)] = [:]
    var ids: [String: ClientID] = [:]
    var closers: [Task<Void, Never>] = []

    func stop() async {
        for runtime in runtimes.values { await runtime.abort() }
        for (process, _) in processes.values { await process.stop() }
        for task in closers { task.cancel() }
    }
}

extension LiveRunner {
    /// A third-party server: a real process on a free port (or 7070 when it cannot be told), up once it
    /// holds the port; else the reference server, its table changes on the console.
    static func startServer(_ run: LiveRun) async throws -> LiveServer {
        let serverName = run.scenario.serverName
        if let manifest = run.manifests[serverName] {
            var port = Int(manifest.pinnedPort ?? 0)
            if port == 0 { port = freePort() }
            let values = LaunchValues.server(port: UInt16(port), rto: run.rto)
            let process = try await launch(manifest, values: values, name: serverName, console: run.console, isClient: false,
                                          sandboxed: run.options.launched)
            run.teardown.add { await process.stop() }
            await waitUntilBound(port: UInt16(port), process: process)
            if let exit = process.exited {
                // A server gone before it held its port would leave every REGISTER unanswered and the
                // run to FAIL on its timeout, with nothing saying why.
                let said = process.lines(.stderr).suffix(3).joined(separator: " | ")
                throw UDPChatError.cannotStart(serverName,
                                               "it exited (\(exit)) before it bound port \(port)" + (said.isEmpty ? "" : "; stderr: " + said.prefix(400)))
            }
            return LiveServer(process: process, address: Endpoint(host: "127.0.0.1", port: UInt16(port)))
        }
        let (observer, console) = (run.observer, run.console)
        var serverOptions = ChatServerOptions(host: "127.0.0.1", port: 0, onTableChange: { rows in
            observer?.tableChanged(rows)
            console.show(rows.isEmpty ? "table: (empty)" : "table: " + rows.map { "\($0.id)@\($0.reachable)" }.joined(separator: ", "),
                         party: serverName)
        })
        serverOptions.dialect = run.dialect
        let chat = try await ChatServer.start(serverOptions, group: run.group)
        run.teardown.add { try? await chat.close() }
        observer?.serverStarted(chat.localAddress)
        return LiveServer(chat: chat, address: chat.localAddress)
    }

    /// Every proxy of the scenario as a link of one ProxyServer (one time origin), its decisions kept
    /// in `decisions`, its datagrams to `pcap`; nil when there is none.
    static func startProxies(_ run: LiveRun, server: Endpoint, ports: [String: Int], decisions: LiveDecisions,
                             pcap: PcapWriter?) async throws -> ProxyServer? {
        let reader = MessageReader(run.dialect)
        var links: [LinkConfiguration] = []
        for proxy in run.scenario.proxies {
            let target = proxy.target == run.scenario.serverName ? server : Endpoint(host: "127.0.0.1", port: UInt16(ports[proxy.target] ?? 0))
            var impairments = try proxy.config(rto: run.rto)
            impairments.reader = reader
            links.append(LinkConfiguration(name: proxy.name, listen: Endpoint(host: "127.0.0.1", port: 0), target: target,
                                           impairments: impairments, flowIdle: proxy.flowIdle(rto: run.rto), maxFlows: proxy.flowLimit))
        }
        guard !links.isEmpty else { return nil }
        var config = ProxyConfiguration(links: links, seed: run.seed)
        let console = run.console
        config.tap = { datagram in
            if datagram.point == .received, let conn = reader(datagram.payload)?.conn { console.saw(conn: conn) }
            try? pcap?.write(timestamp: datagram.timestamp, source: datagram.source, destination: datagram.destination, payload: datagram.payload)
        }
        let observer = run.observer
        config.observer = { event in
            decisions.add(event)
            observer?.proxyDecided(event)
        }
        let started = try await ProxyServer.start(config: config, group: run.group)
        run.teardown.add { _ = await started.stop() }
        run.observer?.proxiesStarted(zip(links, started.localAddresses).map { ($0.name, $1, $0.target) })
        return started
    }

    /// Each client: a submission's process (its manifest's values, `input.start` typed) or the reference
    /// runtime, advertising its proxy's port when one stands in front of it.
    static func startClients(_ run: LiveRun, reachable: [String: Endpoint], ports: [String: Int]) async throws -> LiveClients {
        var started = LiveClients()
        let server = reachable[run.scenario.serverName]!
        for client in run.scenario.clients {
            let name = client.name
            started.ids[name] = client.id
            let advertised = run.scenario.proxies.contains { $0.target == name } ? reachable[name]?.port : nil
            if let manifest = run.manifests[name] {
                let values = LaunchValues.client(id: client.id, server: server, port: UInt16(ports[name]!), advertise: advertised, rto: run.rto)
                let process = try await launch(manifest, values: values, name: name, console: run.console, isClient: true, sandboxed: run.options.launched)
                started.processes[name] = (process, manifest)
                run.teardown.add { await process.stop() }
                await manifest.typeStartInput(["id": String(client.id)]) { process.type($0) }
                continue
            }
            var clientOptions = ChatClientOptions(
                id: client.id, server: server, bindHost: "127.0.0.1", port: ports[name]!, advertisePort: advertised, rto: run.rto, window: client.window,
                seed: SplitMix64.stream(seed: run.seed, label: "client/\(name)").state, refreshEvery: client.refresh?.resolved(rto: run.rto))
            clientOptions.dialect = run.dialect
            let console = run.console
            let runtime = try await ChatClientRuntime.start(clientOptions, group: run.group, onEvent: { event in
                console.show(event.description, party: name)
            })
            started.runtimes[name] = runtime
            run.teardown.add { await runtime.abort() }
            started.closers.append(Task {
                if let exit = try? await runtime.exit() { console.closed(name, exit: exit) }
            })
        }
        return started
    }

    /// A socket for each stranger, named in `names` by its address.
    static func startStrangers(_ run: LiveRun, names: inout [Endpoint: String]) async throws -> [String: Channel] {
        var channels: [String: Channel] = [:]
        for stranger in run.scenario.strangers {
            let channel = try await DatagramBootstrap(group: run.group).bind(host: "127.0.0.1", port: 0).get()
            channels[stranger.name] = channel
            run.teardown.add { try? await channel.close() }
            if let local = channel.localAddress.flatMap(Endpoint.init) { names[local] = stranger.name }
        }
        return channels
    }

    /// The scripts, driven by the one interpreter until done, stuck or `timeout`: a command is typed
    /// on a submission's console or given to the reference runtime, a stranger's raw text sent.
    static func drive(_ run: LiveRun, clients: LiveClients, strangers: [String: Channel], reachable: [String: Endpoint],
                      timeout: Duration) async -> LiveScriptDriver.Outcome {
        let scenario = run.scenario
        var driver = LiveScriptDriver(interpreter: ScriptInterpreter(
            parties: scenario.clients.map { ScriptInterpreter.Party(name: $0.name, steps: $0.script, isClient: true) }
                + scenario.strangers.map { ScriptInterpreter.Party(name: $0.name, steps: $0.script, isClient: false) },
            rto: run.rto), console: run.console)
        let partyNames = driver.interpreter.parties.map(\.name)
        let ids = clients.ids
        return await driver.run(until: run.console.now + timeout, patience: run.options.patience) { party, action in
            let name = partyNames[party]
            run.observer?.acting(name, action)
            switch action {
            case .command(let command):
                if let (process, manifest) = clients.processes[name] {
                    var values = ["id": String(ids[name] ?? 0)]
                    switch command {
                    case .connect(let target): values["peer"] = String(ids[target] ?? ClientID(target) ?? 0)
                    case .send(let text): values["text"] = text
                    default: break
                    }
                    if let line = manifest.inputLine(command.manifestAction, values) { process.type(line) }
                } else {
                    clients.runtimes[name]?.submit(command.userCommand(ids: ids))
                }
            case .raw(let to, let text):
                guard let channel = strangers[name], let destination = reachable[to],
                      let address = try? SocketAddress(ipAddress: destination.host, port: Int(destination.port))
                else { return }
                let bytes = Placeholders.expand(text, ids: ids, conn: run.console.lastConn)
                try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(string: bytes)))
            case .sleep, .blocked, .done:
                break
            }
        }
    }
}

/// The proxy's decisions during a live run, as they come from its event loops; folded into the
/// observation's trace once the run is over (`TraceFold`, as the simulator's records are made).
final class LiveDecisions: Sendable {
    private let events = NIOLockedValueBox<[RelayTraceEvent]>([])

    func add(_ event: RelayTraceEvent) { events.withLockedValue { $0.append(event) } }

    func trace(names: [Endpoint: String]) -> [TraceRecord] {
        var fold = TraceFold(names: names)
        for event in events.withLockedValue({ $0 }) { fold.add(event) }
        return fold.trace
    }
}
