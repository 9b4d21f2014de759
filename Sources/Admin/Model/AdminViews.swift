// The shapes of the admin API's JSON bodies, shared by the server and `AdminClient`. Keys are snake_case on the
// wire; instants are RFC 3339 UTC strings with microseconds.

/// One task (`GET /tasks`, `GET /tasks/{name}`).
public struct TaskView: Codable, Sendable, Hashable {
    /// The name.
    public var name: String
    /// The plugin name.
    public var plugin: String
    /// The cron expression as written, if any.
    public var schedule: String?
    /// The IANA zone the schedule is matched in.
    public var timezone: String
    /// False: loaded but never scheduled.
    public var enabled: Bool
    /// Whether an operator paused it.
    public var paused: Bool
    /// Runs calling the plugin now.
    public var running: Int
    /// Runs waiting for a slot.
    public var queued: Int
    /// The newest run that called the plugin.
    public var lastRun: RunView?
    /// The next slot, if any.
    public var nextRun: String?
    /// Free-form description from the configuration.
    public var description: String?
    /// The dead-man's switch window, if set.
    public var expectSuccessWithin: String?
    /// `config` (the YAML file, read-only here) or `api` (a runtime task: `PUT`/`DELETE /tasks/{name}`).
    public var source: String
    /// An `at:` task whose last instant has passed: it runs no more (its runs stay in history).
    public var completed: Bool
    /// A runtime task's definition as sent (JSON text); `GET /tasks/{name}` only.
    public var definition: String?
    /// Extra runs planned for later (`POST /tasks/{name}/run` with `at` or `delay`); `GET /tasks/{name}` only.
    public var plannedRuns: [PlannedRunView]?
}

/// An extra run waiting for its instant.
public struct PlannedRunView: Codable, Sendable, Hashable {
    /// Its id.
    public var id: Int64
    /// When it runs (RFC 3339, UTC).
    public var dueAt: String
    /// Whether it carries a config override.
    public var configOverride: Bool
}

/// The answer to a run planned for later (`202`).
public struct RunPlanned: Codable, Sendable, Hashable {
    /// The planned run's id.
    public var plannedId: Int64
    /// Task name.
    public var task: String
    /// `planned`.
    public var status: String
    /// When it runs (RFC 3339, UTC).
    public var dueAt: String
}

/// The answer to `DELETE /tasks/{name}/planned/{id}`.
public struct PlannedRunCancelled: Codable, Sendable, Hashable {
    /// The planned run's id.
    public var plannedId: Int64
    /// Task name.
    public var task: String
    /// Always true.
    public var cancelled: Bool
}

/// The answer to `DELETE /tasks/{name}`.
public struct TaskRemoved: Codable, Sendable, Hashable {
    /// Task name.
    public var task: String
    /// Always true.
    public var removed: Bool
}

/// A task definition the daemon refused (`422`): every problem, with the JSON member it is about.
public struct TaskInvalid: Codable, Sendable, Hashable {
    /// One problem.
    public struct Problem: Codable, Sendable, Hashable {
        /// JSON pointer into the definition (`/retry/attempts`; "" for the whole), when the problem is in it.
        public var pointer: String?
        /// For people.
        public var message: String
        /// `/retry/attempts: message`, or `file:line:col: message` for a problem elsewhere.
        public var text: String
    }

    /// Error message.
    public var error: ErrorEnvelope.Body
    /// Every problem.
    public var problems: [Problem]
}

/// `{"tasks": [...]}`.
public struct TaskList: Codable, Sendable, Hashable {
    /// The tasks.
    public var tasks: [TaskView]
}

/// One row of history (`GET /runs/{id}`).
public struct RunView: Codable, Sendable, Hashable {
    /// History row id.
    public var id: Int64
    /// Task name.
    public var task: String
    /// The plugin name.
    public var plugin: String
    /// Why it ran: schedule, manual, startup, retry, catch-up, dependency.
    public var trigger: String
    /// Status.
    public var status: String
    /// 1 for a first attempt.
    public var attempt: Int
    /// Nominal instant.
    public var scheduledAt: String
    /// When the plugin was called.
    public var startedAt: String?
    /// When it ended.
    public var finishedAt: String?
    /// How long the plugin ran.
    public var durationSeconds: Double?
    /// Error message or skip reason.
    public var error: String?
    /// What the plugin reported.
    public var output: String?
    /// For a retry attempt: the first attempt's id.
    public var firstRunId: Int64?
}

/// A page of runs, newest first (`GET /runs`); pass `before=next_before` for the next page.
public struct RunList: Codable, Sendable, Hashable {
    /// Runs, newest first.
    public var runs: [RunView]
    /// Pass as `before` for the next page; nil on the last page.
    public var nextBefore: Int64?
}

/// The first decision about a triggered or retried run (`202`).
public struct RunAccepted: Codable, Sendable, Hashable {
    /// History row id of the run.
    public var runId: Int64
    /// Task name.
    public var task: String
    /// `running` or `queued`.
    public var status: String
    /// Why it queued, if it did.
    public var reason: String?
}

/// The result of a cancel request (`202`).
public struct CancelAccepted: Codable, Sendable, Hashable {
    /// History row id of the run.
    public var runId: Int64
    /// `stopping` (should_stop raised; the row ends `cancelled` when the plugin returns) or `cancelled`.
    public var status: String
}

/// A task's pause state after pause or resume.
public struct PauseState: Codable, Sendable, Hashable {
    /// Task name.
    public var task: String
    /// Whether an operator paused it.
    public var paused: Bool
}

/// What a successful reload changed (`POST /reload`).
public struct ReloadApplied: Codable, Sendable, Hashable {
    /// The configuration generation number.
    public var generation: Int
    /// Tasks added.
    public var added: [String]
    /// Tasks removed.
    public var removed: [String]
    /// Tasks whose definition or plugin changed.
    public var changed: [String]
    /// Plugin files loaded anew.
    public var pluginsLoaded: [String]
}

/// `422` body of a failed reload: the error plus every diagnostic.
public struct ReloadFailed: Codable, Sendable, Hashable {
    /// One configuration error.
    public struct Diagnostic: Codable, Sendable, Hashable {
        /// File path.
        public var file: String
        /// 1-based line.
        public var line: Int
        /// 1-based column.
        public var column: Int
        /// For people.
        public var message: String
        /// `file:line:col: error: message`.
        public var text: String
    }

    /// Error message or skip reason.
    public var error: ErrorEnvelope.Body
    /// Every diagnostic.
    public var diagnostics: [Diagnostic]
}

/// One plugin file (`GET /plugins`).
public struct PluginView: Codable, Sendable, Hashable {
    /// The name.
    public var name: String
    /// Plugin version.
    public var version: String
    /// One-line summary.
    public var summary: String
    /// File path.
    public var file: String
    /// Content hash of the file.
    public var sha256: String
    /// The tasks.
    public var tasks: [String]
}

/// `{"plugins": [...], "rejected": [...]}`.
public struct PluginList: Codable, Sendable, Hashable {
    /// A file that is not a loadable plugin.
    public struct Rejected: Codable, Sendable, Hashable {
        /// File path.
        public var file: String
        /// Why it queued, if it did.
        public var reason: String
    }

    /// Loaded plugins.
    public var plugins: [PluginView]
    /// Files that are not loadable plugins, with the reason.
    public var rejected: [Rejected]
}

/// An active alert.
public struct AlertView: Codable, Sendable, Hashable {
    /// Alert kind: error_rate, memory, no_success.
    public var kind: String
    /// Task name.
    public var task: String?
    /// For people.
    public var message: String
    /// When it was raised.
    public var since: String
}

/// `GET /ready`: `ready` (200), or `degraded` / `unready` (503) with the reasons.
public struct Readiness: Codable, Sendable, Hashable {
    /// Status.
    public var status: String
    /// Each readiness check and whether it passed.
    public var checks: [String: Bool]
    /// Why it is not ready.
    public var reasons: [String]
    /// Active alerts.
    public var alerts: [AlertView]
}

/// `GET /status`: what the daemon is doing now.
public struct StatusView: Codable, Sendable, Hashable {
    /// A running run.
    public struct Active: Codable, Sendable, Hashable {
        /// History row id of the run.
        public var runId: Int64
        /// Task name.
        public var task: String
        /// Why it ran: schedule, manual, startup, retry, catch-up, dependency.
        public var trigger: String
        /// When the plugin was called.
        public var startedAt: String
        /// How long it has run.
        public var runningSeconds: Double
        /// Why should_stop was raised, if it was.
        public var stopRequested: String?
    }

    /// A queued run.
    public struct Waiting: Codable, Sendable, Hashable {
        /// History row id of the run.
        public var runId: Int64
        /// Task name.
        public var task: String
    }

    /// The configuration generation number.
    public var generation: Int
    /// The configuration file.
    public var configFile: String
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double
    /// Runs calling the plugin now.
    public var running: [Active]
    /// Runs waiting for a slot.
    public var queued: [Waiting]
    /// Whether an operator paused it.
    public var paused: [String]
    /// Active alerts.
    public var alerts: [AlertView]
    /// The tasks.
    public var tasks: [TaskView]
}
