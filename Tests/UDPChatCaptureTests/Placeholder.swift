import Testing

@Test func captureBuilds() { #expect(1 + 1 == 2) }
