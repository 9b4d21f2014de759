import Testing

@Test func placeholderCronTests() {}
