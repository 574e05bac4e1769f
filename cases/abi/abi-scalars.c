/* C calls Rust across the C ABI with scalars only: i32, i64, f64 and f32 arguments, bool
   and u8 (widened to i32 on the wasm stack), u8 and u16 results. Freestanding. */
#include <stdbool.h>
#include <stdint.h>

typedef struct { int32_t x; } Single;
typedef struct { int32_t a, b; } Pair;
typedef struct { int64_t a; int32_t b; double c; int32_t d[4]; } Big;
typedef struct { float f; int64_t i; } Mixed;

extern double rs_mix(int32_t a, int64_t b, double c, float d, int64_t e);
extern bool rs_not(bool flag);
extern uint8_t rs_byte_add(uint8_t a, uint8_t b);
extern uint16_t rs_select(bool which, uint8_t a, uint8_t b);

__attribute__((export_name("mix"))) double mix(int32_t a, int64_t b, double c, float d, int64_t e) {
    return rs_mix(a, b, c, d, e);
}

__attribute__((export_name("not_flag"))) int32_t not_flag(int32_t x) {
    return rs_not(x != 0);
}

__attribute__((export_name("byte_add"))) int32_t byte_add(int32_t a, int32_t b) {
    return rs_byte_add((uint8_t)a, (uint8_t)b);
}

__attribute__((export_name("select"))) int32_t select_byte(int32_t which, int32_t a, int32_t b) {
    return rs_select(which != 0, (uint8_t)a, (uint8_t)b);
}
