// Dialect inference: each datagram given a contract verb by the exchange it belongs to (register,
// look up, connect, chat, terminate, leave), with the values its fields should carry.
import UDPChatSupport
import UDPChatWire

/// A datagram placed in an exchange: its verb and the values its fields should hold.
struct InferPlaced: Sendable {
    var index: Int
    var verb: Verb
    var shape: InferShape
    /// `{id}`: the client the message is about (the looked-up one for LOOKUP/PEER/INACTIVE, the sender of peer messages).
    var subject: ClientID?
    var selfID: ClientID?
    var receiver: ClientID?
    var port: UInt16?
    /// MSG: its number among its sender's messages (1, 2, …); ACK: the number of the MSG it answers.
    var seq: Int?
    /// The request it answers, or its answer: a `{tag}` repeats a number between them.
    var partner: Int?
    /// The connection it belongs to (peer messages): its `{conn}` is a number all of them repeat.
    var connection: Int?
    var exchange: String
}

/// Walks the datagrams in order and places them (one connection at a time; see DIALECTS.md).
struct InferPlacer {
    let server: Endpoint
    let values: InferValues
    let json: Bool
    var placed: [InferPlaced] = []
    var unplaced: [String] = []
    var owner: [Endpoint: ClientID] = [:]
    var serverAssigned = false
    var foreignPeerSource = false
    /// The last request of each (from, to), as an index into `placed`.
    var lastRequest: [[Endpoint]: Int] = [:]
    var answered: Set<Int> = []
    /// The bytes each peer request was answered with: the same answer again is a duplicate.
    var answerBytes: [Int: Set<[UInt8]>] = [:]
    var requestVerbs: [[UInt8]: (from: Endpoint, to: Endpoint, placed: Int)] = [:]
    var lastLookup: (asker: ClientID?, looked: ClientID)?
    var connection: InferConnection?
    var connections = 0
    var msgCount: [ClientID: Int] = [:]
    /// Relayed designs: a client the server relayed a chat message to, and that message.
    var relayedTo: [Endpoint: Int] = [:]
    /// Relayed designs: the last datagram (its index) a client sent the server naming another client's
    /// id (`TO 21 CONNECT` from 22), by the id named: what the server sends that client next, before it
    /// asks anything itself, passes it on (`FROM 22 CONNECT`) and answers none of its own requests.
    var namedBy: [ClientID: (index: Int, from: ClientID)] = [:]
    /// The first chat message with a named text: others of its shape are chat with texts not named.
    var firstChat: InferShape?
    var firstChatIndex: Int?

    init(server: Endpoint, values: InferValues, json: Bool) {
        self.server = server
        self.values = values
        self.json = json
    }

    mutating func place(_ index: Int, _ datagram: InferDatagram, payload: [UInt8]) {
        guard let shape = InferTokenizer.shape(payload, json: json, texts: values.texts) else {
            unplaced.append("#\(index + 1) \(datagram.from) → \(datagram.to): not \(json ? "a JSON object" : "text") like the others: \(Self.quote(datagram.bytes))")
            return
        }
        // A re-send: the same request again (but the same CONNECT after its answer is a new one).
        if let earlier = requestVerbs[datagram.bytes], earlier.from == datagram.from, earlier.to == datagram.to,
           !(placed[earlier.placed].verb == .connect && answered.contains(earlier.placed)) {
            var copy = placed[earlier.placed]
            copy.index = index
            placed.append(copy)
            return
        }
        if datagram.to == server {
            toServer(index, datagram, shape)
        } else if datagram.from == server {
            fromServer(index, datagram, shape)
        } else {
            betweenPeers(index, datagram, shape)
        }
    }

    mutating func record(_ item: InferPlaced, request: Bool, _ datagram: InferDatagram) {
        placed.append(item)
        if request {
            lastRequest[[datagram.from, datagram.to]] = placed.count - 1
            requestVerbs[datagram.bytes] = (datagram.from, datagram.to, placed.count - 1)
        }
    }

    static func quote(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription
    }
}

/// The connection being set up or in use.
struct InferConnection: Sendable {
    var number: Int
    var caller: ClientID?
    var callee: ClientID?
    var connectSkeleton: String
    /// Answers to CONNECT, ACCEPT until it turns out they were REJECT (a new CONNECT, no chat).
    var answer: Int?
    var inUse = false
    var ended = false
}
