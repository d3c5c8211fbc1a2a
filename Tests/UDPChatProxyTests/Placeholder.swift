import Testing

@Test func proxyBuilds() { #expect(1 + 1 == 2) }
