/// Decides whether a plugin file may be loaded into this process, before `dlopen` runs any of its code.
///
/// The loader asks once per new or changed file, after the permission checks and the private copy, on the
/// loader's (blocking) thread. A probe that loads the copy in a short-lived child process implements it, so a
/// file that crashes or hangs while loading cannot take the daemon down.
public protocol PluginVetter: Sendable {
    /// Why the file must not be loaded, or `nil` to go ahead.
    /// - Parameters:
    ///   - path: the file in the plugin directory.
    ///   - copy: the private, content-addressed copy the loader is about to dlopen (immutable).
    ///   - sha256: the copy's SHA-256, lowercase hex.
    /// - Returns: the rejection reason, e.g. `the probe process crashed with SIGSEGV while loading the file`.
    func rejection(forFile path: String, copy: String, sha256: String) -> String?
}
