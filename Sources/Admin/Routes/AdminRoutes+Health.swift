import History
import Hummingbird
import Scheduling
import Telemetry

/// `/health`, `/ready`, `/metrics`, `/status`.
extension AdminRoutes {
    /// GET /health: liveness, no token.
    @Sendable static func health(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext) async throws
        -> Response
    {
        JSONBody.response(["status": "ok"])
    }

    /// GET /ready: readiness checks and active alerts.
    @Sendable static func ready(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext) async throws
        -> Response
    {
        var reasons: [String] = []
        var checks: [String: Bool] = [:]
        do {
            try await context.history.ping()
            checks["database"] = true
        } catch {
            checks["database"] = false
            reasons.append("history database unreachable: \(error)")
        }
        let snapshot = await context.scheduler.snapshot()
        checks["scheduler"] = snapshot.isDispatching
        if !snapshot.isDispatching { reasons.append("the scheduler loop is not dispatching (starting or stopping)") }
        checks["config"] = true
        let alerts = await context.alerts?.active ?? []
        reasons += alerts.map { "alert \($0.kind.rawValue): \($0.message)" }
        let unready = checks.values.contains(false)
        let status = unready ? "unready" : alerts.isEmpty ? "ready" : "degraded"
        return JSONBody.response(
            Readiness(status: status, checks: checks, reasons: reasons, alerts: alerts.map(view(of:))),
            status: status == "ready" ? .ok : .serviceUnavailable)
    }

    /// GET /metrics: Prometheus text.
    @Sendable static func metrics(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext) async throws
        -> Response
    {
        let snapshot = await context.scheduler.snapshot()
        let successes = (try? await context.history.lastSuccesses()) ?? [:]
        let alerts = await context.alerts?.active.count ?? 0
        let text = context.metrics.render(snapshot: snapshot, lastSuccesses: successes, alerts: alerts)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// GET /status: running and queued runs, pauses, alerts, tasks.
    @Sendable static func status(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext) async throws
        -> Response
    {
        let (snapshot, tasks) = try await taskViews(context)
        let now = context.clock.now()
        let alerts = await context.alerts?.active ?? []
        let view = StatusView(
            generation: snapshot.generation.number, configFile: snapshot.generation.config.file,
            uptimeSeconds: Double(now - context.startedAt) / 1_000_000,
            running: snapshot.running.map {
                StatusView.Active(
                    runId: $0.id, task: $0.task, trigger: $0.trigger,
                    startedAt: UTCTimestamp.rfc3339(micros: $0.startedAt),
                    runningSeconds: Double(now - $0.startedAt) / 1_000_000, stopRequested: $0.stopReason)
            },
            queued: snapshot.queued.map { StatusView.Waiting(runId: $0.id, task: $0.task) },
            paused: snapshot.paused.sorted(), alerts: alerts.map(view(of:)), tasks: tasks)
        return JSONBody.response(view)
    }
}
