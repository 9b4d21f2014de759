import Config
import Cron
import Foundation
import History
import Hummingbird
import Scheduling
import Telemetry

/// Runtime tasks (`POST /tasks`, `PUT` and `DELETE /tasks/{name}`) and runs with options
/// (`POST /tasks/{name}/run` with a body).
extension AdminRoutes {
    /// The largest request body read (a task definition or run options).
    static let maximumBody = 1 << 20

    /// POST /tasks: adds a runtime task (a JSON task definition, validated like the YAML file's tasks).
    @Sendable static func addTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        try await requireRuntimeTasks(context)
        let source = try await definition(from: request)
        let outcome = await context.reloader.addTask(source)
        let view = try await taskView(named: try result(outcome, name: source.name).spec.name, context)
        var response = JSONBody.response(view, status: .created)
        response.headers[.location] = "/tasks/\(source.name)"
        return response
    }

    /// PUT /tasks/{name}: replaces a runtime task's definition.
    @Sendable static func replaceTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        try await requireRuntimeTasks(context)
        let name = try rc.parameters.require("name")
        let source = try await definition(from: request)
        let outcome = await context.reloader.replaceTask(named: name, with: source)
        return JSONBody.response(try await taskView(named: try result(outcome, name: name).spec.name, context))
    }

    /// DELETE /tasks/{name}: removes a runtime task.
    @Sendable static func removeTask(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        try await requireRuntimeTasks(context)
        let name = try rc.parameters.require("name")
        _ = try result(await context.reloader.removeTask(named: name), name: name)
        return JSONBody.response(TaskRemoved(task: name, removed: true))
    }

    /// 403 unless the running configuration allows runtime task changes (`api.runtime_tasks`).
    static func requireRuntimeTasks(_ context: AdminContext) async throws {
        guard await !context.scheduler.generation.config.api.runtimeTasks else { return }
        throw AdminError(
            .forbidden, code: "runtime_tasks_disabled",
            "runtime tasks are disabled (api.runtime_tasks: false); define tasks in the configuration file")
    }

    /// The view of one task, with its definition and planned runs.
    static func taskView(named name: String, _ context: AdminContext) async throws -> TaskView {
        let (snapshot, views) = try await taskViews(context)
        guard var view = views.first(where: { $0.name == name }) else { throw AdminError.taskNotFound(name) }
        view.definition = snapshot.generation.runtimeTasks[name]?.definition
        view.plannedRuns = await context.scheduler.plannedRuns().filter { $0.task == name }.map {
            PlannedRunView(id: $0.id, dueAt: UTCTimestamp.rfc3339(micros: $0.dueAt), configOverride: $0.config != nil)
        }
        return view
    }

    /// The request body as a task definition (JSON; YAML is accepted too), or 400/422.
    static func definition(from request: Request) async throws -> RuntimeTaskSource {
        let text = try await bodyText(request)
        guard !text.allSatisfy(\.isWhitespace) else {
            throw AdminError.badRequest(
                "the body must be a task definition in JSON, e.g. {\"name\": \"cleanup\", \"plugin\": \"files\", "
                    + "\"every\": \"15m\", \"config\": {...}}")
        }
        do {
            return try RuntimeTaskSource.parse(text)
        } catch {
            throw invalid(error.diagnostics, name: nil)
        }
    }

    /// The body as UTF-8 text, or 400/413.
    static func bodyText(_ request: Request) async throws -> String {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBody)
        } catch {
            throw AdminError(.contentTooLarge, code: "body_too_large", "the body is larger than \(maximumBody) bytes")
        }
        // Checked on the bytes: `getString` would repair invalid UTF-8 into U+FFFD without a word.
        guard let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes),
              let text = String(validating: bytes, as: UTF8.self)
        else { throw AdminError.badRequest("the body is not UTF-8 text; send the definition as UTF-8 JSON") }
        return text
    }

    /// The value of a runtime task change, or the error that answers it.
    static func result<T>(_ outcome: Result<T, RuntimeTaskError>, name: String) throws -> T {
        switch outcome {
        case .success(let value):
            return value
        case .failure(.invalid(let diagnostics)):
            throw invalid(diagnostics, name: name)
        case .failure(.definedInConfig(let name, let location)):
            throw AdminError(
                .conflict, code: "task_in_config",
                "task \"\(name)\" is defined in the configuration file (\(location)); tasks from the file are "
                    + "read-only through the API: edit the file and reload (SIGHUP or POST /reload)")
        case .failure(.exists(let name)):
            throw AdminError(
                .conflict, code: "task_exists",
                "a runtime task named \"\(name)\" exists already; replace it with PUT /tasks/\(name)")
        case .failure(.notFound(let name)):
            throw AdminError(
                .notFound, code: "task_not_found",
                "no runtime task named \"\(name)\"; add it with POST /tasks")
        case .failure(.nameMismatch(let expected, let found)):
            throw AdminError(
                .unprocessableContent, code: "name_mismatch",
                "the definition is named \"\(found)\" but the path names \"\(expected)\"; a task's name cannot "
                    + "change (remove it and add the new one)")
        case .failure(.unavailable(let why)):
            throw AdminError(.serviceUnavailable, code: "unavailable", "runtime tasks cannot be changed now: \(why)")
        }
    }

    /// 422 with every problem: in the definition with its JSON pointer, elsewhere with its file position.
    static func invalid(_ diagnostics: [ConfigDiagnostic], name: String?) -> TaskInvalidError {
        let errors = diagnostics.filter { $0.severity == .error }
        let problems = errors.map { diagnostic in
            let pointer = diagnostic.location.pointer
            let text = pointer.map { "\($0.isEmpty ? "/" : $0): \(diagnostic.message)" } ?? diagnostic.description
            return TaskInvalid.Problem(pointer: pointer, message: diagnostic.message, text: text)
        }
        let subject = name.map { "task \"\($0)\"" } ?? "the task definition"
        return TaskInvalidError(body: TaskInvalid(
            error: .init(
                code: "task_invalid",
                message: "\(subject) has \(errors.count) error(s): "
                    + problems.map(\.text).joined(separator: "; ") + "; nothing was changed"),
            problems: problems))
    }

    /// POST /tasks/{name}/run: a manual run now (`force=true` bypasses the overlap policy), or with a JSON body
    /// `{"at": RFC 3339, "delay": "10m", "config": {...}}` a run later and/or with a config override.
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
        let options = try RunOptions.parse(try await bodyText(request), now: context.clock.now())
        if let override = options.config, let problem = await context.scheduler.checkConfigOverride(
            task: name, override: override)
        {
            if await context.scheduler.generation.task(named: name) == nil { throw AdminError.taskNotFound(name) }
            throw AdminError(.unprocessableContent, code: "config_invalid", "/config: \(problem)")
        }
        guard let due = options.due else {
            let outcome = await context.scheduler.requestRun(
                task: name, trigger: .manual, force: force, configOverride: options.config)
            return try accepted(outcome, task: name)
        }
        if force {
            throw AdminError.badRequest("force=true applies to runs now; a planned run follows the overlap policy")
        }
        switch await context.scheduler.planRun(task: name, at: due, configOverride: options.config) {
        case .unknownTask:
            throw AdminError.taskNotFound(name)
        case .notAccepted:
            throw AdminError(
                .conflict, code: "not_accepted",
                "the daemon is not accepting runs (it is shutting down, or the plan could not be stored)")
        case .planned(let id, let dueAt):
            return JSONBody.response(
                RunPlanned(plannedId: id, task: name, status: "planned", dueAt: UTCTimestamp.rfc3339(micros: dueAt)),
                status: .accepted)
        }
    }
}

extension AdminRoutes {
    /// DELETE /tasks/{name}/planned/{id}: cancels a run planned for later that has not started.
    @Sendable static func cancelPlannedRun(_ request: Request, _ rc: BasicRequestContext, _ context: AdminContext)
        async throws -> Response
    {
        let name = try rc.parameters.require("name")
        let id = try runID(try rc.parameters.require("id"))
        guard await context.scheduler.cancelPlanned(id: id, task: name) else {
            throw AdminError(
                .notFound, code: "planned_run_not_found",
                "task \"\(name)\" has no planned run \(id) waiting (it ran already, or never existed)")
        }
        return JSONBody.response(PlannedRunCancelled(plannedId: id, task: name, cancelled: true))
    }
}

/// The body of `POST /tasks/{name}/run`.
struct RunOptions {
    /// When to run (µs since the epoch); nil: now.
    var due: Int64?
    /// The config override as a JSON object text.
    var config: String?

    /// Reads `{"at": ..., "delay": ..., "config": {...}}` (an empty body: run now as configured).
    static func parse(_ text: String, now: Int64) throws -> RunOptions {
        var options = RunOptions()
        guard !text.allSatisfy(\.isWhitespace) else { return options }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw AdminError.badRequest(
                "the body must be a JSON object such as {\"delay\": \"10m\"}, {\"at\": \"2026-12-01T10:00:00Z\"} "
                    + "or {\"config\": {...}}")
        }
        for key in object.keys where !["at", "delay", "config"].contains(key) {
            throw AdminError(
                .unprocessableContent, code: "run_options_invalid",
                "/\(key): unknown key; a run request takes \"at\", \"delay\" and \"config\"")
        }
        if object["at"] != nil, object["delay"] != nil {
            throw AdminError(
                .unprocessableContent, code: "run_options_invalid", "/delay: give either \"at\" or \"delay\", not both")
        }
        if let at = object["at"] {
            guard let text = at as? String, let seconds = CronFormat.parseRFC3339(text) else {
                throw AdminError(
                    .unprocessableContent, code: "run_options_invalid",
                    "/at: expected an RFC 3339 instant with an offset, e.g. 2026-12-01T10:00:00+01:00")
            }
            options.due = seconds * 1_000_000
        }
        if let delay = object["delay"] {
            guard let text = delay as? String, let duration = DurationParser.parse(text) else {
                throw AdminError(
                    .unprocessableContent, code: "run_options_invalid",
                    "/delay: expected a duration such as \"90s\", \"10m\" or \"1h30m\"")
            }
            options.due = now + duration.micros
        }
        if let config = object["config"] {
            guard config is [String: Any],
                  let data = try? JSONSerialization.data(withJSONObject: config, options: [.withoutEscapingSlashes])
            else {
                throw AdminError(
                    .unprocessableContent, code: "run_options_invalid",
                    "/config: expected a JSON object of plugin settings (merged into the task's config)")
            }
            options.config = String(decoding: data, as: UTF8.self)
        }
        return options
    }
}

/// A 422 whose body lists every problem of a task definition.
struct TaskInvalidError: HTTPResponseError {
    let body: TaskInvalid
    var status: HTTPResponse.Status { .unprocessableContent }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(body, status: status)
    }
}
