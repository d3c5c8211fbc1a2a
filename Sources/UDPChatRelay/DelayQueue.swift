import UDPChatImpairment
import UDPChatSupport

/// A copy waiting for its send time.
@usableFromInline
struct PendingSend: Sendable {
    @usableFromInline var at: Instant
    @usableFromInline var order: UInt64
    @usableFromInline var direction: Direction
    @usableFromInline var flow: UInt64
    @usableFromInline var bytes: [UInt8]

    @usableFromInline
    init(at: Instant, order: UInt64, direction: Direction, flow: UInt64, bytes: [UInt8]) {
        self.at = at
        self.order = order
        self.direction = direction
        self.flow = flow
        self.bytes = bytes
    }
}

/// A binary min-heap of pending sends ordered by (time, arrival order): FIFO among equal times.
@usableFromInline
struct DelayQueue: Sendable {
    @usableFromInline var items: [PendingSend] = []
    @usableFromInline var counter: UInt64 = 0

    @usableFromInline init() {}

    @inlinable var count: Int { items.count }
    @inlinable var first: PendingSend? { items.first }

    @inlinable
    mutating func push(at: Instant, direction: Direction, flow: UInt64, bytes: [UInt8]) {
        counter &+= 1
        items.append(PendingSend(at: at, order: counter, direction: direction, flow: flow, bytes: bytes))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable
    mutating func pop() -> PendingSend? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < items.count, less(left, best) { best = left }
            if right < items.count, less(right, best) { best = right }
            if best == parent { break }
            items.swapAt(parent, best)
            parent = best
        }
        return top
    }

    @inlinable
    func less(_ a: Int, _ b: Int) -> Bool {
        items[a].at != items[b].at ? items[a].at < items[b].at : items[a].order < items[b].order
    }
}
