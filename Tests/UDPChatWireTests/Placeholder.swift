import Testing

@Test func wirePlaceholder() { #expect(1 + 1 == 2) }
