import Foundation
import Testing
import UDPChatIUT
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("The one process launcher")
struct LauncherTests {
    let folder = FileManager.default.temporaryDirectory.path

    @Test("typed lines reach stdin; stdout and stderr come back line by line; the exit status is kept")
    func roundTrip() async throws {
        let seen = LinesBox()
        let process = try await IUTProcess.launch(
            ["/bin/sh", "-c", "read a; echo \"got $a\"; echo oops >&2; read b; echo \"then $b\"; exit 3"], workdir: folder,
            onOutput: { stream, line in seen.add("\(stream.rawValue): \(line)") })
        process.type("hello world")
        #expect(await process.waitForLine(containing: "got hello world", timeout: .seconds(30)) == "got hello world")
        process.type("bye")
        let exit = try #require(await process.waitForExit(timeout: .seconds(30)))
        #expect(exit == ProcessExit(status: 3))
        #expect(process.lines(.stdout) == ["got hello world", "then bye"])
        #expect(process.lines(.stderr) == ["oops"])
        #expect(seen.lines.contains("stderr: oops"))
        await process.stop()
    }

    @Test("long lines (a worker's JSON result) come back whole")
    func longLines() async throws {
        let process = try await IUTProcess.launch(["/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo done"], workdir: folder)
        #expect(await process.waitForExit(timeout: .seconds(30)) == ProcessExit(status: 0))
        #expect(process.lines(.stdout).map(\.count) == [300_000, 4])
    }

    @Test("a program that is not there is a setup error that names it")
    func missingProgram() async {
        await #expect(throws: UDPChatError.cannotStart("x", "y")) {
            _ = try await IUTProcess.launch(["no-such-program-udpchat"], workdir: folder)
        }
        do {
            _ = try await IUTProcess.launch(["./not-here.py"], workdir: folder)
            Issue.record("launch should fail")
        } catch {
            #expect(error.reason.contains("not-here.py"))
        }
        await #expect(throws: UDPChatError.self) {
            _ = try await IUTProcess.launch(["/bin/true"], workdir: "/no/such/folder")
        }
    }

    @Test("stop ends the whole process group: a child left in the background dies too")
    func stopKillsTheGroup() async throws {
        let process = try await IUTProcess.launch(["/bin/sh", "-c", "sleep 300 & echo child $!; sleep 300"], workdir: folder)
        let line = try #require(await process.waitForLine(containing: "child ", timeout: .seconds(30)))
        let child = try #require(Int32(line.dropFirst("child ".count)))
        #expect(kill(child, 0) == 0)
        await process.stop()
        #expect(process.exited?.signal == SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while kill(child, 0) == 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(kill(child, 0) != 0, "the background child \(child) is gone")
    }

    @Test("a child left behind by a program that exited by itself is killed with its group")
    func orphansDie() async throws {
        let process = try await IUTProcess.launch(["/bin/sh", "-c", "sleep 300 >/dev/null 2>&1 & echo child $!"], workdir: folder)
        let line = try #require(await process.waitForLine(containing: "child ", timeout: .seconds(30)))
        let child = try #require(Int32(line.dropFirst("child ".count)))
        #expect(await process.waitForExit(timeout: .seconds(30)) == ProcessExit(status: 0))
        await process.stop()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while kill(child, 0) == 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(kill(child, 0) != 0, "the orphan \(child) is gone")
    }
}

final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ line: String) { lock.lock(); storage.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
