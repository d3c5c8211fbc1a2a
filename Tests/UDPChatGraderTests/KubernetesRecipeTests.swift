import Foundation
import Testing

/// The Kubernetes Indexed Job recipe (Scripts/k8s-grade-job.yaml) validated by `kubectl apply --dry-run=client`
/// (issue 19). Client-side dry runs still ask the API server which kinds exist, so the test needs kubectl and a
/// reachable cluster; it skips with the reason otherwise. The shard arithmetic itself is run by ShardMergeTests.
struct KubernetesRecipeTests {
    static let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let recipe = ShardMergeTests.root.appendingPathComponent("Scripts/k8s-grade-job.yaml").path

    /// True where kubectl reaches a cluster (a client-side dry run still asks the API server for its kinds).
    static let clusterReachable: Bool = {
        guard let kubectl, let (status, output) = try? ReportOutputTests.run([kubectl, "version", "--request-timeout=5s"]) else { return false }
        return status == 0 && output.contains("Server Version")
    }()

    @Test(.enabled(if: clusterReachable, "needs kubectl and a reachable cluster: kubectl apply --dry-run=client asks the API server for its kinds"))
    func theIndexedJobRecipeIsAcceptedByKubectl() async throws {
        let (status, output) = try await SlurmRecipeTests.run([try #require(Self.kubectl), "apply", "--dry-run=client", "-f", Self.recipe],
                                                              env: [:], timeout: .seconds(60))
        #expect(status == 0 && output.contains("job.batch/udpchat-grade created (dry run)"), "\(output)")
    }

    @Test func theRecipeShardsAsTheDocsSay() throws {
        let text = try String(contentsOfFile: Self.recipe, encoding: .utf8)
        #expect(text.contains("completionMode: Indexed") && text.contains("--shard $((JOB_COMPLETION_INDEX + 1))/4"))
        #expect(text.contains("[ $s -le 1 ] || [ $s -eq 3 ]"), "a shard with failing cases still completes")
    }
}
