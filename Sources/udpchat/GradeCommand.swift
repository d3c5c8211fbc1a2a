import ArgumentParser

struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grade", abstract: "Grade a third-party server or client against the protocol, case by case.")

    func run() async throws {
        throw ValidationError("'udpchat grade' is not implemented yet")
    }
}
