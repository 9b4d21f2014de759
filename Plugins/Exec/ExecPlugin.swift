import HousekeeperPlugin

/// The descriptor of the `exec` plugin, built once when the host first calls the entry function.
let execPlugin = PluginExport(ExecTask.self)

/// The entry function the host resolves (`HK_ENTRY_SYMBOL`).
/// - Parameter hostVersion: the host's packed ABI version.
/// - Returns: the descriptor, or `nil` when this plugin cannot work with the host.
@_cdecl("housekeeper_plugin_entry_v1")
public func housekeeperPluginEntry(_ hostVersion: UInt32) -> UnsafeRawPointer? {
    execPlugin.entry(hostVersion: hostVersion)
}
