import Foundation
import Testing
@testable import UDPChatGrader

/// `udpchat autograder pack` (issue 19): the zip unpacked into a folder laid out like Gradescope's
/// /autograder, run_autograder run as an ordinary user (nobody) on a student's submission, and the
/// results.json it writes checked against Gradescope's format. The packed binary is this build's
/// (the static one, `swift build -c release --static-swift-stdlib`, is checked by hand: docs/GRADER.md).
struct AutograderPackTests {
    static let tools = ["zip", "unzip", "setpriv"].allSatisfy { tool in
        ["/usr/bin", "/bin", "/usr/sbin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }
    static let ready = ShardMergeTests.binary != nil && tools && getuid() == 0

    static func shell(_ script: String) throws -> (Int32, String) {
        try ReportOutputTests.run(["/bin/sh", "-c", script])
    }

    @Test(.enabled(if: ready, "needs .build/debug/udpchat, zip, unzip, setpriv and root (to become nobody)"))
    func runAutograderGradesASubmissionAsAnOrdinaryUser() async throws {
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        try "S-ID-*: 6\nvisibility:\n  S-ID-*: after_due_date\n".write(toFile: folder + "/rubric.yaml", atomically: true, encoding: .utf8)
        let (packed, log) = try await ShardMergeTests.udpchat(["autograder", "pack", "--output", folder + "/autograder.zip", "--rubric", folder + "/rubric.yaml",
                                                         "--rto", "300ms", "--cases", "S-REGISTER,S-ID-IN-USE", "--isolation", "none"])
        #expect(packed == 0, "\(log)")
        #expect(log.contains("Swift runtime"), "a toolchain-linked binary is warned about\n\(log)")

        // Gradescope's layout: the zip in source/, run_autograder beside it, the student's files in submission/.
        let root = folder + "/autograder"
        let faulty = FixtureGradingTests.faulty
        let (laidOut, said) = try Self.shell("""
            set -e
            mkdir -p \(root)/source \(root)/submission/src \(root)/results
            cd \(root)/source && unzip -q \(folder)/autograder.zip
            cp \(root)/source/run_autograder \(root)/run_autograder
            cp \(faulty)/server.py \(faulty)/udpwire.py \(root)/submission/src/
            printf 'name: my-server\\nrole: server\\ncommand: ["python3", "server.py", "--port", "{port}", "--fault", "hijackable"]\\nworkdir: src\\n' \
                > \(root)/submission/server.yaml
            chown -R nobody \(root)
            ls \(root)/source
            """)
        #expect(laidOut == 0 && ["rubric.yaml", "run_autograder", "setup.sh", "udpchat"].allSatisfy(said.contains), "\(said)")
        let (ran, output) = try Self.shell("""
            setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME=/tmp UDPCHAT_AUTOGRADER_ROOT=\(root) \
                \(root)/run_autograder 2>&1
            """)
        #expect(ran == 0, "\(output)")
        let results = root + "/results/results.json"
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: results))) as? [String: Any], "\(output)")
        let tests = try #require(json["tests"] as? [[String: Any]])
        #expect(tests.map { $0["status"] as? String } == ["passed", "failed"], "\(tests)")
        #expect(tests.map { $0["visibility"] as? String } == [nil, "after_due_date"] && tests[1]["max_score"] as? Double == 6)
        #expect(json["score"] as? Double == 4)
        if ReportOutputTests.jsonschemaAvailable {
            let (valid, complaint) = try ReportOutputTests.validate(results)
            #expect(valid == 0, "\(complaint)")
        }
    }

    @Test(.enabled(if: ShardMergeTests.binary != nil, "needs .build/debug/udpchat (swift build)"))
    func theBinarysSharedLibrariesAreRead() throws {
        let needed = Autograder.neededLibraries(try Data(contentsOf: URL(fileURLWithPath: try #require(ShardMergeTests.binary))))
        #expect(needed.contains("libpcap.so.0.8") && needed.contains { $0.hasPrefix("libswiftCore") }, "\(needed)")
        #expect(Autograder.neededLibraries(Data("#!/bin/sh\n".utf8)).isEmpty)
    }

    @Test func theScriptsQuoteWhatTheyPass() {
        var settings = AutograderSettings()
        settings.cases = ["S-*", "it's"]
        settings.apt = ["openjdk-17-jdk-headless"]
        let run = Autograder.runScript(settings)
        #expect(run.contains("--cases 'S-*' --cases 'it'\\''s'") && run.contains("${UDPCHAT_ISOLATION:-auto}") && !run.contains("policy.yaml"))
        #expect(Autograder.setupScript(settings).contains("libpcap0.8 libseccomp2 libnetfilter-queue1 bubblewrap iptables python3 openjdk-17-jdk-headless"))
    }
}
