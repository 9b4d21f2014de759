import Hummingbird
import Scheduling

/// `/tasks` and the task actions.
extension AdminRoutes {
    /// GET /tasks (`?source=config|api` keeps the tasks of one source).
    @Sendable static func listTasks(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let source = request.uri.queryParameters.get("source")
        if let source, !["config", "api"].contains(source) {
            throw AdminError.badRequest("invalid source=\(source); expected config or api")
        }
        let tasks = try await taskViews(context).1.filter { source == nil || $0.source == source }
        return JSONBody.response(TaskList(tasks: tasks))
    }

    /// GET /tasks/{name}.
    @Sendable static func showTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        JSONBody.response(try await taskView(named: try rc.parameters.require("name"), context))
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
