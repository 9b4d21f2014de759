/// C sources of fixture plugins, configured at compile time with `-D` flags so one source covers every case.
enum FixtureSource {
    /// A plugin whose descriptor and behaviour follow these macros (defaults in brackets):
    /// FX_NAME ["fixture"], FX_VERSION [HK_ABI_VERSION], FX_FINGERPRINT [HK_ABI_FINGERPRINT_C],
    /// FX_RESERVED [NULL], FX_ENTRY [housekeeper_plugin_entry_v1], FX_RETURN_NULL, FX_LABEL ["one"]
    /// (its version string, to make different content). `create` refuses a config containing "bad";
    /// `run` logs, reports progress and sets output from a second thread too, and sets a huge output when
    /// the config contains "huge".
    static let plugin = #"""
    #define _POSIX_C_SOURCE 200809L
    #include "housekeeper_plugin.h"
    #include <pthread.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>

    #ifndef FX_NAME
    #define FX_NAME "fixture"
    #endif
    #ifndef FX_VERSION
    #define FX_VERSION HK_ABI_VERSION
    #endif
    #ifndef FX_FINGERPRINT
    #define FX_FINGERPRINT HK_ABI_FINGERPRINT_C
    #endif
    #ifndef FX_RESERVED
    #define FX_RESERVED NULL
    #endif
    #ifndef FX_ENTRY
    #define FX_ENTRY housekeeper_plugin_entry_v1
    #endif
    #ifndef FX_LABEL
    #define FX_LABEL "one"
    #endif

    typedef struct { int huge; int echo; } fixture;

    static hk_status fx_create(const hk_create_context *ctx, void **out, hk_error *err) {
        fixture *f;
        ctx->api->log(ctx->host, HK_LOG_INFO, "creating");
        if (strstr(ctx->config_json, "bad") != NULL) {
            hk_error_set(err, "bad: this key is not allowed");
            return HK_STATUS_CONFIG_ERROR;
        }
        f = calloc(1, sizeof *f);
        f->huge = strstr(ctx->config_json, "huge") != NULL;
        f->echo = strstr(ctx->config_json, "echo") != NULL;
        *out = f;
        return HK_STATUS_OK;
    }

    static void *fx_thread(void *arg) {
        const hk_run_context *ctx = arg;
        ctx->api->log(ctx->host, HK_LOG_NOTICE, "from another thread");
        return NULL;
    }

    static hk_status fx_run(void *instance, const hk_run_context *ctx, hk_error *err) {
        fixture *f = instance;
        pthread_t thread;
        ctx->api->log(ctx->host, HK_LOG_WARNING, "running");
        ctx->api->progress(ctx->host, 0.5, "half way");
        if (pthread_create(&thread, NULL, fx_thread, (void *)ctx) == 0) pthread_join(thread, NULL);
        if (f->echo) {
            char text[512];
            int n = snprintf(text, sizeof text, "%s|%s|%lld|%lld|%lld|%u|%u|%s|%zu", ctx->task_name, ctx->run_id,
                             (long long)ctx->scheduled_at_us, (long long)ctx->started_at_us,
                             (long long)ctx->deadline_us, ctx->attempt, ctx->trigger, ctx->context_json,
                             ctx->context_json_length);
            ctx->api->set_output(ctx->host, text, (size_t)n);
        } else if (f->huge) {
            size_t n = 100000;
            char *big = malloc(n);
            memset(big, 'x', n);
            ctx->api->set_output(ctx->host, big, n);
            free(big);
        } else {
            ctx->api->set_output(ctx->host, "{\"ok\": true}", 12);
        }
        if (ctx->attempt > 1) {
            hk_error_set(err, "second attempts always fail");
            return HK_STATUS_RETRYABLE;
        }
        return HK_STATUS_OK;
    }

    static void fx_destroy(void *instance) { free(instance); }

    static const hk_plugin_descriptor descriptor = {
        sizeof(hk_plugin_descriptor), FX_VERSION, FX_FINGERPRINT, FX_NAME, FX_LABEL, "a test fixture", 0,
        fx_create, fx_run, fx_destroy, {FX_RESERVED, NULL, NULL, NULL},
    };

    HK_PLUGIN_EXPORT const hk_plugin_descriptor *FX_ENTRY(uint32_t host_abi_version);
    HK_PLUGIN_EXPORT const hk_plugin_descriptor *FX_ENTRY(uint32_t host_abi_version) {
        (void)host_abi_version;
    #ifdef FX_RETURN_NULL
        return host_abi_version == 0xFFFFFFFFu ? &descriptor : NULL; /* refuses every real host */
    #else
        return &descriptor;
    #endif
    }
    """#
}
