/* Rust returns structs to C: two i32 fields, and a 40-byte struct. Freestanding. */
#include <stdbool.h>
#include <stdint.h>

typedef struct { int32_t x; } Single;
typedef struct { int32_t a, b; } Pair;
typedef struct { int64_t a; int32_t b; double c; int32_t d[4]; } Big;
typedef struct { float f; int64_t i; } Mixed;

extern Pair rs_make_pair(int32_t a, int32_t b);
extern Big rs_make_big(int32_t seed);

__attribute__((export_name("make_pair"))) int32_t make_pair(int32_t a, int32_t b) {
    Pair p = rs_make_pair(a, b);
    return p.a * 1000 + p.b;
}

__attribute__((export_name("make_big"))) int64_t make_big(int32_t seed) {
    Big b = rs_make_big(seed);
    return b.a + b.b + (int64_t)(b.c * 4) + b.d[0] + 10 * b.d[1] + 100 * b.d[2] + 1000 * b.d[3];
}
