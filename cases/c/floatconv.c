/* Float <-> int conversions. C leaves out-of-range float->int casts undefined, so the
   exported casts are called only in range; the *_sat helpers define every input
   (NaN -> 0, clamp to the type's range), as Rust's `as` and i32.trunc_sat do. */
#define I32_MAX 2147483647
#define I32_MIN (-I32_MAX - 1)
#define I64_MAX 9223372036854775807ll
#define I64_MIN (-I64_MAX - 1)

__attribute__((export_name("f64_to_i32"))) int f64_to_i32(double x) { return (int)x; }
__attribute__((export_name("f32_to_i64"))) long long f32_to_i64(float x) { return (long long)x; }
__attribute__((export_name("f64_to_u32"))) int f64_to_u32(double x) { return (int)(unsigned)x; }

__attribute__((export_name("f64_to_i32_sat"))) int f64_to_i32_sat(double x) {
    if (x != x) return 0;
    if (x >= 2147483648.0) return I32_MAX;
    if (x <= -2147483649.0) return I32_MIN;
    return (int)x;
}

__attribute__((export_name("f32_to_i64_sat"))) long long f32_to_i64_sat(float x) {
    if (x != x) return 0;
    if (x >= 9223372036854775808.0f) return I64_MAX;
    if (x < -9223372036854775808.0f) return I64_MIN;
    return (long long)x;
}

__attribute__((export_name("f64_to_u32_sat"))) int f64_to_u32_sat(double x) {
    if (!(x > 0.0)) return 0; /* NaN and negatives */
    if (x >= 4294967296.0) return (int)0xFFFFFFFFu;
    return (int)(unsigned)x;
}

__attribute__((export_name("i64_to_f64"))) double i64_to_f64(long long x) { return (double)x; }
__attribute__((export_name("u64_to_f32"))) float u64_to_f32(long long x) {
    return (float)(unsigned long long)x;
}
__attribute__((export_name("i32_to_f32"))) float i32_to_f32(int x) { return (float)x; }
__attribute__((export_name("u32_to_f64"))) double u32_to_f64(int x) { return (double)(unsigned)x; }
