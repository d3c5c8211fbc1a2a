import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import UDPChatCore
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

/// A tiny UDP relay in front of one client: peers talk to `front`; the relay forwards to the client
/// from `back` and sends the client's answers out of `front` (as an ordinary UDP relay does).
/// Every datagram is dropped or duplicated by a seeded coin, in both directions.
final class LossyRelay: Sendable {
    let front: Channel
    let back: Channel
    let counters = NIOLockedValueBox<(dropped: Int, duplicated: Int, forwarded: Int)>((0, 0, 0))

    init(front: Channel, back: Channel) {
        self.front = front
        self.back = back
    }

    /// Where the relay forwards to (set once the client behind it is bound).
    let target = NIOLockedValueBox<SocketAddress?>(nil)

    static func start(dropRate: Double, duplicateRate: Double, seed: UInt64) async throws -> LossyRelay {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let front = try await DatagramBootstrap(group: loop).bind(host: "127.0.0.1", port: 0).get()
        let back = try await DatagramBootstrap(group: loop).bind(host: "127.0.0.1", port: 0).get()
        let relay = LossyRelay(front: front, back: back)
        let lastPeer = NIOLockedValueBox<SocketAddress?>(nil)
        let random = NIOLockedValueBox(SplitMix64(seed: seed))
        let impair: @Sendable (Channel, SocketAddress, ByteBuffer) -> Void = { channel, destination, data in
            let (drop, duplicate) = random.withLockedValue { ($0.nextUnit() < dropRate, $0.nextUnit() < duplicateRate) }
            if drop {
                relay.counters.withLockedValue { $0.dropped += 1 }
                return
            }
            let copies = duplicate ? 2 : 1
            relay.counters.withLockedValue {
                $0.forwarded += 1
                if duplicate { $0.duplicated += 1 }
            }
            for _ in 0..<copies {
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: data), promise: nil)
            }
        }
        try await front.pipeline.addHandler(Forwarder { envelope in
            lastPeer.withLockedValue { $0 = envelope.remoteAddress }
            guard let target = relay.target.withLockedValue({ $0 }) else { return }
            impair(back, target, envelope.data)
        }).get()
        try await back.pipeline.addHandler(Forwarder { envelope in
            guard let peer = lastPeer.withLockedValue({ $0 }) else { return }
            impair(front, peer, envelope.data)
        }).get()
        return relay
    }

    var frontPort: UInt16 { UInt16(front.localAddress!.port!) }

    func close() async {
        try? await front.close()
        try? await back.close()
    }

    private final class Forwarder: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let onDatagram: @Sendable (AddressedEnvelope<ByteBuffer>) -> Void
        init(_ onDatagram: @escaping @Sendable (AddressedEnvelope<ByteBuffer>) -> Void) { self.onDatagram = onDatagram }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { onDatagram(unwrapInboundIn(data)) }
        func errorCaught(context: ChannelHandlerContext, error: Error) {}
    }
}

@Suite("Chat through a relay that drops and duplicates datagrams")
struct LossyRelayTests {
    @Test("exactly-once, in-order display both ways despite 25% loss and 25% duplication", arguments: [UInt64(1), 2])
    func exactlyOnceThroughLossyRelay(seed: UInt64) async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let relay = try await LossyRelay.start(dropRate: 0.25, duplicateRate: 0.25, seed: seed)
        defer { Task { await relay.close() } }
        // Bob sits behind the relay and advertises the relay's port; Alice talks to him only through it.
        let bob = try await TestClient.start(id: 2, server: server.endpoint, advertisePort: relay.frontPort, seed: seed &+ 100)
        relay.target.withLockedValue { $0 = try? bob.runtime.localAddress.socketAddress() }
        let alice = try await TestClient.start(id: 1, server: server.endpoint, seed: seed)
        try await alice.registered()
        try await bob.registered()

        try await connect(alice, to: bob)
        let fromAlice = (1...20).map { "alice \($0)" }
        let fromBob = (1...20).map { "bob \($0)" }
        for (a, b) in zip(fromAlice, fromBob) {
            alice.submit(a)
            bob.submit(b)
        }
        try await eventually("all messages delivered", timeout: .seconds(60)) { alice.delivered.count >= 20 && bob.delivered.count >= 20 }
        alice.submit("/end")
        try await alice.wait("alice sees the end") { $0 == .terminated(peer: 2, byPeer: false) }
        try await bob.wait("bob sees the end") { $0 == .terminated(peer: 1, byPeer: true) }

        #expect(bob.delivered == fromAlice)
        #expect(alice.delivered == fromBob)
        let counters = relay.counters.withLockedValue { $0 }
        #expect(counters.dropped > 0)
        #expect(counters.duplicated > 0)
        // Retransmissions and duplicates happened, yet nothing was displayed twice.
        let duplicatesSeen = (alice.recorder.events + bob.recorder.events).filter {
            if case .duplicateDiscarded = $0 { true } else { false }
        }
        #expect(!duplicatesSeen.isEmpty)

        alice.submit("/quit")
        bob.submit("/quit")
        #expect(try await withTimeout("alice exit") { try await alice.runtime.exit() } == .left)
        #expect(try await withTimeout("bob exit") { try await bob.runtime.exit() } == .left)
    }
}
