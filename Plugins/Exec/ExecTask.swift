import HousekeeperPlugin

struct ExecTask: HousekeeperTask {
    static let name = "exec"
    static let version = "0.0.1"
    static let summary = "not yet"
    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        throw PluginError(.config, "config: not implemented yet")
    }
    func run(_ context: RunContext) throws(PluginError) {}
}
