import ArgumentParser
import UDPChatDialect
import UDPChatImpairment
import UDPChatSupport

/// The impairment options shared by `udpchat proxy` and `udpchat transparent`: netem's vocabulary,
/// protocol-aware rules, the dialect they read, counting by verb. One parser for both commands.
struct ImpairmentOptions: ParsableArguments {
    @Option(help: "Loss: 10%, 10%,corr=25%, Gilbert-Elliott ge:p=1%,r=25%[,h=0%,k=100%] or netem's 4-state 'state P13 [P31 [P32 [P23 [P14]]]]'.") var loss: [String] = []
    @Option(help: "Base delay: 50ms.") var delay: [String] = []
    @Option(help: "Jitter around the delay: 10ms, or with netem's delay correlation 10ms,corr=25%.") var jitter: [String] = []
    @Option(help: "Jitter distribution: uniform, normal, pareto.") var distribution: [String] = []
    @Option(help: "Whether jitter may reorder: true or false (default false: FIFO per direction).") var jitterReorder: [String] = []
    @Option(help: "Duplicate probability: 5% or 5%,corr=25%.") var duplicate: [String] = []
    @Option(help: "Reorder probability: 10%[,hold=50ms][,corr=25%][,gap=N] (held until the next datagram overtakes, at most hold).") var reorder: [String] = []
    @Option(help: "Corrupt probability (flips one bit): 1% or 1%,corr=25%.") var corrupt: [String] = []
    @Option(help: "Truncate datagrams longer than N bytes.") var mtu: [String] = []
    @Option(help: "Rate limit: 1mbit, 500kbit, 100kbps (bytes/s).") var rate: [String] = []
    @Option(help: "Rate limiter queue limit in datagrams (default 1000).") var queue: [String] = []
    @Option(help: "netem's limit: most datagrams waiting (delayed, queued, in a slot) per direction; beyond are dropped.") var limit: [String] = []
    @Option(help: "netem's slot: 'MIN_DELAY [MAX_DELAY] [packets N] [bytes N]', datagrams leave in bursts at slot boundaries.") var slot: [String] = []
    @Option(help: "Blackhole window START+LENGTH from start, e.g. 5s+3s (repeatable).") var blackhole: [String] = []
    @Option(help: "Protocol-aware rule, e.g. 'drop dir=up verb=MSG seq=1 nth=1' (repeatable, checked in order).") var rule: [String] = []
    @Option(help: "The wire format rules, the trace and --count-verbs read (a dialect file, docs/DIALECTS.md): verb=MSG then matches that dialect's chat message.") var dialect: String?
    @Flag(help: "Count received datagrams by verb (read with --dialect's format), in the counters, GET /links and /metrics. Reads every datagram: costs throughput.") var countVerbs = false

    /// Impairment options in command-line order of keys.
    private var impairmentOptions: [(String, [String])] {
        [
            ("loss", loss), ("delay", delay), ("jitter", jitter), ("distribution", distribution),
            ("jitter-reorder", jitterReorder), ("duplicate", duplicate), ("reorder", reorder), ("corrupt", corrupt),
            ("mtu", mtu), ("rate", rate), ("queue", queue), ("limit", limit), ("slot", slot), ("blackhole", blackhole),
        ]
    }

    /// True when an impairment or a rule was given on the command line.
    var given: Bool { impairmentOptions.contains { !$0.1.isEmpty } || !rule.isEmpty }

    /// The impairments given on the command line.
    func impairments() throws -> ImpairmentConfig {
        var result = ImpairmentConfig()
        for (key, values) in impairmentOptions {
            for value in values {
                do { try result.apply(key: key, directionalValue: value) } catch {
                    throw ValidationError("--\(key) \(value): \(error)")
                }
            }
        }
        for text in rule {
            do { result.rules.append(try Rule.parse(text)) } catch { throw ValidationError("--rule '\(text)': \(error)") }
        }
        return result
    }

    /// The wire format of --dialect (the contract's without it); errors are one line with the command's prefix.
    func wire(command: String) throws -> Dialect {
        guard let dialect else { return .default }
        do { return try Dialect.load(dialect) } catch {
            if command == "proxy" { throw UDPChatError.proxyConfig("--dialect \(error)") }
            throw UDPChatError.usage("--dialect \(error)")
        }
    }

    /// Warns on standard error about each rule that can never match in `wire`.
    func warnAboutRules(_ rules: [Rule], in wire: Dialect, command: String, link: String? = nil) {
        for rule in rules {
            guard let why = rule.neverMatches(in: wire) else { continue }
            let on = link.map { " on link \($0)" } ?? ""
            printError("udpchat \(command): warning: rule '\(rule.text)'\(on) can never match: \(why)")
        }
    }
}
