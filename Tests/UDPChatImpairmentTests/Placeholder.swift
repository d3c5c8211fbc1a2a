import Testing

@Test func impairmentBuilds() { #expect(1 + 1 == 2) }
