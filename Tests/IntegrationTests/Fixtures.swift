/// C sources of test plugins, compiled by the tests with `cc`.
enum Fixtures {
    /// A plugin whose run never returns and never looks at should_stop.
    static let stubbornPlugin = plugin("stubborn", run: "for (;;) sleep(1);")
}

extension Fixtures {
    /// A plugin named `name` whose `run` executes `body` (C statements) and whose `create` executes `create`.
    static func plugin(_ name: String, run body: String, create: String = "", entry: String = "") -> String {
        """
        #include <signal.h>
        #include <stdlib.h>
        #include <stdio.h>
        #include <unistd.h>
        #include "housekeeper_plugin.h"
        static hk_status create(const hk_create_context *c, void **out, hk_error *e) { (void)c; (void)e; \(create) *out = 0; return HK_STATUS_OK; }
        static hk_status run(void *i, const hk_run_context *c, hk_error *e) { (void)i; (void)c; (void)e; \(body) return HK_STATUS_OK; }
        static void destroy(void *i) { (void)i; }
        static const hk_plugin_descriptor d = {
            sizeof(hk_plugin_descriptor), HK_ABI_VERSION, HK_ABI_FINGERPRINT_C, "\(name)", "1.0", "test fixture",
            0, create, run, destroy, {0, 0, 0, 0} };
        HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t v) { (void)v; \(entry) return &d; }
        """
    }
}
