/* The consumer end of the pipeline benchmark (`nimbus-bench pipeline`), as a WebAssembly
 * (WASI) handler: it notes the wall-clock time first thing, then logs one line per object key
 * (`bench-o` followed by digits) it finds in the SQS event,
 *     PIPELINE-START <key> <unix time in ns>
 * which the benchmark reads back from CloudWatch Logs. Returns {"ok":true}.
 *
 * Build: clang --target=wasm32-wasi -O2 -o handler.wasm handler.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KEYS 64
#define KEY_LEN 32

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long now_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;

    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return 1;
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) break;
        if (n == cap) {
            cap *= 2;
            char *bigger = realloc(buf, cap + 1);
            if (!bigger) return 1;
            buf = bigger;
        }
    }
    buf[n] = '\0';

    static char seen[MAX_KEYS][KEY_LEN];
    int nseen = 0;
    for (char *p = strstr(buf, "bench-o"); p; p = strstr(p + 1, "bench-o")) {
        char key[KEY_LEN];
        int k = 0;
        while (k < KEY_LEN - 1 && (p[k] == '-' || (p[k] >= 'a' && p[k] <= 'z') || (p[k] >= '0' && p[k] <= '9'))) {
            key[k] = p[k];
            k++;
        }
        key[k] = '\0';
        int dup = 0;
        for (int i = 0; i < nseen; i++) {
            if (strcmp(seen[i], key) == 0) { dup = 1; break; }
        }
        if (dup || nseen == MAX_KEYS) continue;
        strcpy(seen[nseen++], key);
        fprintf(stderr, "PIPELINE-START %s %lld\n", key, now_ns);
    }
    printf("{\"ok\":true}");
    return 0;
}
