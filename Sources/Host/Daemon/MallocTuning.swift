import CIsolation
import Glibc

/// Caps glibc's malloc arenas and fixes its mapping threshold for the daemon's life.
///
/// glibc gives threads that allocate concurrently arenas of their own (up to eight per core). The daemon's threads
/// (the cooperative pool, the plugin pool, GRDB's writer) hand objects to each other all the time, and each arena
/// keeps its own free memory, so resident memory crept up for minutes under a steady load: +6 % to +10 % from 20 s
/// to 120 s of 1,000 every-second tasks, against +4.3 % with two arenas (same CPU per run). `MALLOC_ARENA_MAX` in
/// the environment still wins: it is read before this runs, and this only applies when it is unset.
///
/// glibc also raises the size from which a block gets a mapping of its own each time such a block is freed, up to
/// 32 MiB, so after the first second of the steady workload the scheduler's per-second buffers (an instant's held
/// history rows, the writer's batch: a thousand rows each) were carved from the arenas' heaps and freed into holes
/// between longer-lived objects: +5.6 % and +5.8 % RSS over 10-minute soaks (`SOAK_SECONDS=600`), against +0.4 %
/// with the threshold fixed at glibc's initial 128 KiB (`MALLOC_MMAP_THRESHOLD_=131072`, same CPU per run).
/// `MALLOC_MMAP_THRESHOLD_` in the environment still wins, as `MALLOC_ARENA_MAX` does.
enum MallocTuning {
    /// The cap: two arenas (the main one and one for every other thread).
    static let cap: Int32 = 2
    /// Blocks of at least this many bytes get a mapping of their own: glibc's initial threshold, kept.
    static let mmapThreshold: Int32 = 128 * 1024

    /// Applies the cap and the threshold unless the environment sets them. Call once, early in the daemon's
    /// start-up.
    static func applyUnlessConfigured() {
        _ = hk_tune_malloc(
            getenv("MALLOC_ARENA_MAX") == nil ? cap : 0, getenv("MALLOC_MMAP_THRESHOLD_") == nil ? mmapThreshold : 0)
    }
}
