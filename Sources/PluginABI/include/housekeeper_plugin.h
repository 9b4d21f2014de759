/*
 * housekeeper_plugin.h — the housekeeper task plugin ABI, version 1.
 *
 * This header is the whole public contract between the housekeeper daemon (the "host") and a task plugin
 * (a shared object the host dlopens). A plugin needs nothing else: no host symbols, no libraries.
 *
 *   cc -std=c99 -Wall -Wextra -shared -fPIC -I Sources/PluginABI/include -o libmine.so mine.c
 *
 * How a plugin is found and driven
 *   1. The host dlopens a private copy of the file with RTLD_NOW | RTLD_LOCAL and looks up the *function*
 *      `housekeeper_plugin_entry_v1` (HK_ENTRY_SYMBOL). It calls it once, on one thread, with its own ABI
 *      version. The function returns a pointer to a static descriptor, or NULL to refuse the host.
 *   2. For each task that names the plugin, the host calls `create` once with the task's `config:` block as
 *      JSON. `create` validates the config and returns an instance (or a status and an error message).
 *   3. For each run of the task the host calls `run` on a thread it owns. The host never calls `run`
 *      concurrently on one instance unless the descriptor sets HK_CAP_CONCURRENT_RUNS.
 *   4. When the task goes away (reload, shutdown) the host calls `destroy` once, after every `run` returned.
 *   The host never dlcloses a plugin: code stays mapped until the process exits.
 *
 * Versioning rules
 *   - HK_ABI_VERSION_MAJOR must be equal in host and plugin. A plugin's minor version must be <= the host's.
 *   - Every struct begins with `uint32_t struct_size`. The receiver copies min(struct_size, the size it knows)
 *     into a zeroed local, so fields are only ever appended, never reordered or removed.
 *   - Fields named `reserved` must be zero/NULL; they are placeholders for future minor versions.
 *
 * Memory rules
 *   Nothing crosses the boundary that the other side must free. Strings the host passes are NUL-terminated
 *   UTF-8 and valid only for the duration of the call that received them (copy what you keep). Strings and
 *   buffers a plugin hands to host callbacks are copied before the callback returns.
 *
 * Symbol and macro prefixes: C symbols `hk_`, macros `HK_`. All integers across the ABI are fixed-width.
 */
#ifndef HOUSEKEEPER_PLUGIN_H
#define HOUSEKEEPER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------------------ */
/* Versions                                                                                                     */
/* ------------------------------------------------------------------------------------------------------------ */

/** Major ABI version. A change here means old plugins cannot be loaded; the entry symbol's name changes too. */
#define HK_ABI_VERSION_MAJOR 1
/** Minor ABI version. Raised when fields or callbacks are appended; older plugins keep loading. */
#define HK_ABI_VERSION_MINOR 0
/** The packed version a plugin stores in `hk_plugin_descriptor.abi_version`: major in the high 16 bits. */
#define HK_ABI_VERSION (((uint32_t)HK_ABI_VERSION_MAJOR << 16) | (uint32_t)HK_ABI_VERSION_MINOR)
/** Extracts the major version from a packed version. */
#define HK_ABI_MAJOR(v) ((uint32_t)(v) >> 16)
/** Extracts the minor version from a packed version. */
#define HK_ABI_MINOR(v) ((uint32_t)(v) & 0xFFFFu)

/**
 * Returns non-zero when a host speaking packed version `host_abi_version` can drive a plugin compiled against
 * this header (same major, host minor >= this minor). Call it first in the entry function and return NULL when
 * it is 0. (Written as `+ 1u >` because `minor >= 0` trips -Wtype-limits while the minor version is 0.)
 */
static inline int hk_abi_compatible(uint32_t host_abi_version) {
    return HK_ABI_MAJOR(host_abi_version) == (uint32_t)HK_ABI_VERSION_MAJOR
        && HK_ABI_MINOR(host_abi_version) + 1u > (uint32_t)HK_ABI_VERSION_MINOR;
}

/**
 * ABI fingerprint of a plugin written in C (or any language that only uses this header's C types).
 * Plugins that depend on a language runtime shared with the host (Swift) use a fingerprint that also names
 * the compiler, e.g. "hk-abi-1;swift-6.3.1": the host refuses a Swift plugin built by another toolchain.
 */
#define HK_ABI_FINGERPRINT_C "hk-abi-1;c"

/** Largest run output the host records, in bytes; longer output is truncated (see set_output). */
#define HK_OUTPUT_MAX ((size_t)65536)

/** Name of the entry function the host resolves with dlsym. */
#define HK_ENTRY_SYMBOL "housekeeper_plugin_entry_v1"

/* ------------------------------------------------------------------------------------------------------------ */
/* Status codes                                                                                                 */
/* ------------------------------------------------------------------------------------------------------------ */

/** Result of `create` and `run`. Values are stable; new codes are only appended. */
typedef int32_t hk_status;

/** Success. */
#define HK_STATUS_OK ((hk_status)0)
/** The work failed. The host may retry it if the task has a retry policy. */
#define HK_STATUS_ERROR ((hk_status)1)
/** The task's `config:` is invalid (from `create`), or the run found a configuration problem. Never retried. */
#define HK_STATUS_CONFIG_ERROR ((hk_status)2)
/** A transient failure (a locked database, a network timeout): worth retrying. */
#define HK_STATUS_RETRYABLE ((hk_status)3)
/** The run stopped early because `should_stop` became true. */
#define HK_STATUS_CANCELLED ((hk_status)4)
/** A failure retrying cannot fix (missing file, permission denied). Never retried. */
#define HK_STATUS_PERMANENT ((hk_status)5)

/* ------------------------------------------------------------------------------------------------------------ */
/* Log levels (host logs through swift-log; these map onto its levels)                                          */
/* ------------------------------------------------------------------------------------------------------------ */

#define HK_LOG_TRACE ((int32_t)0)
#define HK_LOG_DEBUG ((int32_t)1)
#define HK_LOG_INFO ((int32_t)2)
#define HK_LOG_NOTICE ((int32_t)3)
#define HK_LOG_WARNING ((int32_t)4)
#define HK_LOG_ERROR ((int32_t)5)

/* ------------------------------------------------------------------------------------------------------------ */
/* Capability flags (hk_plugin_descriptor.capabilities)                                                         */
/* ------------------------------------------------------------------------------------------------------------ */

/** `run` may be called concurrently on one instance (the plugin synchronises its own instance state). */
#define HK_CAP_CONCURRENT_RUNS ((uint64_t)1 << 0)
/** The plugin polls `should_stop` and returns HK_STATUS_CANCELLED promptly when asked. Informational. */
#define HK_CAP_COOPERATIVE_STOP ((uint64_t)1 << 1)

/* ------------------------------------------------------------------------------------------------------------ */
/* Triggers (hk_run_context.trigger): why a run happens                                                         */
/* ------------------------------------------------------------------------------------------------------------ */

#define HK_TRIGGER_SCHEDULE ((uint32_t)0) /**< a cron slot fell due */
#define HK_TRIGGER_MANUAL ((uint32_t)1)   /**< an operator asked (CLI or API) */
#define HK_TRIGGER_STARTUP ((uint32_t)2)  /**< the daemon started (`startup: true`, `@reboot`) */
#define HK_TRIGGER_RETRY ((uint32_t)3)    /**< an earlier attempt failed and the retry policy fired */
#define HK_TRIGGER_CATCH_UP ((uint32_t)4) /**< a slot missed while the daemon was down */
#define HK_TRIGGER_DEPENDENCY ((uint32_t)5) /**< another task's run ended (`after:`, hooks, alerts) */

/* ------------------------------------------------------------------------------------------------------------ */
/* Host-owned error buffer                                                                                      */
/* ------------------------------------------------------------------------------------------------------------ */

/**
 * A buffer the host owns, passed to `create` and `run` for a human-readable error message.
 * Ownership: host. Lifetime: the duration of the call that received it. The plugin writes a NUL-terminated
 * UTF-8 message of at most `capacity` bytes including the NUL (use hk_error_set). Leaving it empty is allowed.
 */
typedef struct hk_error {
    uint32_t struct_size; /**< sizeof(hk_error) as the host knows it. */
    uint32_t capacity;    /**< bytes available at `message`, including the terminating NUL; at least 1. */
    char *message;        /**< host-owned storage; starts as "" (message[0] == 0). */
} hk_error;

/**
 * Copies `text` into the error buffer, truncating to its capacity and always NUL-terminating.
 * Safe with a NULL `err` or `text` (does nothing). Any thread.
 */
static inline void hk_error_set(hk_error *err, const char *text) {
    size_t n;
    if (err == NULL || text == NULL || err->message == NULL || err->capacity == 0) {
        return;
    }
    n = strlen(text);
    if (n >= (size_t)err->capacity) {
        n = (size_t)err->capacity - 1;
    }
    memcpy(err->message, text, n);
    err->message[n] = '\0';
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Host services                                                                                                */
/* ------------------------------------------------------------------------------------------------------------ */

/**
 * Opaque handle the host passes with every context; give it back as the first argument of every host callback.
 * Ownership: host. Lifetime: the create or run call that received it (a plugin thread started during `run`
 * may use it until `run` returns, not after).
 */
typedef struct hk_host hk_host;

/**
 * Table of host services. Ownership: host; static for the life of the process, so the pointer may be kept.
 * Every callback is safe to call from any thread, including threads the plugin starts, while its `hk_host`
 * handle is valid. Callbacks never call back into the plugin and never block for long.
 * Fields are only appended; check `struct_size` before using a field added after minor version 0.
 */
typedef struct hk_host_api {
    uint32_t struct_size;       /**< sizeof(hk_host_api) as the host knows it. */
    uint32_t host_abi_version;  /**< the host's HK_ABI_VERSION (packed). */

    /**
     * Writes one log line at `level` (HK_LOG_*). `message` is NUL-terminated UTF-8, copied before return.
     * The host adds the task name, run id and plugin name as metadata.
     */
    void (*log)(hk_host *host, int32_t level, const char *message);

    /**
     * Returns non-zero once the host wants the current run to stop (timeout, shutdown, replace, cancel).
     * Cheap (an atomic load): poll it in loops. Stays non-zero once it turned non-zero. Returns 0 during create.
     */
    int32_t (*should_stop)(hk_host *host);

    /**
     * Sets the run's output, recorded in history (typically a JSON document summarising what was done).
     * `data` need not be NUL-terminated; `length` bytes are copied before return. A later call replaces an
     * earlier one. The host keeps at most HK_OUTPUT_MAX bytes and notes the truncation. Ignored during create.
     */
    void (*set_output)(hk_host *host, const char *data, size_t length);

    /**
     * Reports progress: `fraction` in [0, 1], or a negative value when unknown; `message` may be NULL.
     * Copied before return. Ignored during create.
     */
    void (*progress)(hk_host *host, double fraction, const char *message);

    void *reserved[8]; /**< NULL. Future callbacks are appended after this block's fields, never into it. */
} hk_host_api;

/* ------------------------------------------------------------------------------------------------------------ */
/* Contexts passed to create and run                                                                            */
/* ------------------------------------------------------------------------------------------------------------ */

struct hk_plugin_descriptor; /* defined below; named by hk_create_context.descriptor */

/**
 * What `create` receives. Ownership: host. Lifetime: the `create` call only; copy what you keep
 * (`api` itself is static and may be kept).
 */
typedef struct hk_create_context {
    uint32_t struct_size;     /**< sizeof(hk_create_context) as the host knows it. */
    uint32_t reserved0;       /**< 0. */
    const hk_host_api *api;   /**< host services; static, may be kept for the life of the instance. */
    hk_host *host;            /**< handle for `api` callbacks during this call (logging only). */
    const char *task_name;    /**< the task's name from the configuration. */
    const char *config_json;  /**< the task's `config:` mapping as a JSON object ("{}" when absent). */
    size_t config_json_length; /**< length of `config_json` in bytes, excluding the NUL that follows it. */
    const char *state_directory; /**< a directory the plugin may use for files of this task; may not exist yet. */
    /**
     * The very pointer this plugin's entry function returned. Lets one `create` implementation serve several
     * plugins (a language kit, a C++ template) and find per-plugin data next to its descriptor without globals.
     */
    const struct hk_plugin_descriptor *descriptor;
} hk_create_context;

/**
 * What `run` receives. Ownership: host. Lifetime: the `run` call only (threads the plugin starts must be done
 * with it before `run` returns).
 */
typedef struct hk_run_context {
    uint32_t struct_size;     /**< sizeof(hk_run_context) as the host knows it. */
    uint32_t trigger;         /**< HK_TRIGGER_*: why this run happens. */
    const hk_host_api *api;   /**< host services. */
    hk_host *host;            /**< handle for `api` callbacks during this run. */
    const char *task_name;    /**< the task's name. */
    const char *run_id;       /**< the run's id in history (decimal string). */
    int64_t scheduled_at_us;  /**< the nominal instant this run is for, microseconds since the Unix epoch, UTC. */
    int64_t started_at_us;    /**< when the host started this run, microseconds since the Unix epoch, UTC. */
    uint32_t attempt;         /**< 1 for a first attempt, 2 for the first retry, and so on. */
    uint32_t reserved0;       /**< 0. */
    const char *context_json; /**< JSON object with extra context (triggering run for hooks/alerts), or "{}". */
    size_t context_json_length; /**< length of `context_json` in bytes. */
    int64_t deadline_us;      /**< when the timeout sets should_stop (Unix microseconds), or 0 for none. */
} hk_run_context;

/* ------------------------------------------------------------------------------------------------------------ */
/* Plugin functions                                                                                             */
/* ------------------------------------------------------------------------------------------------------------ */

/**
 * Creates an instance for one task. Validate the configuration here: the host calls create for every task
 * during `housekeeper check` and before a reload is applied, so a bad `config:` is reported before it runs.
 * Thread: any host thread; never concurrently with another call on the same instance.
 * On success store an opaque pointer in `*instance_out` (may be NULL if you keep no state) and return
 * HK_STATUS_OK. On failure return HK_STATUS_CONFIG_ERROR (or another code) and describe the problem in `err`
 * naming the offending key, e.g. "path: must be an absolute directory".
 */
typedef hk_status (*hk_create_fn)(const hk_create_context *ctx, void **instance_out, hk_error *err);

/**
 * Runs the task once. Blocking is fine: the host calls run on a thread it owns, never on its event loop.
 * Poll `ctx->api->should_stop(ctx->host)` and return HK_STATUS_CANCELLED when it turns non-zero.
 * Thread: a host-owned thread; not concurrently on one instance unless HK_CAP_CONCURRENT_RUNS is set.
 * Returns an HK_STATUS_* code; on failure describe it in `err`.
 */
typedef hk_status (*hk_run_fn)(void *instance, const hk_run_context *ctx, hk_error *err);

/**
 * Destroys an instance made by `create`; called exactly once, after every `run` on it returned.
 * Thread: any host thread. Must not call host callbacks.
 */
typedef void (*hk_destroy_fn)(void *instance);

/* ------------------------------------------------------------------------------------------------------------ */
/* The descriptor                                                                                               */
/* ------------------------------------------------------------------------------------------------------------ */

/**
 * Describes a plugin. Ownership: plugin; must be static (valid for the life of the process) and immutable.
 */
typedef struct hk_plugin_descriptor {
    uint32_t struct_size;       /**< sizeof(hk_plugin_descriptor) as the plugin was compiled. */
    uint32_t abi_version;       /**< HK_ABI_VERSION the plugin was compiled against. */
    const char *abi_fingerprint; /**< HK_ABI_FINGERPRINT_C, or a language-specific fingerprint (see above). */
    const char *name;           /**< unique plugin name tasks refer to: [a-z0-9][a-z0-9._-]*, at most 64 bytes. */
    const char *version;        /**< the plugin's own version, free form (semantic versioning recommended). */
    const char *description;    /**< one line for `housekeeper plugins`; may be NULL. */
    uint64_t capabilities;      /**< HK_CAP_* flags. */
    hk_create_fn create;        /**< required. */
    hk_run_fn run;              /**< required. */
    hk_destroy_fn destroy;      /**< required (may do nothing). */
    void *reserved[4];          /**< NULL. */
} hk_plugin_descriptor;

/**
 * The entry function every plugin exports under the name HK_ENTRY_SYMBOL ("housekeeper_plugin_entry_v1").
 * `host_abi_version` is the host's packed HK_ABI_VERSION; a plugin that needs a newer host returns NULL.
 * Thread: called once per loaded file, on one host thread, before any other call.
 * Returns a pointer to a static descriptor, or NULL to refuse.
 */
typedef const hk_plugin_descriptor *(*hk_entry_fn)(uint32_t host_abi_version);

/**
 * Gives the entry function default visibility (C linkage comes from the `extern "C"` a C++ plugin adds itself):
 *
 *   HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version);
 */
#if defined(__GNUC__) || defined(__clang__)
#define HK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HK_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HOUSEKEEPER_PLUGIN_H */
