import Testing
import UDPChatScenario
import UDPChatImpairment
import UDPChatSimulation

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
