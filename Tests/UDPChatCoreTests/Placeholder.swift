import Testing

@Test func corePlaceholder() { #expect(1 + 1 == 2) }
