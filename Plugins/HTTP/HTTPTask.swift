import HousekeeperPlugin

struct HTTPTask: HousekeeperTask {
    static let name = "http"
    static let version = "0.0.1"
    static let summary = "not yet"
    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        throw PluginError(.config, "config: not implemented yet")
    }
    func run(_ context: RunContext) throws(PluginError) {}
}
