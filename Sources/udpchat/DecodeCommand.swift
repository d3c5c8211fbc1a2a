import ArgumentParser

struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Show a pcap/pcapng capture as chat protocol messages.")

    func run() async throws {
        throw ValidationError("'udpchat decode' is not implemented yet")
    }
}
