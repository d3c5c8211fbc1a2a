import Testing
import UDPChatScenario
import UDPChatImpairment
import UDPChatSimulation
import UDPChatSupport

@Suite struct SwarmTests {
    @Test func aHundredSeedsHoldTheInvariants() async {
        let (failures, events, _) = await Swarm.run(start: 1, seeds: 100, jobs: 2)
        #expect(failures.isEmpty, Comment(rawValue: failures.map { "seed \($0.seed): \($0.violations)" }.joined(separator: "\n")))
        #expect(events > 100 * 20)
    }

    @Test func aSeedIsReproducible() {
        let (first, firstResult, _) = Swarm.run(seed: 4242)
        let (second, secondResult, _) = Swarm.run(seed: 4242)
        #expect(first.violations == second.violations)
        #expect(firstResult.traceJSONLines == secondResult.traceJSONLines)
        #expect(firstResult.displays == secondResult.displays)
    }

    /// A world where the peer forgets the closed connection after the protocol's minimum memory
    /// while every TERMINATED is lost shows the checker catches an unfinished termination.
    @Test func invariantViolationsAreReported() {
        var world = Swarm.world(seed: 7)
        var config = world.setup.proxies[1].impairment
        config.rules = [try! .parse("drop verb=TERMINATED")]
        world.setup.proxies[1].impairment = config
        world.setup.timeout = .seconds(300)
        world.setup.settle = .seconds(300)
        let result = Simulator.run(world.setup)
        #expect(result.stuck["alice"] != nil)
        #expect(result.clients.first { $0.name == "alice" }?.exit == nil)
    }
}

/// A REGISTER delayed past its client's LEAVE re-registers it (a ghost, the swarm's seed 17643):
/// the simulator runs the server's registration expiry, which removes the ghost within the expiry.
@Suite struct GhostTests {
    static func world(expiry: Duration?) -> SimSetup {
        var server = ImpairmentConfig()
        server.rules = [try! .parse("delay 500ms dir=up verb=REGISTER nth=1")]
        let alice = SimClient(name: "alice", id: 1, script: [.waitFor("registered"), .command(.quit)])
        return SimSetup(seed: 1, rto: .milliseconds(200), clients: [alice], proxies: [SimProxy(name: "server", target: "server", impairment: server)],
                        serverExpiry: expiry)
    }

    @Test func withoutExpiryTheGhostStays() {
        let result = Simulator.run(Self.world(expiry: nil))
        #expect(result.clients[0].exit == .left)
        #expect(result.serverTable.map(\.id) == [1])
        #expect(Swarm.ghosts(result, expiry: .seconds(2)).count == 1)
    }

    @Test func theExpiryRemovesTheGhostInTime() throws {
        let result = Simulator.run(Self.world(expiry: .seconds(2)))
        let left = try #require(result.clients[0].closedAt)
        #expect(result.clients[0].exit == .left)
        #expect(result.serverTable.isEmpty)
        let ended = try #require(result.registrationEnded[1])
        #expect(ended > left + Duration.milliseconds(250), "it was registered again after it left")
        #expect(ended <= left + Duration.seconds(2) + Duration.milliseconds(500))
        #expect(Swarm.ghosts(result, expiry: .seconds(2)).isEmpty)
        #expect(Swarm.ghosts(result, expiry: .seconds(2), maxTransit: .zero).count == 1, "the REGISTER arrived 300 ms after the LEAVE")
    }
}
