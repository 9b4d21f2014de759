/*
 * Compile-time checks of the ABI layout on the host's platform. If one of these fails, a change to
 * housekeeper_plugin.h broke binary compatibility with plugins built against an earlier minor version.
 * (C99 has no _Static_assert; a negative array size is the portable equivalent.)
 */
#include "housekeeper_plugin.h"

#define HK_LAYOUT_CHECK(name, cond) typedef char hk_layout_check_##name[(cond) ? 1 : -1]

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
HK_LAYOUT_CHECK(error_size, sizeof(hk_error) == 16);
HK_LAYOUT_CHECK(host_api_size, sizeof(hk_host_api) == 104);
HK_LAYOUT_CHECK(create_context_size, sizeof(hk_create_context) == 64);
HK_LAYOUT_CHECK(run_context_size, sizeof(hk_run_context) == 88);
HK_LAYOUT_CHECK(descriptor_size, sizeof(hk_plugin_descriptor) == 104);
HK_LAYOUT_CHECK(run_context_deadline_offset, offsetof(hk_run_context, deadline_us) == 80);
HK_LAYOUT_CHECK(descriptor_reserved_offset, offsetof(hk_plugin_descriptor, reserved) == 72);
#endif

/* No symbols here on purpose: this target is linked into every plugin built in this package, and a plugin must
 * export nothing but its entry function. Swift reads HK_ABI_VERSION_MAJOR/MINOR, which it imports as constants. */
