/* A WebAssembly (WASI) Lambda handler for nimbus's `wasm32-wasi` runtime.
 *
 * Contract: the event JSON arrives on stdin, the result JSON goes to stdout, logs go to
 * stderr; exit 0 is success, anything else is a function error.
 *
 * This sample echoes the event back as {"echo": <event>, "bytes": N}. For tests it also
 * misbehaves on request: an event containing "crash" exits with status 3 after writing an
 * error document, "spin" loops forever, "grow" allocates until memory runs out, "trap"
 * executes an unreachable instruction.
 *
 * Build: clang --target=wasm32-wasi -O2 -o handler.wasm handler.c
 * (Debian: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(size_t *len) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return NULL;
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) break;
        if (n == cap) {
            cap *= 2;
            char *bigger = realloc(buf, cap + 1);
            if (!bigger) { free(buf); return NULL; }
            buf = bigger;
        }
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int main(void) {
    size_t len = 0;
    char *event = read_all(&len);
    if (!event) return 1;
    fprintf(stderr, "wasm handler received %zu bytes\n", len);

    if (strstr(event, "\"crash\"")) {
        printf("{\"errorType\":\"CrashRequested\",\"errorMessage\":\"crashing as asked\"}");
        return 3;
    }
    if (strstr(event, "\"spin\"")) {
        volatile unsigned long i = 0;
        for (;;) i++;
    }
    if (strstr(event, "\"grow\"")) {
        /* Keep every block reachable so the compiler cannot drop the allocations. */
        static char *volatile head = NULL;
        for (;;) {
            char *p = malloc(1 << 20);
            if (!p) { fprintf(stderr, "malloc failed\n"); return 4; }
            memset(p, 1, 1 << 20);
            *(char **)p = head;
            head = p;
        }
    }
    if (strstr(event, "\"trap\"")) {
        __builtin_trap();
    }
    printf("{\"echo\":%s,\"bytes\":%zu}", len ? event : "null", len);
    free(event);
    return 0;
}
