/* Small-integer sign extension: narrowing casts and signed loads of bytes and halfwords
   (with sign-ext, clang emits i32.extend8_s & co.; without, shift pairs). */
static signed char bytes[16];
static short halves[8];

__attribute__((export_name("ext8"))) int ext8(int x) { return (signed char)x; }
__attribute__((export_name("ext16"))) int ext16(int x) { return (short)x; }
__attribute__((export_name("ext8_64"))) long long ext8_64(long long x) { return (signed char)x; }
__attribute__((export_name("ext16_64"))) long long ext16_64(long long x) { return (short)x; }
__attribute__((export_name("ext32_64"))) long long ext32_64(long long x) { return (int)x; }
__attribute__((export_name("zext8"))) int zext8(int x) { return (unsigned char)x; }

/* Store n bytes i*step, then sum them back as signed values. */
__attribute__((export_name("byte_sum"))) int byte_sum(int step, int n) {
    if (n < 0 || n > 16) return 0;
    for (int i = 0; i < n; i++) bytes[i] = (signed char)(i * step);
    int sum = 0;
    for (int i = 0; i < n; i++) sum += bytes[i];
    return sum;
}

/* The same over halfwords, giving an i64 sum. */
__attribute__((export_name("half_sum"))) long long half_sum(int step, int n) {
    if (n < 0 || n > 8) return 0;
    for (int i = 0; i < n; i++) halves[i] = (short)(i * step);
    long long sum = 0;
    for (int i = 0; i < n; i++) sum += halves[i];
    return sum;
}
