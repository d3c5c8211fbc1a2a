import Foundation
import Testing

/// The built `udpchat` (debug, from `swift build`), run through pipes: progress lines must arrive
/// while the run is still going, not all at its end.
struct ProgressCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String? {
        let path = root.appendingPathComponent(".build/debug/udpchat").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Starts udpchat with stdout and stderr on one pipe and reads it line by line until `until`
    /// matches a line; returns that line, whether the process was still running right then, what had
    /// arrived by then, and all the output.
    static func firstLine(_ arguments: [String], until: @escaping (String) -> Bool) throws
        -> (line: String?, running: Bool, sofar: String, all: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary))
        process.arguments = arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let handle = pipe.fileHandleForReading
        var buffer = ""
        var found: String?
        var running = false
        var sofar = ""
        reading: while true {
            let data = handle.availableData
            if data.isEmpty { break }
            buffer += String(decoding: data, as: UTF8.self)
            for line in buffer.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where until(String(line)) {
                found = String(line)
                running = process.isRunning
                sofar = buffer
                break reading
            }
        }
        let rest = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (found, running, sofar, buffer + rest)
    }

    /// `scenario run` through a pipe: the first run's line comes on its own, while most runs remain
    /// (stdout block-buffered into a pipe would deliver it with the next 60 or so, 4 KB at a time).
    @Test(.enabled(if: binary != nil, "needs .build/debug/udpchat (swift build)"))
    func scenarioRunPrintsEachRunAsItFinishes() throws {
        let (line, running, sofar, all) = try Self.firstLine(["scenario", "run", "Scenarios/soak.yaml", "--repeat", "100", "--jobs", "1"]) {
            $0.hasPrefix("[1/100] PASS")
        }
        #expect(line != nil, "\(all.prefix(500))")
        #expect(running, "the first progress line arrived only when the run had ended")
        let lines = sofar.split(separator: "\n").filter { $0.hasPrefix("[") }.count
        #expect(lines < 30, "the first line came with \(lines) others: block-buffered, not flushed per line")
        #expect(all.contains("[100/100] PASS"))
        #expect(!all.contains("\u{1B}["), "piped output has no escape codes")
    }

    /// `scenario swarm` prints a failing seed (forced by the hidden test hook) the moment it fails.
    @Test(.enabled(if: binary != nil, "needs .build/debug/udpchat (swift build)"))
    func swarmPrintsAFailingSeedAtOnce() throws {
        let (line, running, sofar, all) = try Self.firstLine(["scenario", "swarm", "--start", "1", "--seeds", "600", "--jobs", "1",
                                                       "--inject-failure", "2"]) { $0.contains("FAIL seed 2") }
        #expect(line != nil, "\(all.prefix(500))")
        #expect(running && !sofar.contains("[600/600]"), "the failing seed was printed only when the swarm had ended")
        #expect(all.contains("injected failure") && all.contains("reproduce: udpchat scenario swarm --start 2 --seeds 1"))
        #expect(all.contains("[600/600] seed 600 ok") && all.contains("1 failing"))
    }

    /// `grade` through a pipe: a line per finished case before the matrix.
    @Test(.enabled(if: binary != nil, "needs .build/debug/udpchat (swift build)"))
    func gradePrintsEachCaseAsItFinishes() throws {
        let manifest = FileManager.default.temporaryDirectory.appendingPathComponent("progress-\(UUID().uuidString).yaml")
        try """
            name: progress-reference-server
            role: server
            command: ["\(try #require(Self.binary))", "server", "--host", "127.0.0.1", "--port", "{port}", "--rto", "{rto}"]
            """.write(to: manifest, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: manifest) }
        let (line, running, sofar, all) = try Self.firstLine(["grade", manifest.path, "--rto", "300ms", "--jobs", "1",
                                                       "--cases", "S-REGISTER,S-REGISTER-REPEAT,S-ID-IN-USE,S-LEAVE,S-LEAVE-REPEAT,S-LEAVE-NOT-OWNER,S-LOOKUP-ACTIVE,S-LOOKUP-INACTIVE"]) {
            $0.hasPrefix("[1/8] ")
        }
        #expect(line != nil, "\(all.prefix(500))")
        #expect(running && !sofar.contains("[8/8]"), "the first case's line arrived only when grading had ended")
        #expect(all.contains("[8/8] "))
        #expect(all.contains("summary: PASS 8"), "\(all)")
    }
}
