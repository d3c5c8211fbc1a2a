/// The noun for a count: `plural(1, "case")` is "case", `plural(2, "case")` "cases";
/// give the plural when it is not the singular plus "s" (`plural(n, "reply", "replies")`).
public func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    count == 1 ? singular : pluralForm ?? singular + "s"
}

/// "1 case", "3 cases".
public func counted(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(count) \(plural(count, singular, pluralForm))"
}
