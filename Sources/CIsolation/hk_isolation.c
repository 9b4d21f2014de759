#define _GNU_SOURCE
#include "hk_isolation.h"

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int hk_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, const int fds[4],
             pid_t *pid_out) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    sigset_t none, all;
    int temporary[4] = {-1, -1, -1, -1};
    int result, i;

    /* Move the sources out of 0..3 first, so one dup2 cannot clobber the source of another. */
    for (i = 0; i < 4; i++) {
        temporary[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
        if (temporary[i] < 0) {
            result = errno;
            while (i-- > 0) close(temporary[i]);
            return result;
        }
    }
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    for (i = 0; i < 4; i++) posix_spawn_file_actions_adddup2(&actions, temporary[i], i);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    if (cwd != NULL) posix_spawn_file_actions_addchdir_np(&actions, cwd);

    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    result = posix_spawn(pid_out, path, &actions, &attributes, argv, envp);

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    for (i = 0; i < 4; i++) close(temporary[i]);
    return result;
}

int hk_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int hk_wait(pid_t pid, int nohang, hk_exit_status *out) {
    int status = 0;
    struct rusage usage;
    pid_t found;
    memset(&usage, 0, sizeof usage);
    do {
        found = wait4(pid, &status, nohang ? WNOHANG : 0, &usage);
    } while (found < 0 && errno == EINTR);
    if (found < 0) return -1;
    if (found == 0) return 0;
    memset(out, 0, sizeof *out);
    if (WIFEXITED(status)) {
        out->exited = 1;
        out->code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        out->signaled = 1;
        out->signal = WTERMSIG(status);
#ifdef WCOREDUMP
        out->core_dumped = WCOREDUMP(status) ? 1 : 0;
#endif
    }
    out->cpu_microseconds = (int64_t)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec
        + (int64_t)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
    out->max_rss_kib = usage.ru_maxrss;
    return 1;
}

int hk_has_exited(pid_t pid) {
    siginfo_t info;
    int result;
    memset(&info, 0, sizeof info);
    do {
        result = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
    } while (result < 0 && errno == EINTR);
    if (result < 0) return -1;
    return info.si_pid == pid ? 1 : 0;
}

int hk_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int hk_set_limit(hk_limit limit, uint64_t soft, uint64_t hard) {
    struct rlimit value;
    int resource;
    switch (limit) {
    case HK_LIMIT_ADDRESS_SPACE: resource = RLIMIT_AS; break;
    case HK_LIMIT_CPU: resource = RLIMIT_CPU; break;
    case HK_LIMIT_OPEN_FILES: resource = RLIMIT_NOFILE; break;
    default: errno = EINVAL; return -1;
    }
    value.rlim_cur = (rlim_t)soft;
    value.rlim_max = (rlim_t)hard;
    return setrlimit(resource, &value);
}

uint64_t hk_address_space_bytes(void) {
    char buffer[64];
    ssize_t count;
    uint64_t pages = 0;
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    count = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (count <= 0) return 0;
    for (ssize_t i = 0; i < count && buffer[i] >= '0' && buffer[i] <= '9'; i++) {
        pages = pages * 10 + (uint64_t)(buffer[i] - '0');
    }
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Signal handlers take no context, so the descriptor they write to is process state: set once, in the worker or
 * probe process only (never in the daemon), before the plugin is loaded. */
static int crash_note_fd = -1;

/* Appends the decimal digits of `value` at `out`; returns how many were written. Signal-safe. */
static size_t put_decimal(char *out, uint64_t value) {
    char digits[24];
    size_t n = 0, i;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    return n;
}

static size_t put_text(char *out, const char *text) {
    size_t n = strlen(text);
    memcpy(out, text, n);
    return n;
}

static void crash_note_handler(int signal_number) {
    char frame[160];
    size_t length = 5;
    uint32_t payload;
    int saved = errno;
    if (crash_note_fd >= 0) {
        frame[4] = 'C';
        length += put_text(frame + length, "{\"signal\":");
        length += put_decimal(frame + length, (uint64_t)signal_number);
        length += put_text(frame + length, ",\"addressSpace\":");
        length += put_decimal(frame + length, hk_address_space_bytes());
        length += put_text(frame + length, "}");
        payload = (uint32_t)(length - 4);
        frame[0] = (char)(payload & 0xFF);
        frame[1] = (char)((payload >> 8) & 0xFF);
        frame[2] = (char)((payload >> 16) & 0xFF);
        frame[3] = (char)((payload >> 24) & 0xFF);
        (void)!write(crash_note_fd, frame, length);
    }
    errno = saved;
    /* SA_RESETHAND restored the default action: die by this very signal. */
    raise(signal_number);
}

int hk_install_crash_note(int fd) {
    static const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGXCPU};
    struct sigaction action;
    stack_t stack;
    size_t i;
    crash_note_fd = fd;
    stack.ss_size = 64 * 1024;
    stack.ss_sp = malloc(stack.ss_size);
    stack.ss_flags = 0;
    if (stack.ss_sp != NULL) (void)sigaltstack(&stack, NULL);
    memset(&action, 0, sizeof action);
    action.sa_handler = crash_note_handler;
    action.sa_flags = SA_RESETHAND | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &action, NULL) != 0) return -1;
    }
    return 0;
}

/* The same for the stop pipe: set once by hk_install_stop_pipe in a worker process, read by its handler. */
static int stop_pipe_write = -1;

static void stop_handler(int signal_number) {
    char byte = 1;
    int saved = errno;
    (void)signal_number;
    (void)!write(stop_pipe_write, &byte, 1);
    errno = saved;
}

int hk_install_stop_pipe(void) {
    int ends[2];
    struct sigaction action;
    if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    stop_pipe_write = ends[1];
    memset(&action, 0, sizeof action);
    action.sa_handler = stop_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    return ends[0];
}

const char *hk_signal_name(int signal_number) {
    switch (signal_number) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGSYS: return "SIGSYS";
    default: return NULL;
    }
}

int hk_release_free_heap(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

int hk_tune_malloc(int arenas, int mmap_threshold) {
#if defined(__GLIBC__)
    int applied = 1;
    if (arenas > 0 && mallopt(M_ARENA_MAX, arenas) != 1) applied = 0;
    if (mmap_threshold > 0 && mallopt(M_MMAP_THRESHOLD, mmap_threshold) != 1) applied = 0;
    return applied;
#else
    (void)arenas;
    (void)mmap_threshold;
    return 0;
#endif
}

int hk_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 1 : 0;
}
