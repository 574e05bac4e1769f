/* Rust calls back into C through function pointers (call_indirect): one taking (i32, i64),
   one taking a struct of two i32 by value. Freestanding. */
#include <stdbool.h>
#include <stdint.h>

typedef struct { int32_t x; } Single;
typedef struct { int32_t a, b; } Pair;
typedef struct { int64_t a; int32_t b; double c; int32_t d[4]; } Big;
typedef struct { float f; int64_t i; } Mixed;

extern int64_t rs_apply(int64_t (*f)(int32_t, int64_t), int32_t x);
extern int32_t rs_apply_pair(int32_t (*f)(Pair), int32_t a);

static int64_t scale(int32_t x, int64_t y) { return (int64_t)x * 100 + y; }

__attribute__((export_name("apply"))) int64_t apply(int32_t x) {
    return rs_apply(scale, x);
}

static int32_t add_pair(Pair p) { return p.a * 7 + p.b; }

__attribute__((export_name("apply_pair"))) int32_t apply_pair(int32_t a) {
    return rs_apply_pair(add_pair, a);
}
