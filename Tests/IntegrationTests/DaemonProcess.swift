import Foundation
import Testing

/// A running `housekeeper run` process with its log (standard error) captured to a file.
final class DaemonProcess {
    let process: Process
    let logFile: URL

    init(arguments: [String], in folder: URL) throws {
        logFile = folder.appendingPathComponent("daemon-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = Sandbox.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }

    /// Everything the daemon logged so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends a signal.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// How many times `text` appears in the log.
    func count(_ text: String) -> Int { log.components(separatedBy: text).count - 1 }

    /// Waits until `text` appears in the log at least `times` times.
    func waitFor(_ text: String, times: Int = 1, timeout: Duration = .seconds(30)) async throws {
        try await eventually("log to contain \"\(text)\" \(times)x\n--- log ---\n\(log)", timeout: timeout) {
            count(text) >= times
        }
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        try await eventually("the daemon to exit\n--- log ---\n\(log)", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }
}
