/* Allocation counter for cron-bench: each allocation entry point bumps a counter and forwards to
 * glibc's own implementation (the __libc_* aliases), so behaviour is unchanged. */
#include <stddef.h>
#include <stdatomic.h>
#include "cron_bench_malloc_counter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static _Atomic unsigned long long hk_allocations;

static void hk_count(void) { atomic_fetch_add_explicit(&hk_allocations, 1, memory_order_relaxed); }

unsigned long long hk_bench_allocation_count(void) {
    return atomic_load_explicit(&hk_allocations, memory_order_relaxed);
}

void *malloc(size_t size) {
    hk_count();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    hk_count();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    hk_count();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    hk_count();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    hk_count();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    hk_count();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return 12; /* ENOMEM */
    *result = pointer;
    return 0;
}
