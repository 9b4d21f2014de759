/// The shapes of the admin API's JSON bodies, shared by the server and `AdminClient`. Keys are snake_case on the
/// wire; instants are RFC 3339 UTC strings with microseconds.

/// One task (`GET /tasks`, `GET /tasks/{name}`).
public struct TaskView: Codable, Sendable, Hashable {
    public var name: String
    public var plugin: String
    public var schedule: String?
    public var timezone: String
    public var enabled: Bool
    public var paused: Bool
    /// Runs calling the plugin now.
    public var running: Int
    /// Runs waiting for a slot.
    public var queued: Int
    /// The newest run that called the plugin.
    public var lastRun: RunView?
    public var nextRun: String?
    public var description: String?
    public var expectSuccessWithin: String?
}

/// `{"tasks": [...]}`.
public struct TaskList: Codable, Sendable, Hashable {
    public var tasks: [TaskView]
}

/// One row of history (`GET /runs/{id}`).
public struct RunView: Codable, Sendable, Hashable {
    public var id: Int64
    public var task: String
    public var plugin: String
    public var trigger: String
    public var status: String
    public var attempt: Int
    public var scheduledAt: String
    public var startedAt: String?
    public var finishedAt: String?
    public var durationSeconds: Double?
    public var error: String?
    public var output: String?
    public var firstRunId: Int64?
}

/// A page of runs, newest first (`GET /runs`); pass `before=next_before` for the next page.
public struct RunList: Codable, Sendable, Hashable {
    public var runs: [RunView]
    public var nextBefore: Int64?
}

/// The first decision about a triggered or retried run (`202`).
public struct RunAccepted: Codable, Sendable, Hashable {
    public var runId: Int64
    public var task: String
    /// `running` or `queued`.
    public var status: String
    public var reason: String?
}

/// The result of a cancel request (`202`).
public struct CancelAccepted: Codable, Sendable, Hashable {
    public var runId: Int64
    /// `stopping` (should_stop raised; the row ends `cancelled` when the plugin returns) or `cancelled`.
    public var status: String
}

/// A task's pause state after pause or resume.
public struct PauseState: Codable, Sendable, Hashable {
    public var task: String
    public var paused: Bool
}

/// What a successful reload changed (`POST /reload`).
public struct ReloadApplied: Codable, Sendable, Hashable {
    public var generation: Int
    public var added: [String]
    public var removed: [String]
    public var changed: [String]
    public var pluginsLoaded: [String]
}

/// `422` body of a failed reload: the error plus every diagnostic.
public struct ReloadFailed: Codable, Sendable, Hashable {
    public struct Diagnostic: Codable, Sendable, Hashable {
        public var file: String
        public var line: Int
        public var column: Int
        public var message: String
        /// `file:line:col: error: message`.
        public var text: String
    }

    public var error: ErrorEnvelope.Body
    public var diagnostics: [Diagnostic]
}

/// One plugin file (`GET /plugins`).
public struct PluginView: Codable, Sendable, Hashable {
    public var name: String
    public var version: String
    public var summary: String
    public var file: String
    public var sha256: String
    public var tasks: [String]
}

/// `{"plugins": [...], "rejected": [...]}`.
public struct PluginList: Codable, Sendable, Hashable {
    public struct Rejected: Codable, Sendable, Hashable {
        public var file: String
        public var reason: String
    }

    public var plugins: [PluginView]
    public var rejected: [Rejected]
}

/// An active alert.
public struct AlertView: Codable, Sendable, Hashable {
    public var kind: String
    public var task: String?
    public var message: String
    public var since: String
}

/// `GET /ready`: `ready` (200), or `degraded` / `unready` (503) with the reasons.
public struct Readiness: Codable, Sendable, Hashable {
    public var status: String
    public var checks: [String: Bool]
    public var reasons: [String]
    public var alerts: [AlertView]
}

/// `GET /status`: what the daemon is doing now.
public struct StatusView: Codable, Sendable, Hashable {
    public struct Active: Codable, Sendable, Hashable {
        public var runId: Int64
        public var task: String
        public var trigger: String
        public var startedAt: String
        public var runningSeconds: Double
        public var stopRequested: String?
    }

    public struct Waiting: Codable, Sendable, Hashable {
        public var runId: Int64
        public var task: String
    }

    public var generation: Int
    public var configFile: String
    public var uptimeSeconds: Double
    public var running: [Active]
    public var queued: [Waiting]
    public var paused: [String]
    public var alerts: [AlertView]
    public var tasks: [TaskView]
}
