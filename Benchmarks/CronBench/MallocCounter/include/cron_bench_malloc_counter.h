#ifndef HK_CRON_BENCH_MALLOC_COUNTER_H
#define HK_CRON_BENCH_MALLOC_COUNTER_H

/* Counts heap allocations made by the whole process (malloc, calloc, realloc, posix_memalign,
 * aligned_alloc, memalign), so the benchmark can report allocations per next() call.
 * Linked into the benchmark executable only: its definitions interpose glibc's. Thread-safe. */
unsigned long long hk_bench_allocation_count(void);

#endif
