import NIOConcurrencyHelpers
import UDPChatCore

/// Records a client's display events so a script or test can wait for one (with a timeout).
public final class EventRecorder: Sendable {
    private let box = NIOLockedValueBox<[ClientEvent]>([])

    public init() {}

    /// Pass this as a client's `onEvent`.
    public var sink: @Sendable (ClientEvent) -> Void {
        { [box] event in box.withLockedValue { $0.append(event) } }
    }

    /// Everything recorded so far, in order.
    public var events: [ClientEvent] { box.withLockedValue { $0 } }

    /// Waits until some recorded event (at or after index `from`) matches; returns it and its index.
    /// Polls every few milliseconds; throws `WaitTimeout` after `timeout`.
    @discardableResult
    public func wait(
        for description: String, from start: Int = 0, timeout: Duration = .seconds(10),
        _ matches: @Sendable (ClientEvent) -> Bool
    ) async throws -> (event: ClientEvent, index: Int) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let found: (ClientEvent, Int)? = box.withLockedValue { events in
                guard start < events.count else { return nil }
                for index in start..<events.count where matches(events[index]) { return (events[index], index) }
                return nil
            }
            if let found { return found }
            guard clock.now < deadline else { throw WaitTimeout(what: description, timeout: timeout) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A scripted wait that did not happen in time.
public struct WaitTimeout: Error, CustomStringConvertible, Sendable {
    public let what: String
    public let timeout: Duration
    public init(what: String, timeout: Duration) {
        self.what = what
        self.timeout = timeout
    }
    public var description: String { "timed out after \(timeout) waiting for \(what)" }
}
