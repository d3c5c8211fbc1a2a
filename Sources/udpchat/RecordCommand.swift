import ArgumentParser

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Capture live traffic to a pcap file with libpcap.")

    func run() async throws {
        throw ValidationError("'udpchat record' is not implemented yet")
    }
}
