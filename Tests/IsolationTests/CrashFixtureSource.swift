/// C source of the misbehaving fixture plugins, one behaviour per `-DFX_<MODE>` flag:
/// FX_SEGFAULT, FX_ABORT, FX_TRAP (a Swift-style trap instruction), FX_EXIT3 (in `run`);
/// FX_LOOP (ignores should_stop), FX_COOPERATIVE (honours it), FX_DIE_ON_SIGTERM (SIGTERM kills it);
/// FX_MEMORY (allocates 1 MiB blocks until malloc fails, then uses the NULL it got); FX_SPIN (burns CPU);
/// FX_FILES (opens files until it runs out of descriptors);
/// FX_GARBAGE_STDOUT, FX_GARBAGE_PROTOCOL (writes junk to descriptor 3); FX_CRASH_CREATE; FX_CRASH_ENTRY,
/// FX_HANG_ENTRY (in the entry function). Without a flag `run` succeeds and reports its environment.
/// FX_BIG_IMAGE (with any mode) adds 8 MiB of initialised data to the file.
/// `create` refuses a config containing "bad" with HK_STATUS_CONFIG_ERROR.
enum CrashFixtureSource {
    static let plugin = #"""
    #define _GNU_SOURCE
    #include "housekeeper_plugin.h"
    #include <signal.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <time.h>
    #include <unistd.h>

    #ifndef FX_NAME
    #define FX_NAME "crashy"
    #endif
    #ifndef FX_LABEL
    #define FX_LABEL "1.0"
    #endif
    #ifdef FX_BIG_IMAGE
    /* 8 MiB of initialised data: loading the file maps more than a 1 MiB memory limit allows. */
    char hk_fixture_big_image[8 << 20] = {1};
    #endif

    static void nap(long milliseconds) {
        struct timespec t;
        t.tv_sec = milliseconds / 1000;
        t.tv_nsec = (milliseconds % 1000) * 1000000L;
        nanosleep(&t, NULL);
    }

    static hk_status fx_create(const hk_create_context *ctx, void **out, hk_error *err) {
        ctx->api->log(ctx->host, HK_LOG_INFO, "creating the instance");
    #ifdef FX_CRASH_CREATE
        ctx->api->log(ctx->host, HK_LOG_WARNING, "about to crash in create");
        *(volatile int *)0 = 1;
    #endif
        if (strstr(ctx->config_json, "bad") != NULL) {
            hk_error_set(err, "bad: this key is not allowed");
            return HK_STATUS_CONFIG_ERROR;
        }
        *out = NULL;
        return HK_STATUS_OK;
    }

    static hk_status fx_run(void *instance, const hk_run_context *ctx, hk_error *err) {
        (void)instance;
        (void)err;
        ctx->api->log(ctx->host, HK_LOG_NOTICE, "run started");
        ctx->api->progress(ctx->host, 0.25, "a quarter");
    #if defined(FX_SEGFAULT)
        ctx->api->log(ctx->host, HK_LOG_WARNING, "about to dereference NULL");
        *(volatile int *)0 = 1;
    #elif defined(FX_ABORT)
        ctx->api->log(ctx->host, HK_LOG_ERROR, "about to abort");
        abort();
    #elif defined(FX_TRAP)
        ctx->api->log(ctx->host, HK_LOG_ERROR, "about to trap");
        __builtin_trap(); /* ud2 on x86-64: what a Swift force-unwrap of nil or a fatalError executes */
    #elif defined(FX_EXIT3)
        ctx->api->log(ctx->host, HK_LOG_INFO, "about to exit(3)");
        exit(3);
    #elif defined(FX_LOOP)
        ctx->api->log(ctx->host, HK_LOG_INFO, "looping");
        for (;;) nap(10);
    #elif defined(FX_DIE_ON_SIGTERM)
        /* As a worker whose SIGTERM handler is not installed yet (a stop just as it starts): SIGTERM ends it. */
        signal(SIGTERM, SIG_DFL);
        ctx->api->log(ctx->host, HK_LOG_INFO, "looping");
        for (;;) nap(10);
    #elif defined(FX_COOPERATIVE)
        ctx->api->log(ctx->host, HK_LOG_INFO, "looping");
        while (!ctx->api->should_stop(ctx->host)) nap(5);
        hk_error_set(err, "stopped on request");
        return HK_STATUS_CANCELLED;
    #elif defined(FX_MEMORY)
        {
            size_t total = 0;
            ctx->api->log(ctx->host, HK_LOG_INFO, "allocating");
            for (;;) {
                char *block = malloc(1 << 20);
                memset(block, 7, 1 << 20); /* no NULL check: the crash a real bug would have */
                total += 1 << 20;
                if (total > ((size_t)8 << 30)) return HK_STATUS_ERROR;
            }
        }
    #elif defined(FX_SPIN)
        {
            volatile unsigned long n = 0;
            ctx->api->log(ctx->host, HK_LOG_INFO, "spinning");
            for (;;) n++;
        }
    #elif defined(FX_FILES)
        ctx->api->log(ctx->host, HK_LOG_INFO, "opening files");
        while (fopen("/dev/null", "r") != NULL) {} /* leaks every one, as a descriptor leak would */
        hk_error_set(err, "fopen: Too many open files");
        return HK_STATUS_ERROR;
    #elif defined(FX_GARBAGE_STDOUT)
        printf("garbage line one\n\x01\x02\xff\xfe not a frame\nlast garbage line\n");
        fflush(stdout);
        fprintf(stderr, "complaint on stderr\n");
        ctx->api->set_output(ctx->host, "{\"garbage\": true}", 17);
        return HK_STATUS_OK;
    #elif defined(FX_GARBAGE_PROTOCOL)
        ctx->api->log(ctx->host, HK_LOG_INFO, "writing junk to descriptor 3");
        (void)!write(3, "\xff\xff\xff\x7fjunk junk junk", 18);
        return HK_STATUS_OK;
    #else
        {
            char text[1024];
            char cwd[512];
            const char *value = getenv("HK_FIXTURE");
            const char *home = getenv("HOME");
            if (getcwd(cwd, sizeof cwd) == NULL) strcpy(cwd, "?");
            snprintf(text, sizeof text, "{\"env\": \"%s\", \"home\": \"%s\", \"cwd\": \"%s\", \"attempt\": %u}",
                     value ? value : "", home ? home : "", cwd, ctx->attempt);
            ctx->api->set_output(ctx->host, text, strlen(text));
            ctx->api->progress(ctx->host, 1.0, "done");
            ctx->api->log(ctx->host, HK_LOG_INFO, "run finished");
            return HK_STATUS_OK;
        }
    #endif
        return HK_STATUS_ERROR;
    }

    static void fx_destroy(void *instance) { (void)instance; }

    static const hk_plugin_descriptor descriptor = {
        sizeof(hk_plugin_descriptor), HK_ABI_VERSION, HK_ABI_FINGERPRINT_C, FX_NAME, FX_LABEL, "a crash fixture", 0,
        fx_create, fx_run, fx_destroy, {NULL, NULL, NULL, NULL},
    };

    HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version);
    HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version) {
        (void)host_abi_version;
    #if defined(FX_CRASH_ENTRY)
        *(volatile int *)0 = 1;
    #elif defined(FX_HANG_ENTRY)
        for (;;) nap(10);
    #endif
        return &descriptor;
    }
    """#
}
