/*
 * noop: the benchmark plugin. Every run returns HK_STATUS_OK at once, so a benchmark measures the scheduler
 * (dispatch, history, thread hand-off) and nothing else. Concurrent runs on one instance are allowed: there is
 * no state at all.
 *
 * Built by Benchmarks/run.sh: cc -O2 -shared -fPIC -I Sources/PluginABI/include -o libnoop.so noop.c
 */
#include "housekeeper_plugin.h"

#include <stddef.h>

static int instance_tag;

static hk_status noop_create(const hk_create_context *ctx, void **instance_out, hk_error *err) {
    (void)ctx;
    (void)err;
    *instance_out = &instance_tag;
    return HK_STATUS_OK;
}

static hk_status noop_run(void *instance, const hk_run_context *ctx, hk_error *err) {
    (void)instance;
    (void)ctx;
    (void)err;
    return HK_STATUS_OK;
}

static void noop_destroy(void *instance) { (void)instance; }

static const hk_plugin_descriptor descriptor = {
    sizeof(hk_plugin_descriptor),
    HK_ABI_VERSION,
    HK_ABI_FINGERPRINT_C,
    "noop",
    "1.0.0",
    "does nothing, successfully (benchmarks)",
    HK_CAP_CONCURRENT_RUNS,
    noop_create,
    noop_run,
    noop_destroy,
    {NULL, NULL, NULL, NULL},
};

HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version);

HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version) {
    return hk_abi_compatible(host_abi_version) ? &descriptor : NULL;
}
