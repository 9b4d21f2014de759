/*
 * c-stamp: the "nothing but a C compiler" example plugin. Each run appends one line to a file:
 *
 *   <scheduled_at, RFC 3339 UTC with microseconds> <task> <trigger> attempt=<n>[ <message>]
 *
 * Config: "file" (required string), "message" (string), "fail" (bool), "sleep" (seconds; stop is polled every
 * 50 ms), "fail_status" ("error" | "retryable" | "permanent"; how "fail" fails). Unknown keys are refused.
 *
 *   cc -std=c99 -Wall -Wextra -Werror -shared -fPIC -I Sources/PluginABI/include -o libCStampPlugin.so cstamp.c
 */
#define _POSIX_C_SOURCE 200809L
#include "housekeeper_plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- A small JSON reader: just enough for a flat config object of strings, numbers and booleans. ---- */

typedef enum { JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL, JSON_NESTED } json_kind;

typedef struct {
    json_kind kind;
    char *string; /* JSON_STRING: malloc'ed, NUL-terminated */
    double number;
    int boolean;
} json_value;

typedef struct {
    const char *p, *end;
    const char *problem; /* first syntax problem, or NULL */
} json_reader;

static int json_fail(json_reader *r, const char *problem) {
    if (r->problem == NULL) r->problem = problem;
    return 0;
}

static void json_skip_space(json_reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int json_peek(json_reader *r, char c) {
    json_skip_space(r);
    return r->p < r->end && *r->p == c;
}

static int json_hex4(json_reader *r, unsigned long *out) {
    int i;
    *out = 0;
    if (r->end - r->p < 4) return json_fail(r, "short \\u escape");
    for (i = 0; i < 4; i++) {
        char c = *r->p++;
        *out <<= 4;
        if (c >= '0' && c <= '9') *out |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') *out |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *out |= (unsigned long)(c - 'A' + 10);
        else return json_fail(r, "bad \\u escape");
    }
    return 1;
}

/* Appends code point `cp` as UTF-8; `out` has room (every escape is at least as long as its encoding). */
static char *put_utf8(char *out, unsigned long cp) {
    if (cp < 0x80) { *out++ = (char)cp; }
    else if (cp < 0x800) { *out++ = (char)(0xC0 | (cp >> 6)); *out++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *out++ = (char)(0xE0 | (cp >> 12)); *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *out++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *out++ = (char)(0xF0 | (cp >> 18)); *out++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *out++ = (char)(0x80 | (cp & 0x3F));
    }
    return out;
}

/* Reads a string starting at its opening quote into a malloc'ed copy (*out; NULL when only skipping). */
static int json_string(json_reader *r, char **out) {
    char *buf, *w;
    if (!json_peek(r, '"')) return json_fail(r, "expected a string");
    r->p++;
    buf = w = malloc((size_t)(r->end - r->p) + 1);
    if (buf == NULL) return json_fail(r, "out of memory");
    while (r->p < r->end && *r->p != '"') {
        char c = *r->p++;
        if ((unsigned char)c < 0x20) { free(buf); return json_fail(r, "control character in a string"); }
        if (c != '\\') { *w++ = c; continue; }
        if (r->p >= r->end) break;
        c = *r->p++;
        switch (c) {
        case '"': case '\\': case '/': *w++ = c; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned long cp, low;
            if (!json_hex4(r, &cp)) { free(buf); return 0; }
            if (cp >= 0xD800 && cp < 0xDC00) { /* a surrogate pair: \uD83D\uDE00 */
                if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u') { free(buf); return json_fail(r, "unpaired surrogate"); }
                r->p += 2;
                if (!json_hex4(r, &low)) { free(buf); return 0; }
                if (low < 0xDC00 || low >= 0xE000) { free(buf); return json_fail(r, "unpaired surrogate"); }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) { free(buf); return json_fail(r, "unpaired surrogate"); }
            w = put_utf8(w, cp);
            break;
        }
        default: free(buf); return json_fail(r, "unknown escape in a string");
        }
    }
    if (r->p >= r->end) { free(buf); return json_fail(r, "unterminated string"); }
    r->p++; /* the closing quote */
    *w = '\0';
    if (out != NULL) *out = buf; else free(buf);
    return 1;
}

static int json_literal(json_reader *r, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return json_fail(r, "expected a value");
    r->p += n;
    return 1;
}

/* Reads any value; nested arrays and objects are checked for syntax and reported as JSON_NESTED. */
static int json_value_read(json_reader *r, json_value *v, int depth) {
    json_skip_space(r);
    memset(v, 0, sizeof *v);
    if (depth > 32) return json_fail(r, "nested too deeply");
    if (r->p >= r->end) return json_fail(r, "unexpected end of text");
    switch (*r->p) {
    case '"': v->kind = JSON_STRING; return json_string(r, &v->string);
    case 't': v->kind = JSON_BOOL; v->boolean = 1; return json_literal(r, "true");
    case 'f': v->kind = JSON_BOOL; return json_literal(r, "false");
    case 'n': v->kind = JSON_NULL; return json_literal(r, "null");
    case '[': case '{': {
        char close = *r->p == '[' ? ']' : '}';
        v->kind = JSON_NESTED;
        r->p++;
        if (json_peek(r, close)) { r->p++; return 1; }
        for (;;) {
            json_value item;
            if (close == '}') {
                if (!json_string(r, NULL)) return 0;
                if (!json_peek(r, ':')) return json_fail(r, "expected ':'");
                r->p++;
            }
            if (!json_value_read(r, &item, depth + 1)) return 0;
            free(item.string);
            if (json_peek(r, close)) { r->p++; return 1; }
            if (!json_peek(r, ',')) return json_fail(r, "expected ',' or a closing bracket");
            r->p++;
        }
    }
    default: {
        char *stop;
        if (*r->p != '-' && (*r->p < '0' || *r->p > '9')) return json_fail(r, "expected a value");
        v->kind = JSON_NUMBER;
        /* The host NUL-terminates config_json, so strtod stops in time; it reads "." as the decimal point
         * because the host never calls setlocale() for LC_NUMERIC. */
        v->number = strtod(r->p, &stop);
        if (stop == r->p || stop > r->end) return json_fail(r, "bad number");
        r->p = stop;
        return 1;
    }
    }
}

/* ---- The plugin ---- */

typedef struct {
    char *file;
    char *message; /* NULL when absent */
    int fail;
    double sleep_seconds;
    hk_status fail_status;
} cstamp;

static void cstamp_free(cstamp *s) {
    if (s == NULL) return;
    free(s->file);
    free(s->message);
    free(s);
}

/* Formats "KEY: PROBLEM" into err and returns HK_STATUS_CONFIG_ERROR. */
static hk_status config_error(hk_error *err, const char *key, const char *problem) {
    char text[256];
    snprintf(text, sizeof text, "%s: %s", key, problem);
    hk_error_set(err, text);
    return HK_STATUS_CONFIG_ERROR;
}

/* Applies one config member to `s`; takes ownership of v->string. */
static hk_status apply_member(cstamp *s, const char *key, json_value *v, hk_error *err) {
    if (v->kind == JSON_NULL && strcmp(key, "file") != 0) return HK_STATUS_OK; /* null = absent */
    if (strcmp(key, "file") == 0 || strcmp(key, "message") == 0 || strcmp(key, "fail_status") == 0) {
        if (v->kind != JSON_STRING) return config_error(err, key, "must be a string");
        if (strcmp(key, "fail_status") == 0) {
            if (strcmp(v->string, "error") == 0) s->fail_status = HK_STATUS_ERROR;
            else if (strcmp(v->string, "retryable") == 0) s->fail_status = HK_STATUS_RETRYABLE;
            else if (strcmp(v->string, "permanent") == 0) s->fail_status = HK_STATUS_PERMANENT;
            else return config_error(err, key, "must be one of error, retryable, permanent");
            return HK_STATUS_OK;
        }
        if (strcmp(key, "file") == 0) { free(s->file); s->file = v->string; }
        else { free(s->message); s->message = v->string; }
        v->string = NULL;
        return HK_STATUS_OK;
    }
    if (strcmp(key, "fail") == 0) {
        if (v->kind != JSON_BOOL) return config_error(err, key, "must be true or false");
        s->fail = v->boolean;
        return HK_STATUS_OK;
    }
    if (strcmp(key, "sleep") == 0) {
        if (v->kind != JSON_NUMBER || !(v->number >= 0)) return config_error(err, key, "must be a number of seconds >= 0");
        s->sleep_seconds = v->number;
        return HK_STATUS_OK;
    }
    return config_error(err, key, "unknown key (known: fail, fail_status, file, message, sleep)");
}

static hk_status parse_config(cstamp *s, const char *json, size_t length, hk_error *err) {
    json_reader r;
    r.p = json;
    r.end = json + length;
    r.problem = NULL;
    if (!json_peek(&r, '{')) return config_error(err, "config", "must be a JSON object");
    r.p++;
    if (json_peek(&r, '}')) r.p++;
    else for (;;) {
        char *key = NULL;
        json_value v;
        hk_status status;
        if (!json_string(&r, &key)) break;
        if (!json_peek(&r, ':')) { free(key); json_fail(&r, "expected ':'"); break; }
        r.p++;
        if (!json_value_read(&r, &v, 1)) { free(key); free(v.string); break; }
        status = apply_member(s, key, &v, err);
        free(key);
        free(v.string);
        if (status != HK_STATUS_OK) return status;
        if (json_peek(&r, '}')) { r.p++; break; }
        if (!json_peek(&r, ',')) { json_fail(&r, "expected ',' or '}'"); break; }
        r.p++;
    }
    json_skip_space(&r);
    if (r.problem == NULL && r.p != r.end) json_fail(&r, "unexpected text after the object");
    if (r.problem != NULL) return config_error(err, "config", r.problem);
    if (s->file == NULL || s->file[0] == '\0') return config_error(err, "file", "required key is missing");
    return HK_STATUS_OK;
}

static hk_status cstamp_create(const hk_create_context *ctx, void **instance_out, hk_error *err) {
    hk_status status;
    cstamp *s = calloc(1, sizeof *s);
    if (s == NULL) { hk_error_set(err, "out of memory"); return HK_STATUS_ERROR; }
    s->fail_status = HK_STATUS_ERROR;
    status = parse_config(s, ctx->config_json ? ctx->config_json : "{}",
                          ctx->config_json ? ctx->config_json_length : 2, err);
    if (status != HK_STATUS_OK) { cstamp_free(s); return status; }
    *instance_out = s;
    return HK_STATUS_OK;
}

static const char *trigger_name(uint32_t trigger) {
    static const char *const names[] = {"schedule", "manual", "startup", "retry", "catch-up", "dependency"};
    return trigger < sizeof names / sizeof names[0] ? names[trigger] : "unknown";
}

/* Writes `text` as a JSON string literal into `out` (which has room for 6 bytes per input byte + 3). */
static char *json_quote(char *out, const char *text) {
    *out++ = '"';
    for (; *text; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\') { *out++ = '\\'; *out++ = (char)c; }
        else if (c == '\n') { *out++ = '\\'; *out++ = 'n'; }
        else if (c < 0x20) out += sprintf(out, "\\u%04x", c);
        else *out++ = (char)c;
    }
    *out++ = '"';
    *out = '\0';
    return out;
}

static hk_status cstamp_run(void *instance, const hk_run_context *ctx, hk_error *err) {
    const cstamp *s = instance;
    const hk_host_api *api = ctx->api;
    double slept = 0;
    char stamp[40], *line, *output, *w;
    size_t length;
    int fd, n;
    time_t seconds;
    long micros;
    struct tm parts;

    if (s->sleep_seconds > 0) api->log(ctx->host, HK_LOG_DEBUG, "sleeping");
    while (slept < s->sleep_seconds) { /* sleep in <= 50 ms steps, polling should_stop */
        double step = s->sleep_seconds - slept < 0.05 ? s->sleep_seconds - slept : 0.05;
        struct timespec ts;
        if (api->should_stop(ctx->host)) break;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(step * 1e9);
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
        slept += step;
    }
    if (api->should_stop(ctx->host)) { hk_error_set(err, "stopped on request"); return HK_STATUS_CANCELLED; }
    if (s->fail) { hk_error_set(err, "failing as configured"); return s->fail_status; }

    seconds = (time_t)(ctx->scheduled_at_us / 1000000);
    micros = (long)(ctx->scheduled_at_us % 1000000);
    if (micros < 0) { micros += 1000000; seconds -= 1; }
    gmtime_r(&seconds, &parts);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &parts);
    length = strlen(stamp) + strlen(ctx->task_name) + strlen(trigger_name(ctx->trigger))
           + (s->message ? strlen(s->message) : 0) + 64;
    line = malloc(length);
    if (line == NULL) { hk_error_set(err, "out of memory"); return HK_STATUS_ERROR; }
    n = snprintf(line, length, "%s.%06ldZ %s %s attempt=%u%s%s\n", stamp, micros, ctx->task_name,
                 trigger_name(ctx->trigger), (unsigned)ctx->attempt, s->message ? " " : "",
                 s->message ? s->message : "");

    fd = open(s->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) { /* O_APPEND + one write: lines never interleave */
        char text[512];
        snprintf(text, sizeof text, "file: cannot append to %s: %s", s->file, strerror(errno));
        hk_error_set(err, text);
        if (fd >= 0) close(fd);
        free(line);
        return HK_STATUS_ERROR;
    }
    close(fd);

    line[n - 1] = '\0'; /* the output names the line without its newline */
    output = malloc(6 * (strlen(s->file) + (size_t)n) + 32);
    if (output != NULL) {
        w = output + sprintf(output, "{\"file\": ");
        w = json_quote(w, s->file);
        w += sprintf(w, ", \"line\": ");
        w = json_quote(w, line);
        w += sprintf(w, "}");
        api->set_output(ctx->host, output, (size_t)(w - output));
        free(output);
    }
    free(line);
    return HK_STATUS_OK;
}

static void cstamp_destroy(void *instance) {
    cstamp_free(instance);
}

static const hk_plugin_descriptor descriptor = {
    sizeof(hk_plugin_descriptor),
    HK_ABI_VERSION,
    HK_ABI_FINGERPRINT_C,
    "c-stamp",
    "1.0.0",
    "Appends a timestamped line per run to a file (C example)",
    HK_CAP_COOPERATIVE_STOP,
    cstamp_create,
    cstamp_run,
    cstamp_destroy,
    {NULL, NULL, NULL, NULL},
};

HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version);

HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t host_abi_version) {
    return hk_abi_compatible(host_abi_version) ? &descriptor : NULL;
}
