import Foundation
import UDPChatIUT
import UDPChatReports
import UDPChatSupport

/// Joins the JSON reports of sharded batch runs (`grade --batch DIR --shard I/N --json F`) into
/// one: the implementations in the order an unsharded run grades them (by manifest path), with
/// the same verdicts, and each shard's run info kept.
public enum ReportMerge {
    public struct Merged: Sendable {
        public var reports: [GradeReport]
        public var interop: [InteropResult]
        public var shards: [RunInfo]
    }

    /// Reads one shard: a batch report (`{"implementations": …}`) or a single report.
    public static func load(path: String) throws(UDPChatError) -> ([GradeReport], [InteropResult], RunInfo?) {
        guard let data = FileManager.default.contents(atPath: path) else { throw UDPChatError.report("\(path): cannot read it") }
        let decoder = JSONDecoder()
        do {
            if let batch = try? decoder.decode(ReportFormat.JSONBatch.self, from: data) {
                let run = runInfo(batch.tool, batch.version, batch.timestamp, batch.seed, batch.command)
                return (try batch.implementations.map { try report($0, path: path) }, batch.interop, run)
            }
            let single = try decoder.decode(ReportFormat.JSONReport.self, from: data)
            return ([try report(single, path: path)], [], runInfo(single.tool, single.version, single.timestamp, single.seed, single.command))
        } catch let error as UDPChatError {
            throw error
        } catch {
            throw UDPChatError.report("\(path): not a udpchat grade JSON report (\(error))")
        }
    }

    public static func merge(paths: [String]) throws(UDPChatError) -> Merged {
        var reports: [GradeReport] = []
        var interop: [InteropResult] = []
        var shards: [RunInfo] = []
        var seen: [String: String] = [:]
        for path in paths {
            let (shardReports, shardInterop, run) = try load(path: path)
            for report in shardReports {
                let key = "\(report.manifest)\u{0}\(report.implementation)"
                if let other = seen[key] {
                    throw UDPChatError.report("\(report.implementation) (\(report.manifest)) is in both \(other) and \(path): overlapping shards")
                }
                seen[key] = path
            }
            reports += shardReports
            interop += shardInterop
            if let run { shards.append(run) }
        }
        reports.sort { $0.manifest < $1.manifest }
        return Merged(reports: reports, interop: interop, shards: shards)
    }

    static func runInfo(_ tool: String?, _ version: String?, _ timestamp: String?, _ seed: UInt64?, _ command: [String]?) -> RunInfo? {
        guard let tool, let version, let timestamp, let command else { return nil }
        return RunInfo(tool: tool, version: version, timestamp: timestamp, seed: seed, command: command)
    }

    static func report(_ json: ReportFormat.JSONReport, path: String) throws -> GradeReport {
        guard let role = GradedRole(rawValue: json.role) else { throw UDPChatError.report("\(path): unknown role \(json.role)") }
        let cases = try json.cases.map { item -> CaseResult in
            guard let verdict = Verdict(rawValue: item.verdict), let level = Level(rawValue: item.level) else {
                throw UDPChatError.report("\(path): \(item.id): unknown verdict \(item.verdict) or level \(item.level)")
            }
            return CaseResult(id: item.id, section: item.section, level: level, title: item.title, verdict: verdict, detail: item.detail,
                              duration: .seconds(item.duration), runs: item.runs, passed: item.passed, events: item.events ?? [])
        }
        var report = GradeReport(implementation: json.implementation, role: role, manifest: json.manifest, rto: .seconds(json.rto),
                                 rtoNote: json.rtoNote, duration: .seconds(json.duration), cases: cases)
        report.submission = json.submission
        return report
    }
}
