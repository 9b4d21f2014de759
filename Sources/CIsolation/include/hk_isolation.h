/*
 * hk_isolation.h — the few process calls the isolation module needs that Swift cannot make directly:
 * posix_spawn with file actions and attributes, wait4 with its status macros, setrlimit, pidfd_open,
 * and async-signal-safe handlers in the worker (a crash note and a stop pipe).
 * Every function returns -1 and leaves errno set on failure unless stated otherwise.
 */
#ifndef HK_ISOLATION_H
#define HK_ISOLATION_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Spawns `path` with `argv` and `envp` (NULL-terminated) in a new process group, with every signal at its
 * default action and none blocked, descriptors 0..3 set to `fds[0..3]` and every other descriptor closed.
 * `cwd` (may be NULL) becomes its working directory. Stores the child's pid in `*pid_out`.
 * Returns 0, or an errno value (posix_spawn's convention; errno is not used).
 */
int hk_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, const int fds[4],
             pid_t *pid_out);

/** pipe2(fds, O_CLOEXEC): fds[0] reads, fds[1] writes. */
int hk_pipe(int fds[2]);

/** How a child ended, with its resource usage. */
typedef struct hk_exit_status {
    int32_t exited;        /**< 1 when it called exit: `code` is valid. */
    int32_t code;          /**< the exit code. */
    int32_t signaled;      /**< 1 when a signal ended it: `signal` is valid. */
    int32_t signal;        /**< the signal number. */
    int32_t core_dumped;   /**< 1 when it left a core dump. */
    int32_t reserved;
    int64_t cpu_microseconds; /**< user + system CPU time. */
    int64_t max_rss_kib;   /**< peak resident set size, KiB. */
} hk_exit_status;

/**
 * wait4 on `pid`. With `nohang`, returns 0 when the child still runs; otherwise returns 1 and fills `*out`
 * once it ended (retrying on EINTR). Returns -1 on error.
 */
int hk_wait(pid_t pid, int nohang, hk_exit_status *out);

/**
 * Whether the child `pid` has ended, without reaping it (waitid with WNOWAIT): 1 ended, 0 still running, -1 error.
 * While it is unreaped its pid (and so its process group id) cannot be reused, so the group can still be signalled.
 */
int hk_has_exited(pid_t pid);

/** pidfd_open(pid, 0): a descriptor that polls readable once the child ended; -1 where unsupported. */
int hk_pidfd_open(pid_t pid);

/** Limits the process may set on itself. */
typedef enum hk_limit {
    HK_LIMIT_ADDRESS_SPACE = 0, /**< RLIMIT_AS, bytes. */
    HK_LIMIT_CPU = 1,           /**< RLIMIT_CPU, seconds: SIGXCPU at soft, SIGKILL at hard. */
    HK_LIMIT_OPEN_FILES = 2     /**< RLIMIT_NOFILE. */
} hk_limit;

/** setrlimit on the calling process. */
int hk_set_limit(hk_limit limit, uint64_t soft, uint64_t hard);

/** The calling process's address-space size in bytes (from /proc/self/statm), 0 if unknown. Signal-safe. */
uint64_t hk_address_space_bytes(void);

/**
 * Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP and SIGXCPU that write one crash
 * note frame to `fd` — [u32 LE length][u8 'C'][{"signal":N,"addressSpace":BYTES}] — then die by the same
 * signal (default action). Also gives the calling thread an alternate signal stack. Returns 0 or -1.
 */
int hk_install_crash_note(int fd);

/**
 * Makes SIGTERM write one byte to a pipe instead of ending the process; returns the pipe's read end
 * (non-blocking, close-on-exec), or -1.
 */
int hk_install_stop_pipe(void);

/** The signal's name, e.g. "SIGSEGV", or NULL when this table does not know it. */
const char *hk_signal_name(int signal);

/**
 * Returns memory malloc holds but no longer uses to the system (glibc's malloc_trim(0)): after a large
 * configuration is parsed, its freed parse trees would otherwise stay in the process's resident set.
 * Returns 1 when memory was released, 0 when there was none, or when the C library cannot do it.
 */
int hk_release_free_heap(void);

/**
 * Tunes glibc's malloc for a long-running daemon (mallopt); a value of 0 leaves that setting alone.
 * - `arenas`: caps the number of malloc arenas (M_ARENA_MAX): fewer arenas keep less free memory spread across
 *   threads.
 * - `mmap_threshold`: fixes the size from which malloc serves a block with its own mapping (M_MMAP_THRESHOLD), which
 *   also turns off glibc's raising of that threshold each time such a block is freed: blocks at least this large then
 *   go back to the system when freed instead of being carved from, and left as holes in, the arenas' heaps.
 * Returns 1 when every requested setting was applied, 0 otherwise (or when the C library cannot do it).
 */
int hk_tune_malloc(int arenas, int mmap_threshold);

/**
 * Sets the calling thread's timer slack (prctl(PR_SET_TIMERSLACK)) to `nanoseconds`: how late the kernel may wake
 * its timed sleeps to group wake-ups (50 us by default). The scheduler's alarm thread lowers it to wake at a slot's
 * instant. Returns 1 on success, 0 when the system refuses.
 */
int hk_set_timer_slack(unsigned long nanoseconds);

#ifdef __cplusplus
}
#endif

#endif
