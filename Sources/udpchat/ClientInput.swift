import Dispatch
import NIOConcurrencyHelpers
import UDPChatCore
import UDPChatRuntime
import UDPChatTerminal

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the client's input goes — typed commands, Ctrl-C and the end of input — with the quit
/// rules in one place: Ctrl-C is /quit (the client's second /quit forces the exit), and the end
/// of input is /quit unless the user already asked to quit.
final class ClientInput: Sendable {
    /// Re-sends without an answer before the client says the other side is not answering.
    static let notAnsweringAfter = 3

    private struct State {
        var client: ChatClientRuntime?
        var quitAsked = false
        /// Commands that came before the client was up.
        var early: [UserCommand] = []
    }

    private let state = NIOLockedValueBox(State())
    /// Kept alive for the life of the process (set once, by `catchInterrupts`).
    nonisolated(unsafe) private static var interruptSource: (any DispatchSourceSignal)?

    /// The client is up: submits what came before.
    func attach(_ client: ChatClientRuntime) {
        let early = state.withLockedValue { state -> [UserCommand] in
            state.client = client
            defer { state.early = [] }
            return state.early
        }
        early.forEach(client.submit)
    }

    func handle(_ action: ChatConsole.Action) {
        let command: UserCommand? = state.withLockedValue { state in
            switch action {
            case .command(let command):
                if command == .quit { state.quitAsked = true }
                return command
            case .interrupt:
                state.quitAsked = true
                return .quit
            case .endOfInput:
                if state.quitAsked { return nil }
                state.quitAsked = true
                return .quit
            }
        }
        guard let command else { return }
        let client = state.withLockedValue { state -> ChatClientRuntime? in
            if state.client == nil { state.early.append(command) }
            return state.client
        }
        client?.submit(command)
    }

    /// Turns SIGINT into Ctrl-C: `onTerminal` when a terminal console shows it, else `.interrupt`.
    func catchInterrupts(onTerminal: (@Sendable () -> Void)?) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [self] in
            if let onTerminal { onTerminal() } else { handle(.interrupt) }
        }
        source.resume()
        Self.interruptSource = source
    }
}
