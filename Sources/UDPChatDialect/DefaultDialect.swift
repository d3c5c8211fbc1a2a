// The contract's own format as a dialect: its file text, its templates, and what the built-in
// `default` answers through the hand-written codec where a template dialect uses its templates.
import UDPChatWire

extension Dialect {
    /// The contract's own wire format, in the dialect file format (`udpchat dialect show default`).
    public static let defaultSource = """
        # The udpchat contract's own wire format (PROTOCOL.md), as a dialect file.
        # Read and written by the hand-written codec: a file with exactly these keys and templates
        # is just as strict and fast.
        dialect: default
        format: text
        terminator: none
        peer-source: registered
        messages:
          REGISTER:   "REGISTER {id} {port}"
          REGISTERED: "REGISTERED {id} {port}"
          LOOKUP:     "LOOKUP {id}"
          PEER:       "PEER {id} {host} {port}"
          INACTIVE:   "INACTIVE {id}"
          LEAVE:      "LEAVE {id}"
          LEFT:       "LEFT {id}"
          ERROR:      "ERROR {code} {id}"
          CONNECT:    "CONNECT {conn} {id}"
          ACCEPT:     "ACCEPT {conn} {id}"
          REJECT:     "REJECT {conn} {id}"
          MSG:        "MSG {conn} {id} {seq} {text}"
          ACK:        "ACK {conn} {id} {seq}"
          TERMINATE:  "TERMINATE {conn} {id}"
          TERMINATED: "TERMINATED {conn} {id}"

        """

    /// The contract's templates, by verb (what makes a dialect `isContract`).
    static let contractTemplates: [Verb: String] = [
        .register: "REGISTER {id} {port}", .registered: "REGISTERED {id} {port}", .lookup: "LOOKUP {id}",
        .peer: "PEER {id} {host} {port}", .inactive: "INACTIVE {id}", .leave: "LEAVE {id}", .left: "LEFT {id}",
        .error: "ERROR {code} {id}", .connect: "CONNECT {conn} {id}", .accept: "ACCEPT {conn} {id}",
        .reject: "REJECT {conn} {id}", .msg: "MSG {conn} {id} {seq} {text}", .ack: "ACK {conn} {id} {seq}",
        .terminate: "TERMINATE {conn} {id}", .terminated: "TERMINATED {conn} {id}",
    ]

    /// The built-in `default` dialect: the contract's format through the hand-written codec.
    public static let `default`: Dialect = {
        do {
            return try Dialect.parse(yaml: defaultSource, file: "default")
        } catch {
            preconditionFailure("the built-in default dialect does not load: \(error)")
        }
    }()

    /// The contract's test for "looks like chat": the first word (up to a space or line end, within
    /// 16 bytes) is one of its verbs.
    static func startsWithVerb(_ bytes: [UInt8]) -> Bool {
        let firstWord = bytes.prefix(16).prefix { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D }
        return Verb(rawValue: String(decoding: firstWord, as: UTF8.self)) != nil
    }
}
