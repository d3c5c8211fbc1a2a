import Foundation
import Testing
import UDPChatIUT
@testable import UDPChatGrader

/// The Slurm recipe of docs/GRADER.md (Scripts/slurm-grade.sbatch) on a real one-node Slurm: munged,
/// slurmctld and slurmd started here as root on private ports and paths, a job array grading a batch in
/// two shards, the merge as a dependent job, compared with the unsharded run (issue 19).
@Suite(.serialized) struct SlurmRecipeTests {
    static let daemons = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"]
    static let ready = ShardMergeTests.binary != nil && getuid() == 0 && daemons.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    static let reason = "needs root, .build/debug/udpchat and Debian's slurmctld, slurmd, slurm-client and munge (.ci/run installs them)"

    /// A one-node cluster in `folder`, stopped by `stop()`.
    final class Cluster {
        let folder: String
        var environment: [String: String] { ["SLURM_CONF": folder + "/slurm.conf"] }

        init(folder: String) async throws {
            self.folder = folder
            let node = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
            let port = Int.random(in: 21000...29000)
            for sub in ["munge", "state", "spool", "log"] {
                try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: folder + "/munge")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
            var key = Data(count: 1024)
            for index in key.indices { key[index] = UInt8.random(in: 0...255) }
            _ = FileManager.default.createFile(atPath: folder + "/munge/munge.key", contents: key, attributes: [.posixPermissions: 0o400])
            try """
                ClusterName=udpchat-test
                SlurmctldHost=\(node)(127.0.0.1)
                SlurmctldPort=\(port)
                SlurmdPort=\(port + 1)
                SlurmUser=root
                SlurmdUser=root
                AuthType=auth/munge
                AuthInfo=socket=\(folder)/munge/munge.socket
                CredType=cred/munge
                StateSaveLocation=\(folder)/state
                SlurmdSpoolDir=\(folder)/spool
                SlurmctldPidFile=\(folder)/slurmctld.pid
                SlurmdPidFile=\(folder)/slurmd.pid
                SlurmctldLogFile=\(folder)/log/slurmctld.log
                SlurmdLogFile=\(folder)/log/slurmd.log
                ProctrackType=proctrack/linuxproc
                TaskPlugin=task/none
                SelectType=select/cons_tres
                SelectTypeParameters=CR_Core
                ReturnToService=2
                MpiDefault=none
                JobAcctGatherType=jobacct_gather/none
                AccountingStorageType=accounting_storage/none
                NodeName=\(node) NodeAddr=127.0.0.1 CPUs=\(max(1, ProcessInfo.processInfo.activeProcessorCount)) State=UNKNOWN
                PartitionName=grading Nodes=ALL Default=YES MaxTime=INFINITE State=UP

                """.write(toFile: folder + "/slurm.conf", atomically: true, encoding: .utf8)
            let munge = "\(folder)/munge"
            // Daemons in their own sessions, not children of the test (nor of the launcher's process group): each in
            // the foreground (-F, -D) with its pid written here, so stop() can always find it.
            // The shell waits until each has its own session: the launcher kills the shell's process group when it exits.
            func daemon(_ command: String, _ pid: String) -> String {
                "setsid \(command) </dev/null >/dev/null 2>&1 & echo $! > \(folder)/\(pid)\n"
                    + "until [ \"$(cut -d' ' -f6 /proc/$!/stat 2>/dev/null)\" = \"$!\" ]; do sleep 0.05; done"
            }
            let (status, output) = try await SlurmRecipeTests.run(["/bin/sh", "-c", [
                daemon("/usr/sbin/munged -F -f --socket=\(munge)/munge.socket --key-file=\(munge)/munge.key --pid-file=\(munge)/munged.pid "
                       + "--log-file=\(munge)/munged.log --seed-file=\(munge)/munged.seed", "munged.pid"),
                "for i in $(seq 100); do [ -S \(munge)/munge.socket ] && break; sleep 0.1; done",
                daemon("/usr/sbin/slurmctld -D -f \(folder)/slurm.conf", "slurmctld.pid"),
                daemon("/usr/sbin/slurmd -D -f \(folder)/slurm.conf", "slurmd.pid"),
            ].joined(separator: "\n")], env: environment)
            do {
                guard status == 0 else { throw SlurmUnavailable(what: "the daemons did not start (exit \(status)): \(output)\n\(logs())") }
                try await waitForIdleNode(seconds: 120)
            } catch {
                stop()  // whatever did start
                throw error
            }
        }

        /// Waits until the node has registered with slurmctld (sinfo says idle).
        func waitForIdleNode(seconds: Double) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let (status, state) = try await SlurmRecipeTests.run(["/usr/bin/sinfo", "-h", "-o", "%T"], env: environment, timeout: .seconds(30))
                if status == 0, state.contains("idle") { return }
                if Date() > deadline { throw SlurmUnavailable(what: "the node is not idle after \(Int(seconds)) s (sinfo: \(state))\n\(logs())") }
                try await Task.sleep(for: .milliseconds(500))
            }
        }

        func wait(for path: String, seconds: Double) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !FileManager.default.fileExists(atPath: path) {
                if Date() > deadline { throw SlurmUnavailable(what: "\(path) did not appear within \(Int(seconds)) s\n\(logs())") }
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        func logs() -> String {
            ["munge/munged.log", "log/slurmctld.log", "log/slurmd.log"].map { name in
                "--- \(name)\n" + ((try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)).map { String($0.suffix(1500)) } ?? "(none)")
            }.joined(separator: "\n")
        }

        /// SIGKILL: the daemons inherit the test runner's blocked signals, SIGTERM among them.
        func stop() {
            for name in ["slurmd.pid", "slurmctld.pid", "munged.pid"] {
                guard let text = try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8),
                      let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else { continue }
                kill(pid, SIGKILL)
            }
        }
    }

    /// Runs a command with the project's launcher (swift-subprocess): Foundation's Process did not see its
    /// children exit here once the daemons, reparented to the test runner, were about.
    static func run(_ command: [String], env: [String: String], timeout: Duration = .seconds(120)) async throws -> (Int32, String) {
        let process = try await IUTProcess.launch(command, workdir: "/", env: env, name: (command[0] as NSString).lastPathComponent)
        let exit = await process.waitForExit(timeout: timeout)
        let output = (process.lines(.stdout) + process.lines(.stderr)).joined(separator: "\n")
        guard let exit else { throw SlurmUnavailable(what: "\(command.joined(separator: " ")) did not finish within \(timeout)\n\(output)") }
        return (exit.status, output)
    }

    struct SlurmUnavailable: Error, CustomStringConvertible { let what: String; var description: String { what } }

    @Test(.enabled(if: ready, "\(reason)"), .timeLimit(.minutes(10)))
    func aJobArrayGradesTheShardsAndTheMergeMatchesTheUnshardedRun() async throws {
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cluster = try await Cluster(folder: folder + "/cluster")
        defer { cluster.stop() }
        let batch = try ClassGradingCLITests.batch(in: folder)
        let options = ["--rto", "300ms", "--isolation", "none", "--cases", "S-REGISTER,S-ID-IN-USE"]
        let script = ShardMergeTests.root.appendingPathComponent("Scripts/slurm-grade.sbatch").path
        var env = cluster.environment
        let binary = try #require(ShardMergeTests.binary)
        env["UDPCHAT"] = binary
        let sbatch = { (arguments: [String]) async throws -> (Int32, String) in
            try await Self.run(["/usr/bin/sbatch", "--parsable", "--chdir", folder, "--output", folder + "/slurm-%A_%a.log"] + arguments, env: env)
        }
        // slurmd registers with slurmctld within a few seconds; sbatch waits for neither.
        let (submitted, job) = try await sbatch(["--array=1-2", script, batch, folder + "/out"] + options)
        #expect(submitted == 0, "\(job)\n\(cluster.logs())")
        let jobID = job.trimmingCharacters(in: .whitespacesAndNewlines)
        let (merging, merge) = try await sbatch(["--dependency=afterany:\(jobID)", script, "--merge", folder + "/out",
                                           "--gradescope-dir", folder + "/out/gradescope", "--csv", folder + "/out/grades.csv"])
        #expect(merging == 0, "\(merge)")
        try await cluster.wait(for: folder + "/out/grades.csv", seconds: 300)
        try await Task.sleep(for: .milliseconds(500))

        let (unsharded, log) = try await Self.run([binary, "grade", "--batch", batch, "--quiet", "--json", folder + "/all.json", "--csv", folder + "/all.csv"]
                                                  + options, env: [:])
        #expect(unsharded == 1, "\(log)")
        #expect(FileManager.default.fileExists(atPath: folder + "/out/shard-1.json") && FileManager.default.fileExists(atPath: folder + "/out/shard-2.json"))
        #expect(try ShardMergeTests.verdicts(folder + "/out/grades.json") == ShardMergeTests.verdicts(folder + "/all.json"))
        #expect(try String(contentsOfFile: folder + "/out/grades.csv", encoding: .utf8) == String(contentsOfFile: folder + "/all.csv", encoding: .utf8))
        #expect(FileManager.default.fileExists(atPath: folder + "/out/gradescope/alice/results.json")
                && FileManager.default.fileExists(atPath: folder + "/out/gradescope/bob/results.json"))
    }
}
