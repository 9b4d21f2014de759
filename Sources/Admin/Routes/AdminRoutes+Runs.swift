import History
import Hummingbird
import Scheduling
import Telemetry

/// `/runs`, run actions, `/reload` and `/plugins`.
extension AdminRoutes {
    /// GET /runs: filtered, newest first, paginated by `before`.
    @Sendable static func listRuns(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let parameters = request.uri.queryParameters
        var query = RunQuery(limit: 50)
        if let task = parameters.get("task"), !task.isEmpty { query.task = task }
        if let list = parameters.get("status"), !list.isEmpty {
            for name in list.split(separator: ",") {
                guard let status = RunStatus(rawValue: String(name)) else {
                    let valid = RunStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw AdminError.badRequest("invalid status \"\(name)\"; valid statuses: \(valid)")
                }
                query.statuses.insert(status)
            }
        }
        if let text = parameters.get("since"), !text.isEmpty {
            guard let since = UTCTimestamp.parse(text) else {
                throw AdminError.badRequest(
                    "invalid since=\(text); write an RFC 3339 instant (2026-11-23T14:00:00Z) or Unix seconds")
            }
            query.since = since
        }
        if let text = parameters.get("limit") {
            guard let limit = Int(text), (1...1000).contains(limit) else {
                throw AdminError.badRequest("invalid limit=\(text); expected an integer from 1 to 1000")
            }
            query.limit = limit
        }
        if let text = parameters.get("before") {
            query.beforeID = try runID(text)
        }
        let rows = try await context.history.runs(query)
        let next = rows.count == query.limit ? rows.last?.id : nil
        return JSONBody.response(RunList(runs: rows.map(view(of:)), nextBefore: next))
    }

    /// GET /runs/{id}.
    @Sendable static func showRun(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        JSONBody.response(view(of: try await record(rc, context)))
    }

    /// POST /runs/{id}/retry: a new manual run of a finished run's task.
    @Sendable static func retryRun(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let record = try await record(rc, context)
        guard record.status.isFinal else {
            throw AdminError(
                .conflict, code: "run_not_finished",
                "run \(record.id ?? 0) is \(record.status.rawValue); only a finished run can be retried")
        }
        let outcome = await context.scheduler.retry(record)
        if outcome == .unknownTask {
            throw AdminError(
                .conflict, code: "task_not_configured",
                "run \(record.id ?? 0) belongs to task \"\(record.task)\", which is not in the running configuration")
        }
        return try accepted(outcome, task: record.task)
    }

    /// POST /runs/{id}/cancel.
    @Sendable static func cancelRun(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let record = try await record(rc, context)
        let id = record.id ?? 0
        switch await context.scheduler.cancel(runID: id) {
        case .stopping:
            return JSONBody.response(CancelAccepted(runId: id, status: "stopping"), status: .accepted)
        case .dropped:
            return JSONBody.response(CancelAccepted(runId: id, status: "cancelled"), status: .accepted)
        case .notActive:
            throw AdminError(
                .conflict, code: "run_not_active",
                "run \(id) is \(record.status.rawValue); only a running or queued run can be cancelled")
        }
    }

    /// POST /reload: as SIGHUP; 422 with the diagnostics on errors.
    @Sendable static func reload(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        switch await context.reloader.reload() {
        case .applied(let change):
            let generation = await context.scheduler.generation.number
            return JSONBody.response(ReloadApplied(
                generation: generation, added: change.added.sorted(), removed: change.removed.sorted(),
                changed: change.changed.sorted(), pluginsLoaded: change.pluginsLoaded.sorted()))
        case .failed(let diagnostics):
            let errors = diagnostics.filter { $0.severity == .error }
            return JSONBody.response(
                ReloadFailed(
                    error: .init(
                        code: "config_invalid",
                        message: "the configuration has \(errors.count) error(s); "
                            + "the running configuration is unchanged"),
                    diagnostics: diagnostics.map {
                        .init(file: $0.location.file, line: $0.location.line, column: $0.location.column,
                              message: $0.message, text: $0.description)
                    }),
                status: .unprocessableContent)
        }
    }

    /// GET /plugins: loaded and rejected plugin files.
    @Sendable static func plugins(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let generation = await context.scheduler.generation
        let plugins = generation.catalog.plugins.values.sorted { $0.name < $1.name }.map { plugin in
            PluginView(
                name: plugin.name, version: plugin.version, summary: plugin.summary, file: plugin.sourcePath,
                sha256: plugin.sha256, tasks: generation.tasks.filter { $0.plugin === plugin }.map(\.spec.name))
        }
        let rejected = generation.catalog.rejected.map { PluginList.Rejected(file: $0.path, reason: $0.reason) }
        return JSONBody.response(PluginList(plugins: plugins, rejected: rejected))
    }

    /// The history row named by the `{id}` path parameter, or 404.
    static func record(_ rc: BasicRequestContext, _ context: AdminContext) async throws -> RunRecord {
        let id = try runID(try rc.parameters.require("id"))
        guard let record = try await context.history.run(id: id) else { throw AdminError.runNotFound(id) }
        return record
    }
}
