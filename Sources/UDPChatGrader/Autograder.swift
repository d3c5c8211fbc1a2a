// The files of a Gradescope autograder (`udpchat autograder pack`): setup.sh, which installs what the
// packed udpchat and the sandbox need, and run_autograder, which grades /autograder/submission into
// /autograder/results/results.json (docs/GRADER.md "Gradescope autograder"); and which shared
// libraries a binary needs (its ELF DT_NEEDED entries), to warn about one that needs the Swift runtime.
import Foundation

/// What `run_autograder` passes to `udpchat grade`, fixed when the autograder is packed.
public struct AutograderSettings: Sendable, Equatable {
    public var rto: String = "1s"
    public var cases: [String] = []
    public var skip: [String] = []
    /// `--isolation` (`UDPCHAT_ISOLATION` overrides it when the autograder runs).
    public var isolation: String = "auto"
    /// Whether the pack holds an instructor's policy.yaml.
    public var policy = false
    /// More Debian/Ubuntu packages setup.sh installs: the submissions' toolchains.
    public var apt: [String] = []

    public init() {}
}

public enum Autograder {
    /// The shared libraries the packed udpchat loads besides glibc, and the sandbox's tools, by Debian/Ubuntu
    /// package. They are not linked statically: Debian's libpcap.a needs libsystemd, which has no static
    /// library, and libnetfilter_queue.a needs libnfnetlink.a, which Debian does not ship.
    public static let runtimePackages = ["libpcap0.8", "libseccomp2", "libnetfilter-queue1", "bubblewrap", "iptables", "python3"]

    /// `setup.sh`: run once, as root, when Gradescope builds the autograder's image.
    public static func setupScript(_ settings: AutograderSettings) -> String {
        let packages = (runtimePackages + settings.apt).map(shellQuoted).joined(separator: " ")
        return """
            #!/usr/bin/env bash
            # Gradescope runs this once, as root, when it builds the autograder's image (written by `udpchat autograder pack`).
            # udpchat is built with the Swift runtime inside (--static-swift-stdlib); libpcap, libseccomp and
            # libnetfilter_queue are installed here: Debian's libpcap.a needs libsystemd, which has no static library,
            # and libnetfilter_queue.a needs libnfnetlink.a, which Debian does not ship.
            set -euo pipefail
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q
            apt-get install -y -q --no-install-recommends \(packages)
            chmod 755 "$(dirname "$0")/udpchat" "$(dirname "$0")/run_autograder"
            "$(dirname "$0")/udpchat" --version

            """
    }

    /// `run_autograder`: grades the submission folder as a one-submission batch (its manifests anywhere
    /// inside, a server and a client also graded whole) and copies its results.json into place. Where the
    /// grader cannot run (exit 2) it still writes a results.json that says so. `UDPCHAT_AUTOGRADER_ROOT`
    /// stands for /autograder (tests), `UDPCHAT_ISOLATION` for the packed --isolation.
    public static func runScript(_ settings: AutograderSettings) -> String {
        var options = ["--rto", settings.rto]
        for glob in settings.cases { options += ["--cases", glob] }
        for glob in settings.skip { options += ["--skip", glob] }
        let quoted = options.map(shellQuoted).joined(separator: " ")
        let policy = settings.policy ? " --policy \"$source/policy.yaml\"" : ""
        return """
            #!/usr/bin/env bash
            # Gradescope's entry point (written by `udpchat autograder pack`): grades $root/submission with the
            # packed udpchat, rubric and policy into $root/results/results.json. Exit 0 whenever results.json is written.
            set -uo pipefail
            root="${UDPCHAT_AUTOGRADER_ROOT:-/autograder}"
            source="$root/source"
            results="$root/results"
            work="$(mktemp -d)"
            trap 'rm -rf "$work"' EXIT
            mkdir -p "$results" "$work/batch"
            # The submission is one folder of a batch: its manifests (YAML with role: or command:) anywhere inside.
            cp -R "$root/submission" "$work/batch/submission"
            "$source/udpchat" grade --batch "$work/batch" --quiet \(quoted) --isolation "${UDPCHAT_ISOLATION:-\(settings.isolation)}"\(policy) \\
                --rubric "$source/rubric.yaml" --gradescope-dir "$work/out" --json "$results/udpchat.json"
            status=$?
            if [ -f "$work/out/submission/results.json" ]; then
                cp "$work/out/submission/results.json" "$results/results.json"
            else
                printf '{"score": 0, "output": "udpchat could not grade this submission (exit %s): see the autograder output"}\\n' "$status" \\
                    > "$results/results.json"
            fi
            echo "udpchat grade exited $status; $results/results.json written"

            """
    }

    /// One word for the shell: single-quoted unless it is plain.
    public static func shellQuoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:=,+%@".contains($0)) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The shared libraries an ELF64 little-endian executable names (DT_NEEDED), in order; empty for anything else.
    public static func neededLibraries(_ elf: Data) -> [String] {
        let bytes = [UInt8](elf)
        func word(_ at: Int, _ size: Int) -> Int? {
            guard at >= 0, at + size <= bytes.count else { return nil }
            return (0..<size).reversed().reduce(0) { $0 << 8 | Int(bytes[at + $1]) }
        }
        guard bytes.starts(with: [0x7f, 0x45, 0x4c, 0x46, 2, 1]), let sections = word(0x28, 8), let size = word(0x3a, 2),
              let count = word(0x3c, 2) else { return [] }
        let header = { (index: Int) in sections + index * size }
        guard let dynamic = (0..<count).first(where: { word(header($0) + 4, 4) == 6 }),  // SHT_DYNAMIC
              let link = word(header(dynamic) + 40, 4), let strings = word(header(link) + 24, 8),
              let start = word(header(dynamic) + 24, 8), let length = word(header(dynamic) + 32, 8) else { return [] }
        var names: [String] = []
        for entry in stride(from: start, to: start + length, by: 16) {
            guard let tag = word(entry, 8), tag != 0, let value = word(entry + 8, 8) else { break }
            guard tag == 1, strings + value < bytes.count else { continue }  // DT_NEEDED
            let name = bytes[(strings + value)...].prefix { $0 != 0 }
            names.append(String(decoding: name, as: UTF8.self))
        }
        return names
    }

    /// A warning when the binary needs the Swift runtime's shared libraries, which Gradescope's image lacks.
    public static func runtimeWarning(_ binary: Data) -> String? {
        guard neededLibraries(binary).contains(where: { $0.hasPrefix("libswift") }) else { return nil }
        return "warning: this udpchat loads the Swift runtime (libswiftCore.so) from the Swift toolchain, which Gradescope's image "
            + "does not have; pack one built with `swift build -c release --static-swift-stdlib` (--binary .build/release/udpchat)"
    }
}
