import Hummingbird
import Scheduling

/// `/tasks` and the task actions.
extension AdminRoutes {
    /// GET /tasks.
    @Sendable static func listTasks(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        JSONBody.response(TaskList(tasks: try await taskViews(context).1))
    }

    /// GET /tasks/{name}.
    @Sendable static func showTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let name = try rc.parameters.require("name")
        guard let task = try await taskViews(context).1.first(where: { $0.name == name }) else {
            throw AdminError.taskNotFound(name)
        }
        return JSONBody.response(task)
    }

    /// POST /tasks/{name}/run: a manual run (`force=true` bypasses the overlap policy).
    @Sendable static func runTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let name = try rc.parameters.require("name")
        let force: Bool
        switch request.uri.queryParameters.get("force") {
        case nil, "false": force = false
        case "true": force = true
        case let other?: throw AdminError.badRequest("invalid force=\(other); expected true or false")
        }
        let outcome = await context.scheduler.requestRun(task: name, trigger: .manual, force: force)
        return try accepted(outcome, task: name)
    }

    /// POST /tasks/{name}/pause.
    @Sendable static func pauseTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        try await setPaused(rc, context, true)
    }

    /// POST /tasks/{name}/resume.
    @Sendable static func resumeTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        try await setPaused(rc, context, false)
    }

    /// Pauses or resumes the task named in the path.
    static func setPaused(_ rc: BasicRequestContext, _ context: AdminContext, _ paused: Bool) async throws -> Response {
        let name = try rc.parameters.require("name")
        guard await context.scheduler.setPaused(task: name, paused) else { throw AdminError.taskNotFound(name) }
        return JSONBody.response(PauseState(task: name, paused: paused))
    }

    /// `202` with the run's id, or the error that says why no run happened.
    static func accepted(_ outcome: RunRequestOutcome, task: String) throws -> Response {
        switch outcome {
        case .unknownTask:
            throw AdminError.taskNotFound(task)
        case .notAccepted:
            throw AdminError(
                .conflict, code: "not_accepted",
                "the daemon is not dispatching runs (it is starting up or shutting down)")
        case .decided(let decision) where decision.status == .skipped:
            throw AdminError(
                .conflict, code: "skipped",
                "run \(decision.id) of task \"\(task)\" was skipped: \(decision.reason ?? "no reason recorded"); "
                    + "add ?force=true to run it anyway")
        case .decided(let decision):
            return JSONBody.response(
                RunAccepted(runId: decision.id, task: task, status: decision.status.rawValue, reason: decision.reason),
                status: .accepted)
        }
    }
}
