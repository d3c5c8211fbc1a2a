import NIOCore

/// A copy waiting for its send time.
struct PendingSend {
    var at: Int64
    var order: UInt64
    var up: Bool
    var flow: UInt64
    var buffer: ByteBuffer
}

/// A binary min-heap of pending sends ordered by (time, arrival order): FIFO among equal times.
struct DelayQueue {
    private var items: [PendingSend] = []
    private var counter: UInt64 = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var first: PendingSend? { items.first }

    mutating func push(at: Int64, up: Bool, flow: UInt64, buffer: ByteBuffer) {
        counter &+= 1
        items.append(PendingSend(at: at, order: counter, up: up, flow: flow, buffer: buffer))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

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

    mutating func removeAll() { items.removeAll() }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].at != items[b].at ? items[a].at < items[b].at : items[a].order < items[b].order
    }
}
