// Dialect inference: the `--values` file, the session's values as YAML
// (`ids: [1, 2]`, `ports: [40001]`, `texts: ["hello"]`), read from its text.
import UDPChatSupport
import UDPChatWire
internal import Yams

extension InferValues {
    /// Reads a values file's text; throws `UDPChatError` naming the key or value that is wrong.
    public static func parse(yaml text: String, file: String) throws(UDPChatError) -> InferValues {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw UDPChatError.infer("\(file): not YAML: \(error)") }
        guard let mapping = root?.mapping else { throw UDPChatError.infer("\(file): a values file is a mapping (ids:, ports:, texts:)") }
        var values = InferValues()
        for (keyNode, node) in mapping {
            let key = keyNode.string ?? ""
            let items = node.sequence.map { Array($0) } ?? [node]
            let scalars = items.compactMap(\.string)
            switch key {
            case "ids":
                values.ids = try scalars.map { (s: String) throws(UDPChatError) -> ClientID in
                    guard let id = ClientID(s), id > 0, id <= WireLimits.maxID else { throw UDPChatError.infer("\(file): ids: \(s.debugDescription) is not a client id (1 … 2147483647)") }
                    return id
                }
            case "ports":
                values.ports = try scalars.map { (s: String) throws(UDPChatError) -> UInt16 in
                    guard let port = UInt16(s), port > 0 else { throw UDPChatError.infer("\(file): ports: \(s.debugDescription) is not a port (1 … 65535)") }
                    return port
                }
            case "texts": values.texts = scalars
            default: throw UDPChatError.infer("\(file): unknown key \(key.debugDescription) (ids, ports, texts)")
            }
        }
        return values
    }

    /// These values and `other`'s, without repeats.
    public func merged(with other: InferValues) -> InferValues {
        func unique<T: Hashable>(_ list: [T]) -> [T] { var seen = Set<T>(); return list.filter { seen.insert($0).inserted } }
        return InferValues(ids: unique(ids + other.ids), ports: unique(ports + other.ports), texts: unique(texts + other.texts))
    }
}
