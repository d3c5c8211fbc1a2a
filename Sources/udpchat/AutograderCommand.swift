// `udpchat autograder pack`: a Gradescope autograder.zip — this udpchat (or --binary), setup.sh,
// run_autograder, the rubric and the instructor's policy (docs/GRADER.md "Gradescope autograder").
import ArgumentParser
import Foundation
import UDPChatGrader
import UDPChatIUT
import UDPChatSupport

struct AutograderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autograder",
        abstract: "Make a Gradescope autograder that grades each submission with udpchat.",
        subcommands: [AutograderPackCommand.self]
    )
}

struct AutograderPackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Write a Gradescope autograder.zip: udpchat, setup.sh, run_autograder, the rubric and the policy.",
        discussion: """
            run_autograder grades /autograder/submission (its manifests anywhere inside; a server and a client are \
            also graded whole) into /autograder/results/results.json, with the rubric's points and visibility. \
            Gradescope's image has no Swift: pack a binary built with the Swift runtime inside \
            (swift build -c release --static-swift-stdlib); setup.sh installs libpcap, libseccomp, \
            libnetfilter_queue, bubblewrap and the --apt packages. Exit status: 0 written, 1 the zip cannot be \
            made, 2 a bad option, rubric or policy. See docs/GRADER.md, "Gradescope autograder".

            """ + HelpLayout.examples(
                "udpchat autograder pack --output autograder.zip --rubric rubric.yaml",
                "udpchat autograder pack --output autograder.zip \\\n    --binary .build/release/udpchat --rubric rubric.yaml \\\n    --policy policy.yaml --rto 1s --apt openjdk-17-jdk-headless")
    )

    @Option(help: ArgumentHelp("The zip to write.", valueName: "FILE"))
    var output: String

    @Option(help: ArgumentHelp("The udpchat to pack (default: this one). Gradescope needs one built with --static-swift-stdlib.", valueName: "PATH"))
    var binary: String?

    @Option(help: ArgumentHelp("The rubric: case glob → points, visibility (default: MUST 4, SHOULD 1, INFO 0; LENIENT loses 1).", valueName: "FILE"))
    var rubric: String?

    @Option(help: ArgumentHelp("The instructor's sandbox policy (docs/GRADER.md, \"Sandbox\").", valueName: "FILE"))
    var policy: String?

    @Option(help: "The RTO to grade at when a manifest's command takes {rto}.")
    var rto: DurationArgument = DurationArgument(.seconds(1))

    @Option(help: "Only cases whose id matches one of these globs (repeatable, or comma-separated).")
    var cases: [String] = []

    @Option(help: "Skip cases whose id matches one of these globs.")
    var skip: [String] = []

    @Option(help: ArgumentHelp("The grade's --isolation in the autograder (auto / required: each case in a bubblewrap sandbox; none: Gradescope's container is the only sandbox).", valueName: "auto|required|none"))
    var isolation: Isolation = .auto

    @Option(help: ArgumentHelp("Another Debian/Ubuntu package setup.sh installs, e.g. the submissions' compiler (repeatable).", valueName: "PACKAGE"))
    var apt: [String] = []

    func run() async throws {
        let files: [String: (Data, executable: Bool)]
        do {
            files = try contents()
        } catch {
            FileHandle.standardError.write(Data("autograder pack: \(error)\n".utf8))
            throw ExitCode(2)
        }
        do {
            try await Self.zip(files, to: output)
        } catch {
            FileHandle.standardError.write(Data("autograder pack: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print("wrote \(output): \(files.keys.sorted().joined(separator: ", "))")
        if let warning = Autograder.runtimeWarning(files["udpchat"]?.0 ?? Data()) { FileHandle.standardError.write(Data("autograder pack: \(warning)\n".utf8)) }
    }

    /// The files of the zip, checked: the rubric and the policy parse, the binary is there.
    func contents() throws -> [String: (Data, executable: Bool)] {
        var settings = AutograderSettings()
        settings.rto = String(rto.duration.seconds)
        settings.cases = cases
        settings.skip = skip
        settings.isolation = isolation.rawValue
        settings.apt = apt
        let executable = binary ?? GradeCommand.ownExecutable()
        guard let program = FileManager.default.contents(atPath: executable) else { throw UDPChatError.usage("--binary \(executable): cannot read it") }
        var files: [String: (Data, executable: Bool)] = ["udpchat": (program, true)]
        if let rubric {
            _ = try Rubric.load(path: rubric)
            files["rubric.yaml"] = (FileManager.default.contents(atPath: rubric) ?? Data(), false)
        } else {
            files["rubric.yaml"] = (Data("# udpchat's default rubric (docs/GRADER.md \"Rubric\")\nMUST: 4\nSHOULD: 1\nINFO: 0\nLENIENT: 1\n".utf8), false)
        }
        if let policy {
            _ = try SandboxPolicy.load(path: policy)
            files["policy.yaml"] = (FileManager.default.contents(atPath: policy) ?? Data(), false)
            settings.policy = true
        }
        files["setup.sh"] = (Data(Autograder.setupScript(settings).utf8), true)
        files["run_autograder"] = (Data(Autograder.runScript(settings).utf8), true)
        return files
    }

    /// Writes the files into a folder and zips it with `zip` (Info-ZIP), keeping the executable bits.
    static func zip(_ files: [String: (Data, executable: Bool)], to output: String) async throws {
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("udpchat-autograder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        for (name, file) in files {
            let path = "\(staging)/\(name)"
            guard FileManager.default.createFile(atPath: path, contents: file.0,
                                                 attributes: [.posixPermissions: file.executable ? 0o755 : 0o644]) else {
                throw UDPChatError.usage("cannot write \(path)")
            }
        }
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        try? FileManager.default.removeItem(atPath: target)
        let zip = try await IUTProcess.launch(["zip", "-q", "-X", "-r", target] + files.keys.sorted(), workdir: staging, name: "zip")
        let exit = await zip.waitForExit(timeout: .seconds(600))
        guard exit?.status == 0 else {
            let said = (zip.lines(.stderr) + zip.lines(.stdout)).suffix(3).joined(separator: "; ")
            throw UDPChatError.usage("zip \(target) failed (\(exit.map { "exit \($0.status)" } ?? "timed out")): \(said)")
        }
    }
}
