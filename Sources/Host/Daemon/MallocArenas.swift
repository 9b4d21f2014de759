import CIsolation
import Glibc

/// Caps glibc's malloc arenas for the daemon's life.
///
/// glibc gives threads that allocate concurrently arenas of their own (up to eight per core). The daemon's threads
/// (the cooperative pool, the plugin pool, GRDB's writer) hand objects to each other all the time, and each arena
/// keeps its own free memory, so resident memory crept up for minutes under a steady load: +6 % to +10 % from 20 s
/// to 120 s of 1,000 every-second tasks, against +4.3 % with two arenas (same CPU per run). `MALLOC_ARENA_MAX` in
/// the environment still wins: it is read before this runs, and this only applies when it is unset.
enum MallocArenas {
    /// The cap: two arenas (the main one and one for every other thread).
    static let cap: Int32 = 2

    /// Applies the cap unless `MALLOC_ARENA_MAX` is set. Call once, early in the daemon's start-up.
    static func capUnlessConfigured() {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = hk_cap_malloc_arenas(cap)
    }
}
