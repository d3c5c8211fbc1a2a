import Testing

@Test func runtimeBuilds() { #expect(1 + 1 == 2) }
