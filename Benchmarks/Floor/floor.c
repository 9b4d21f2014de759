/*
 * floor: the steady workload's dispatch with no scheduler at all, for the lateness floor of this machine.
 *
 * THREADS threads (10, the benchmark's limits.max_running) are handed each second's instant 2 ms ahead, sleep for
 * the time left on the monotonic clock with a 1 us timer slack (what housekeeper's pool threads do with a released
 * slot, SystemClock.block), then take 1,000 prepared no-op calls from one atomic index and call the plugin's `run`
 * through its descriptor, noting each call's start (CLOCK_REALTIME, as history's started_at). No state machine, no
 * history, no allocation, no lock: what the lateness would be if dispatching a run cost nothing but the call.
 * For plugins that call no host function (the no-op plugin): the contexts carry no host API table.
 *
 * Usage: floor PLUGIN.so [THREADS [SECONDS]]       (defaults 10 and 10)
 * Prints one JSON object on stdout (medians over the seconds of each second's first start, p50, p99 and last start
 * after the instant, in microseconds) and one line for people on stderr. Built and run by Benchmarks/run.sh with
 * the steady workload:
 *     cc -O2 -std=c11 -pthread -I Sources/PluginABI/include -o floor Benchmarks/Floor/floor.c -ldl
 */
#define _GNU_SOURCE
#include "housekeeper_plugin.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define RUNS 1000
#define MAX_THREADS 64
#define MAX_SECONDS 600

static int thread_count = 10, second_count = 10;
static const hk_plugin_descriptor *descriptor;
static void *instance;
static char task_names[RUNS][16], run_ids[RUNS][24];
static int64_t started[RUNS];
static atomic_int next_call;
static int64_t instant_us;
static pthread_barrier_t handed, finished;

static int64_t wall_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

/* Sleeps `micros` on the monotonic clock (a signal's interruption sleeps on for what is left). */
static void sleep_us(int64_t micros) {
    if (micros <= 0) return;
    struct timespec wait = {micros / 1000000, (micros % 1000000) * 1000}, left;
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &wait, &left) != 0) wait = left;
}

static void *pool_thread(void *unused) {
    (void)unused;
    prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    for (int second = 0; second < second_count; second++) {
        pthread_barrier_wait(&handed);
        sleep_us(instant_us - 2000 - wall_us()); /* released 2 ms ahead, like housekeeper's armed slots */
        sleep_us(instant_us - wall_us());
        for (;;) {
            int index = atomic_fetch_add_explicit(&next_call, 1, memory_order_relaxed);
            if (index >= RUNS) break;
            char message[256];
            message[0] = 0;
            hk_error error = {sizeof error, sizeof message, message};
            hk_run_context context;
            memset(&context, 0, sizeof context);
            context.struct_size = sizeof context;
            context.task_name = task_names[index];
            context.run_id = run_ids[index];
            context.scheduled_at_us = instant_us;
            context.started_at_us = started[index] = wall_us();
            context.attempt = 1;
            context.context_json = "{}";
            context.context_json_length = 2;
            (void)descriptor->run(instance, &context, &error);
        }
        pthread_barrier_wait(&finished);
    }
    return NULL;
}

static int by_value(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t median(int64_t *values, int count) {
    qsort(values, (size_t)count, sizeof values[0], by_value);
    return values[count / 2];
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: floor PLUGIN.so [THREADS [SECONDS]]\n");
        return 2;
    }
    if (argc > 2) thread_count = atoi(argv[2]);
    if (argc > 3) second_count = atoi(argv[3]);
    if (thread_count < 1 || thread_count > MAX_THREADS || second_count < 1 || second_count > MAX_SECONDS) {
        fprintf(stderr, "floor: THREADS must be 1-%d and SECONDS 1-%d\n", MAX_THREADS, MAX_SECONDS);
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "floor: %s\n", dlerror());
        return 1;
    }
    hk_entry_fn entry = (hk_entry_fn)dlsym(library, HK_ENTRY_SYMBOL);
    descriptor = entry ? entry(HK_ABI_VERSION) : NULL;
    if (!descriptor) {
        fprintf(stderr, "floor: %s has no compatible %s\n", argv[1], HK_ENTRY_SYMBOL);
        return 1;
    }
    char message[256] = "";
    hk_error error = {sizeof error, sizeof message, message};
    hk_create_context create;
    memset(&create, 0, sizeof create);
    create.struct_size = sizeof create;
    create.task_name = "floor";
    create.config_json = "{}";
    create.config_json_length = 2;
    create.descriptor = descriptor;
    if (descriptor->create(&create, &instance, &error) != HK_STATUS_OK) {
        fprintf(stderr, "floor: create failed: %s\n", message);
        return 1;
    }
    for (int index = 0; index < RUNS; index++) {
        snprintf(task_names[index], sizeof task_names[index], "t%06d", index);
        snprintf(run_ids[index], sizeof run_ids[index], "%d", index + 1);
    }
    pthread_barrier_init(&handed, NULL, (unsigned)thread_count + 1);
    pthread_barrier_init(&finished, NULL, (unsigned)thread_count + 1);
    pthread_t threads[MAX_THREADS];
    for (int index = 0; index < thread_count; index++) pthread_create(&threads[index], NULL, pool_thread, NULL);

    static int64_t firsts[MAX_SECONDS], p50s[MAX_SECONDS], p99s[MAX_SECONDS], lasts[MAX_SECONDS];
    for (int second = 0; second < second_count; second++) {
        instant_us = (wall_us() / 1000000 + 1) * 1000000;
        atomic_store(&next_call, 0);
        pthread_barrier_wait(&handed);
        pthread_barrier_wait(&finished);
        int64_t late[RUNS];
        for (int index = 0; index < RUNS; index++) late[index] = started[index] - instant_us;
        qsort(late, RUNS, sizeof late[0], by_value);
        firsts[second] = late[0];
        p50s[second] = late[RUNS / 2];
        p99s[second] = late[RUNS * 99 / 100];
        lasts[second] = late[RUNS - 1];
    }
    long long first = median(firsts, second_count), p50 = median(p50s, second_count);
    long long p99 = median(p99s, second_count), last = median(lasts, second_count);
    printf("{\"threads\": %d, \"seconds\": %d, \"first_us\": %lld, \"p50_us\": %lld, \"p99_us\": %lld, \"last_us\": %lld}\n",
           thread_count, second_count, first, p50, p99, last);
    fprintf(stderr, "floor: %d threads, medians over %d seconds of 1,000 no-op calls: first %lld us, p50 %lld us, "
                    "p99 %lld us, last %lld us after the instant\n",
            thread_count, second_count, first, p50, p99, last);
    descriptor->destroy(instance);
    return 0;
}
