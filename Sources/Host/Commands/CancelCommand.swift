import Admin
import ArgumentParser

/// `housekeeper cancel RUN`: stops a running run or drops a queued one on the running daemon.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a running or queued run by its id (from `history` or `status`).",
        discussion: """
            A running run gets should_stop and is recorded cancelled when its plugin returns; a queued run is \
            dropped and recorded cancelled at once. Exits 2 when the run already ended.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The run id.")
    var run: Int64

    func run() async throws {
        let client = try DaemonConnection.client(options)
        do {
            let result = try await client.send("POST", "/runs/\(run)/cancel", as: CancelAccepted.self)
            Console.out("run \(result.runId): \(result.status)")
        } catch {
            throw DaemonConnection.failure(error)
        }
    }
}
