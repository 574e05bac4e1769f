/* C passes structs by value to Rust: one i32 field, two i32 fields, a 40-byte struct with
   padding after its i32, and an f32 followed by an i64. Freestanding. */
#include <stdbool.h>
#include <stdint.h>

typedef struct { int32_t x; } Single;
typedef struct { int32_t a, b; } Pair;
typedef struct { int64_t a; int32_t b; double c; int32_t d[4]; } Big;
typedef struct { float f; int64_t i; } Mixed;

extern int32_t rs_single(Single s);
extern int32_t rs_pair_sum(Pair p);
extern int64_t rs_big_sum(Big b);
extern int64_t rs_mixed(Mixed m);

__attribute__((export_name("single"))) int32_t single(int32_t x) {
    Single s = {x};
    return rs_single(s);
}

__attribute__((export_name("pair_sum"))) int32_t pair_sum(int32_t a, int32_t b) {
    Pair p = {a, b};
    return rs_pair_sum(p);
}

__attribute__((export_name("big_sum"))) int64_t big_sum(int32_t seed) {
    Big b = {(int64_t)seed << 33, seed + 1, seed * 0.5, {seed, 2 * seed, 3 * seed, 4 * seed}};
    return rs_big_sum(b);
}

__attribute__((export_name("mixed"))) int64_t mixed(float f, int64_t i) {
    Mixed m = {f, i};
    return rs_mixed(m);
}
