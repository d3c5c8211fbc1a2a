// The steps the server cases (S-*) share: send a message from a grader socket and expect its answer, register.
import UDPChatSupport
import UDPChatWire

extension CaseContext {
    /// Sends `message` from `node` to the server under test and waits for `answer` (as the dialect
    /// tells messages apart); `why` follows the quoted answer in a FAIL's detail.
    @discardableResult
    func request(_ node: FakeNode, _ message: Message, expect answer: Message, why: String = "",
                 within: Duration = .seconds(2)) async throws -> TraceEvent {
        let sent = trace.now()
        try node.send(message, to: serverAddress)
        return try await expect("\(quote(answer))\(why.isEmpty ? "" : " (\(why))") in answer to \(quote(message, from: node)) from \(node.name)",
                                at: node, after: sent, within: within) { self.same($0, answer) }
    }

    /// Registers `id` from `node` (advertising its own port unless given) and expects REGISTERED;
    /// returns the id the node holds: `id`, or under `ids: server-assigned` the one the server gave
    /// (`registerAssigned`). A dialect without REGISTERED cannot show the answer: the REGISTER is
    /// sent and the server is given `registrationSettle` to take it in (a note in the trace); what the
    /// case judges comes after.
    @discardableResult
    func register(_ node: FakeNode, _ id: ClientID, port: UInt16? = nil) async throws -> ClientID {
        let port = port ?? node.address.port
        if assignsIDs, has(.registered) { return try await registerAssigned(node, port: port) }
        node.localID = id
        guard has(.registered) else {
            try node.send(.register(id: id, port: port), to: serverAddress)
            noteInferredRegistration(of: "\(id)")
            try await pause(registrationSettle)
            return id
        }
        try await request(node, .register(id: id, port: port), expect: .registered(id: id, port: port))
        return id
    }

    /// Whether the dialect's LEAVE names an id (else, under `ids: server-assigned`, it is the sender's).
    var leaveNamesID: Bool { dialect.templates[.leave]?.fields.contains(.id) ?? true }

    /// How long a REGISTER is given to take effect when the dialect has no REGISTERED to show it:
    /// half an RTO (a conforming server answers within one), at least 0.1 s and at most 1 s.
    var registrationSettle: Duration { min(max(rto / 2, .milliseconds(100)), .seconds(1)) }

    func noteInferredRegistration(of what: String) {
        trace.note("dialect \(dialect.name) has no REGISTERED: \(what) taken as registered "
            + "\(seconds(registrationSettle)) after its REGISTER (half an RTO, 0.1–1 s)")
    }

    /// Sends `message` from `node`, which the server must refuse: with `error` when the dialect has
    /// ERROR; without one (the refusal cannot be seen) the server must at least not answer `success`,
    /// and the case goes on to judge what remains observable (the state, through LOOKUP). When the
    /// dialect has neither ERROR nor `success`'s verb, nothing of the answer can be seen: the case is
    /// UNSUPPORTED unless `thenJudged` (what follows is the evidence).
    func refused(_ node: FakeNode, _ message: Message, error: Message, success: Message, thenJudged: Bool = true) async throws {
        if has(.error) {
            try await request(node, message, expect: error)
            return
        }
        let sent: Duration
        if has(success.verb) {
            trace.note("dialect \(dialect.name) has no ERROR: '\(error.serialized)' cannot be seen; judged on what remains observable")
            sent = trace.now()
            try node.send(message, to: serverAddress)
        } else if thenJudged {
            trace.note("dialect \(dialect.name) has neither ERROR nor \(success.verb.rawValue): the answer to \(quote(message, from: node)) "
                + "cannot be seen; judged on what remains observable")
            try node.send(message, to: serverAddress)
            try await pause(.milliseconds(400))
            return
        } else {
            throw CaseStop.unsupported("dialect \(dialect.name) has neither ERROR nor \(success.verb.rawValue): "
                + "whether \(quote(message, from: node)) is refused cannot be observed")
        }
        try await expectNone("\(quote(success)) in answer to \(quote(message, from: node)) from \(node.name) (it must be refused)",
                             at: node, after: sent, for: .milliseconds(400)) { self.same($0, success) }
    }

    /// Whether a LOOKUP answered with `verb` can be written and seen in the dialect.
    func canLookUp(_ verb: Verb) -> Bool { has(.lookup) && has(verb) }

    /// `lookup` where the dialect has LOOKUP and `answer`'s verb; else a note that `what` is not checked
    /// (the case is judged on the rest of its evidence).
    func lookupIfSeen(_ node: FakeNode, _ id: ClientID, expect answer: Message, what: String) async throws {
        guard canLookUp(answer.verb) else {
            trace.note("dialect \(dialect.name) has no \(has(.lookup) ? answer.verb.rawValue : "LOOKUP"): \(what) is not checked")
            return
        }
        try await lookup(node, id, expect: answer)
    }

    /// Looks `id` up from `node` and expects exactly `answer`.
    func lookup(_ node: FakeNode, _ id: ClientID, expect answer: Message) async throws {
        try require(answer.verb, for: "the answer '\(answer.serialized)' to LOOKUP cannot be seen")
        try await request(node, .lookup(id: id), expect: answer)
    }
}

/// The server-role catalogue: the grader plays many clients against one server.
enum ServerCases {
    static let client = "Client ↔ server"

    static let all: [GradeCase] = [
        GradeCase("S-REGISTER", .server, section: client, level: .must,
                  title: "REGISTER for a free id is answered REGISTERED <id> <port>", observes: [.registered]) { ctx in
            try await ctx.startServer()
            try await ctx.register(try await ctx.node("client-a"), 11)
        },
        GradeCase("S-REGISTER-REPEAT", .server, section: client, level: .must,
                  title: "a repeated REGISTER from the owner is answered REGISTERED again; a new port refreshes the address",
                  evidence: [[.registered], [.lookup, .peer]]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a")
            let b = try await ctx.node("client-b")
            // Under ids: server-assigned the repeats must be given the id of the first (not a new one).
            let idA = try await ctx.register(a, 11)
            try await ctx.register(a, idA)
            try await ctx.register(a, idA)
            // A refresh with another port changes the reachable address (a REGISTER without {port} cannot advertise one).
            var moved = a.address.port
            if ctx.registerHasPort {
                moved = a.address.port == 40_500 ? 40_501 : 40_500
                try await ctx.register(a, idA, port: moved)
            } else {
                ctx.trace.note("dialect \(ctx.dialect.name)'s REGISTER has no {port}: no refresh with another port")
            }
            try await ctx.register(b, 12)
            try await ctx.lookupIfSeen(b, idA, expect: .peer(id: idA, host: "127.0.0.1", port: moved), what: "the refreshed address")
        },
        GradeCase("S-LOOKUP-ACTIVE", .server, section: client, level: .must,
                  title: "LOOKUP of a registered id is answered PEER <id> <host> <port>",
                  sends: [.lookup], observes: [.peer]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), b = try await ctx.node("client-b")
            let idA = try await ctx.register(a, 11)
            let idB = try await ctx.register(b, 12)
            try await ctx.lookup(b, idA, expect: .peer(id: idA, host: "127.0.0.1", port: a.address.port))
            try await ctx.lookup(a, idB, expect: .peer(id: idB, host: "127.0.0.1", port: b.address.port))
        },
        GradeCase("S-LOOKUP-INACTIVE", .server, section: client, level: .must,
                  title: "LOOKUP of an id nobody holds is answered INACTIVE <id>",
                  sends: [.lookup], observes: [.inactive]) { ctx in
            try await ctx.startServer()
            let b = try await ctx.node("client-b")
            try await ctx.register(b, 12)
            try await ctx.lookup(b, 99, expect: .inactive(id: 99))
        },
        GradeCase("S-LOOKUP-UNREGISTERED", .server, section: client, level: .must,
                  title: "LOOKUP from an unregistered address is refused with ERROR NOT_REGISTERED <looked-up id>",
                  sends: [.lookup]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), stranger = try await ctx.node("stranger", id: 99)
            let idA = try await ctx.register(a, 11)
            try await ctx.refused(stranger, .lookup(id: idA), error: .error(code: .notRegistered, id: idA),
                                  success: .peer(id: idA, host: "127.0.0.1", port: a.address.port), thenJudged: false)
        },
        GradeCase("S-LEAVE", .server, section: client, level: .must,
                  title: "LEAVE from the owner removes it and is answered LEFT; a LOOKUP then says INACTIVE",
                  sends: [.leave], observes: [.left]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), b = try await ctx.node("client-b")
            let idA = try await ctx.register(a, 11)
            try await ctx.register(b, 12)
            try await ctx.request(a, .leave(id: idA), expect: .left(id: idA))
            try await ctx.lookupIfSeen(b, idA, expect: .inactive(id: idA), what: "that \(idA) is gone")
        },
        GradeCase("S-LEAVE-REPEAT", .server, section: client, level: .must,
                  title: "LEAVE is answered LEFT again when repeated, and for an id nobody holds",
                  sends: [.leave], observes: [.left]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), other = try await ctx.node("client-c")
            let idA = try await ctx.register(a, 11)
            try await ctx.request(a, .leave(id: idA), expect: .left(id: idA))
            try await ctx.request(a, .leave(id: idA), expect: .left(id: idA), why: "again: the first LEFT may have been lost")
            try await ctx.request(other, .leave(id: 777), expect: .left(id: 777), why: "an id nobody holds")
        },
        GradeCase("S-LEAVE-NOT-OWNER", .server, section: client, level: .must,
                  title: "LEAVE for an id owned by another address is refused with ERROR NOT_OWNER and changes nothing",
                  sends: [.leave], evidence: [[.error], [.left], [.lookup, .peer]]) { ctx in
            try await ctx.startServer()
            if !ctx.leaveNamesID {
                throw CaseStop.unsupported("dialect \(ctx.dialect.name)'s LEAVE names no id (ids: server-assigned): another address cannot name the owner's")
            }
            let a = try await ctx.node("client-a"), b = try await ctx.node("client-b")
            let idA = try await ctx.register(a, 11)
            try await ctx.register(b, 12)
            try await ctx.refused(b, .leave(id: idA), error: .error(code: .notOwner, id: idA), success: .left(id: idA),
                                  thenJudged: ctx.canLookUp(.peer))
            try await ctx.lookupIfSeen(b, idA, expect: .peer(id: idA, host: "127.0.0.1", port: a.address.port), what: "that the owner keeps \(idA)")
        },
        GradeCase("S-ID-IN-USE", .server, section: client, level: .must,
                  title: "REGISTER of an id owned by another address is refused with ERROR ID_IN_USE (which wins over ADDRESS_IN_USE); the owner keeps it",
                  evidence: [[.error], [.registered], [.lookup, .peer]]) { ctx in
            try ctx.requireChosenIDs("a client cannot ask for an id another address holds (that an address keeps its one id is judged by S-REGISTER-REPEAT and S-ADDRESS-IN-USE)")
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), thief = try await ctx.node("client-b")
            try await ctx.register(a, 11)
            try await ctx.refused(thief, .register(id: 11, port: thief.address.port), error: .error(code: .idInUse, id: 11),
                                  success: .registered(id: 11, port: thief.address.port))
            try await ctx.lookupIfSeen(a, 11, expect: .peer(id: 11, host: "127.0.0.1", port: a.address.port), what: "that the owner keeps 11")
            // Which error wins is only visible in ERROR's code.
            guard ctx.has(.error) else { return }
            // Where both apply (12's owner asks for 11), ID_IN_USE wins.
            try await ctx.register(thief, 12)
            try await ctx.request(thief, .register(id: 11, port: thief.address.port), expect: .error(code: .idInUse, id: 11),
                                  why: "both ID_IN_USE and ADDRESS_IN_USE apply: ID_IN_USE wins")
        },
        GradeCase("S-ADDRESS-IN-USE", .server, section: client, level: .must,
                  title: "a second id from the same address is refused with ERROR ADDRESS_IN_USE <new id>",
                  evidence: [[.error], [.registered], [.lookup, .inactive]]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a")
            let idA = try await ctx.register(a, 11)
            if ctx.assignsIDs {
                // No second id can be asked for: a REGISTER from the address (with another port where the
                // dialect has one) must be given the id the address holds, not a second one.
                let other: UInt16 = ctx.registerHasPort ? (a.address.port == 40_600 ? 40_601 : 40_600) : a.address.port
                try await ctx.register(a, idA, port: other)
                return
            }
            try await ctx.refused(a, .register(id: 12, port: a.address.port), error: .error(code: .addressInUse, id: 12),
                                  success: .registered(id: 12, port: a.address.port))
            try await ctx.lookupIfSeen(a, 12, expect: .inactive(id: 12), what: "that 12 was not registered")
        },
        GradeCase("S-ADVERTISED-PORT", .server, section: client, level: .must,
                  title: "PEER gives the owner's IP with the port advertised in REGISTER, not the source port",
                  sends: [.lookup], observes: [.peer]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), b = try await ctx.node("client-b")
            if !ctx.registerHasPort {
                throw CaseStop.unsupported("dialect \(ctx.dialect.name)'s REGISTER has no {port}: no port can be advertised")
            }
            let advertised: UInt16 = a.address.port == 40_404 ? 40_405 : 40_404
            let idA = try await ctx.register(a, 11, port: advertised)
            try await ctx.register(b, 12)
            try await ctx.lookup(b, idA, expect: .peer(id: idA, host: "127.0.0.1", port: advertised))
        },
        GradeCase("S-CONCURRENT", .server, section: client, level: .must,
                  title: "50 clients registering, looking up and leaving at once are all served correctly",
                  evidence: [[.registered], [.lookup, .peer], [.leave, .left]]) { ctx in
            try await ctx.startServer()
            try await concurrent(ctx, count: 50)
        },
        GradeCase("S-MALFORMED", .server, section: "Datagrams", level: .must,
                  title: "malformed datagrams of every kind are dropped: no answer, no state change, no crash") { ctx in
            try await ctx.startServer()
            try await malformed(ctx)
        },
        GradeCase("S-NEWLINE", .server, section: "Datagrams", level: .must,
                  title: "one trailing \\n or \\r\\n is accepted and stripped", evidence: [[.registered], [.lookup, .peer]]) { ctx in
            try await ctx.startServer()
            let a = try await ctx.node("client-a"), b = try await ctx.node("client-b")
            var ids: [ClientID] = [21, 22]
            for (index, (node, ending)) in [(a, "\n"), (b, "\r\n")].enumerated() {
                let id = ids[index]
                let sent = ctx.trace.now()
                node.localID = id
                try node.send(.register(id: id, port: node.address.port), to: ctx.serverAddress, ending: ending)
                guard ctx.has(.registered) else {
                    // Seen through LOOKUP instead: the id is held, at the node's address.
                    ctx.noteInferredRegistration(of: "\(id)")
                    try await ctx.pause(ctx.registrationSettle)
                    continue
                }
                let expected = Message.registered(id: id, port: node.address.port)
                let what = ctx.assignsIDs ? "REGISTERED with the id the server gives" : ctx.quote(expected)
                let answer = try await ctx.expect("\(what) (the trailing newline stripped)", at: node, after: sent, within: .seconds(2)) {
                    ctx.assignsIDs ? $0.verb == .registered : ctx.same($0, expected)
                }
                if ctx.assignsIDs, let given = answer.message?.id {
                    ids[index] = given
                    node.localID = given
                    ctx.setGivenID(given, for: node)
                }
            }
            if !ctx.has(.registered) {
                try await ctx.lookup(a, ids[1], expect: .peer(id: ids[1], host: "127.0.0.1", port: b.address.port))
                try await ctx.lookup(b, ids[0], expect: .peer(id: ids[0], host: "127.0.0.1", port: a.address.port))
            }
        },
        GradeCase("S-TABLE", .server, section: client, level: .info,
                  title: "the table of active clients is printed after every change and only then (informational)") { ctx in
            try await ctx.startServer()
            do {
                try await table(ctx)
            } catch let stop as CaseStop where stop.verdict == .fail {
                ctx.lenient("table (informational) not checked: \(stop.reason)")
            }
        },
    ]

    static func concurrent(_ ctx: CaseContext, count: Int) async throws {
        var nodes: [FakeNode] = []
        for index in 0..<count { nodes.append(try await ctx.node("client-\(index + 1)")) }
        var ids = (0..<count).map { ClientID(100 + $0) }
        for (node, id) in zip(nodes, ids) { node.localID = id }
        // Everyone at once; like real clients, re-send after 0.5 s while unanswered.
        if ctx.has(.registered) {
            let started = ctx.trace.now()
            let registered = ids, assigns = ctx.assignsIDs
            try await allAnswered(ctx, nodes, { .register(id: registered[$0], port: nodes[$0].address.port) },
                                  { .registered(id: registered[$0], port: nodes[$0].address.port) },
                                  matches: assigns ? { _, message in message.verb == .registered } : nil, what: "REGISTER")
            if assigns { ids = try assignedIDs(ctx, nodes, since: started) }
        } else {
            // No answer to wait for: each REGISTER once, then the settle time (the LOOKUP phase judges it).
            for (node, id) in zip(nodes, ids) { try node.send(.register(id: id, port: node.address.port), to: ctx.serverAddress) }
            ctx.noteInferredRegistration(of: "all \(count)")
            try await ctx.pause(ctx.registrationSettle)
        }
        // The phases a dialect cannot write or see are left out; what remains is still judged.
        let held = ids
        var last: (Int) -> Message = { .registered(id: held[$0], port: nodes[$0].address.port) }
        if ctx.canLookUp(.peer) {
            let peer: (Int) -> Message = { .peer(id: held[($0 + 1) % count], host: "127.0.0.1", port: nodes[($0 + 1) % count].address.port) }
            try await allAnswered(ctx, nodes, { .lookup(id: held[($0 + 1) % count]) }, peer, previous: last, what: "LOOKUP")
            last = peer
        } else {
            ctx.trace.note("dialect \(ctx.dialect.name) has no \(ctx.has(.lookup) ? "PEER" : "LOOKUP"): no LOOKUP phase")
        }
        if ctx.has(.leave), ctx.has(.left) {
            try await allAnswered(ctx, nodes, { .leave(id: held[$0]) }, { .left(id: held[$0]) }, previous: last, what: "LEAVE")
        } else {
            ctx.trace.note("dialect \(ctx.dialect.name) has no \(ctx.has(.leave) ? "LEFT" : "LEAVE"): no LEAVE phase")
        }
        try ctx.expectAlive("after serving \(count) clients")
    }

    /// One phase of S-CONCURRENT: every node sends `make(i)` and re-sends it every 0.5 s (8 tries)
    /// until it got `expected(i)`. Only datagrams since the phase started count; a pending node may
    /// still get the previous phase's answer (`previous(i)`: a late answer to a re-send there, not a
    /// fault), anything else is a wrong answer. `matches` replaces "the same as `expected(i)`" (any
    /// REGISTERED, when the server assigns the ids).
    static func allAnswered(_ ctx: CaseContext, _ nodes: [FakeNode], _ make: (Int) -> Message, _ expected: @escaping (Int) -> Message,
                            matches: ((Int, Message) -> Bool)? = nil, previous: ((Int) -> Message)? = nil, what: String) async throws {
        let fits = matches ?? { node, message in ctx.same(message, expected(node)) }
        let count = nodes.count
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($0.element.name, $0.offset) })
        let phaseStart = ctx.trace.now()
        var pending = Set(0..<count)
        for attempt in 0..<8 where !pending.isEmpty {
            for node in pending { try nodes[node].send(make(node), to: ctx.serverAddress, tag: attempt > 0 ? "re-send" : nil) }
            try await ctx.pause(.milliseconds(500))
            let events = ctx.trace.events.filter { $0.kind == .received && $0.time >= phaseStart }
            for event in events {
                guard let node = index[event.node], pending.contains(node) else { continue }
                if let message = event.message, fits(node, message) { pending.remove(node) }
            }
            if let wrong = events.first(where: { event in
                guard let node = index[event.node], pending.contains(node) else { return false }
                guard let message = event.message else { return true }
                // Under ids: server-assigned a late REGISTERED may carry a second id for a re-sent REGISTER:
                // that fault is S-REGISTER-REPEAT's; here it is a late answer of the first phase.
                let lateRegistered = ctx.assignsIDs && message.verb == .registered
                return !fits(node, message) && !lateRegistered && !(previous.map { ctx.same(message, $0(node)) } ?? false)
            }) {
                throw CaseStop.fail("\(what): \(wrong.node) got '\(wrong.text)' at t=\(seconds(wrong.time)), "
                    + "expected \(ctx.quote(expected(index[wrong.node]!)))")
            }
        }
        if let node = pending.sorted().first {
            throw CaseStop.fail("\(what): \(pending.count) of \(count) clients got no answer after 8 tries 0.5 s apart, "
                + "e.g. \(nodes[node].name) sending \(ctx.quote(make(node), from: nodes[node])); observed \(ctx.observed(at: nodes[node], after: phaseStart))")
        }
    }

    /// The ids a server that assigns them gave the nodes in S-CONCURRENT's REGISTER phase (each
    /// node's first REGISTERED since `since`); two nodes given one id is a FAIL.
    static func assignedIDs(_ ctx: CaseContext, _ nodes: [FakeNode], since: Duration) throws -> [ClientID] {
        let events = ctx.trace.events.filter { $0.kind == .received && $0.time >= since && $0.message?.verb == .registered }
        var owner: [ClientID: String] = [:]
        return try nodes.map { node in
            let id = events.first { $0.node == node.name }?.message?.id ?? 0
            if let other = owner[id] {
                throw CaseStop.fail("REGISTER: \(other) and \(node.name) were both given id \(id); each address must get an id of its own")
            }
            owner[id] = node.name
            node.localID = id
            ctx.setGivenID(id, for: node)
            return id
        }
    }

    static func malformed(_ ctx: CaseContext) async throws {
        let owner = try await ctx.node("client-a"), other = try await ctx.node("client-b"), stranger = try await ctx.node("stranger", id: 99)
        let ownerID = try await ctx.register(owner, 11)
        try await ctx.register(other, 12)
        let start = ctx.trace.now()
        // The dialect's malformed samples: the contract's hand-written list, or a dialect's variants of its own messages.
        for item in ctx.dialect.malformedSamples(for: .server(owner: ownerID, ownerPort: owner.address.port)) {
            (item.sender == .owner ? owner : stranger).send(item.bytes, to: ctx.serverAddress, tag: "malformed: \(item.why)")
            try await ctx.pause(.milliseconds(10))
        }
        try await ctx.pause(.milliseconds(400))
        try ctx.expectAlive("after malformed datagrams: a malformed datagram must never crash the receiver")
        for node in [owner, stranger] {
            if let answer = ctx.trace.events.first(where: { $0.kind == .received && $0.node == node.name && $0.time >= start }) {
                let cause = ctx.trace.events.last(where: { $0.kind == .sent && $0.node == node.name && $0.time <= answer.time })
                throw CaseStop.fail("expected malformed datagrams to be dropped without an answer, but '\(cause?.text ?? "?")' "
                    + "(\(cause?.tag ?? "")) was answered with '\(answer.text)' at t=\(seconds(answer.time))")
            }
        }
        // State unchanged: 11 still at the owner's port, 31 never registered, the stranger still unregistered.
        try await ctx.lookupIfSeen(other, ownerID, expect: .peer(id: ownerID, host: "127.0.0.1", port: owner.address.port),
                                   what: "that \(ownerID) kept its address")
        if !ctx.assignsIDs {  // 31: the contract's garbage REGISTERs it; an assigning server may hand any id out
            try await ctx.lookupIfSeen(other, 31, expect: .inactive(id: 31), what: "that 31 was never registered")
        }
        if ctx.has(.error) { try await ctx.lookup(stranger, ownerID, expect: .error(code: .notRegistered, id: ownerID)) }
    }

    static func table(_ ctx: CaseContext) async throws {
        let a = try await ctx.node("client-a")
        var notes: [String] = []
        let beforeRegister = ctx.trace.now()
        let id = try await ctx.register(a, 11)
        try await ctx.pause(.milliseconds(300))
        let afterRegister = ctx.trace.events.filter { $0.kind == .stdout && $0.time >= beforeRegister }
        if !afterRegister.contains(where: { $0.text.contains("\(id)") }) {
            notes.append("no console line mentioning client \(id) after it registered")
        }
        let beforeRepeat = ctx.trace.now()
        try await ctx.register(a, id)
        try await ctx.pause(.milliseconds(300))
        let afterRepeat = ctx.trace.events.filter { $0.kind == .stdout && $0.time >= beforeRepeat }
        if !afterRepeat.isEmpty {
            notes.append("a repeated REGISTER (no change) printed \(counted(afterRepeat.count, "console line")), e.g. '\(afterRepeat[0].text)'")
        }
        if ctx.has(.leave), ctx.has(.left) {
            let beforeLeave = ctx.trace.now()
            try await ctx.request(a, .leave(id: id), expect: .left(id: id))
            try await ctx.pause(.milliseconds(300))
            if ctx.trace.events.filter({ $0.kind == .stdout && $0.time >= beforeLeave }).isEmpty {
                notes.append("nothing printed after client \(id) left")
            }
        } else {
            ctx.trace.note("dialect \(ctx.dialect.name) has no \(ctx.has(.leave) ? "LEFT" : "LEAVE"): the table after a LEAVE is not checked")
        }
        for note in notes { ctx.lenient("table (informational): \(note)") }
    }
}
