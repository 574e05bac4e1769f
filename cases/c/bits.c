/* Bit manipulation on i32 and i64: population count (builtin and a loop), leading and
   trailing zeros, byte swaps, rotates, bit reversal, lowest set bit, next power of two and
   a bit-field extract. All work is on unsigned values: no shift or overflow UB. */
typedef unsigned u32;
typedef long long i64;
typedef unsigned long long u64;

__attribute__((export_name("popcnt"))) int popcnt(int x) { return __builtin_popcount((u32)x); }

/* Kernighan: clear the lowest set bit until none is left. */
__attribute__((export_name("popcnt_loop"))) int popcnt_loop(int x) {
    u32 v = (u32)x;
    int n = 0;
    while (v) { v &= v - 1; n++; }
    return n;
}

/* __builtin_clz/ctz(0) is undefined: 0 has 32 of each. */
__attribute__((export_name("clz"))) int clz(int x) { return x ? __builtin_clz((u32)x) : 32; }
__attribute__((export_name("ctz"))) int ctz(int x) { return x ? __builtin_ctz((u32)x) : 32; }

__attribute__((export_name("ctz_loop"))) int ctz_loop(int x) {
    u32 v = (u32)x;
    if (!v) return 32;
    int n = 0;
    while (!(v & 1)) { v >>= 1; n++; }
    return n;
}

__attribute__((export_name("parity64"))) int parity64(i64 x) { return __builtin_popcountll((u64)x) & 1; }

__attribute__((export_name("bswap"))) int bswap(int x) {
    u32 v = (u32)x;
    return (int)(v >> 24 | (v >> 8 & 0xFF00u) | (v << 8 & 0xFF0000u) | v << 24);
}
__attribute__((export_name("bswap64"))) i64 bswap64(i64 x) { return (i64)__builtin_bswap64((u64)x); }

__attribute__((export_name("rotl"))) int rotl(int x, int n) {
    u32 v = (u32)x;
    n &= 31;
    return (int)(n ? v << n | v >> (32 - n) : v);
}
__attribute__((export_name("rotr"))) int rotr(int x, int n) {
    u32 v = (u32)x;
    n &= 31;
    return (int)(n ? v >> n | v << (32 - n) : v);
}

__attribute__((export_name("bitrev"))) int bitrev(int x) { return (int)__builtin_bitreverse32((u32)x); }

/* Bit i goes to bit 63 - i, one bit at a time. */
__attribute__((export_name("bitrev64"))) i64 bitrev64(i64 x) {
    u64 v = (u64)x, r = 0;
    for (int i = 0; i < 64; i++) { r = r << 1 | (v & 1); v >>= 1; }
    return (i64)r;
}

/* x & -x, the lowest set bit (0 for 0). */
__attribute__((export_name("lowbit"))) int lowbit(int x) { return (int)((u32)x & (0u - (u32)x)); }

/* The smallest power of two >= x, unsigned; 1 for 0, 0 when it does not fit in 32 bits. */
__attribute__((export_name("next_pow2"))) int next_pow2(int x) {
    u32 v = (u32)x;
    if (v <= 1) return 1;
    if (v > 0x80000000u) return 0;
    return (int)(1u << (32 - __builtin_clz(v - 1)));
}

/* `width` bits of x starting at bit `lo` (lo in 0..31, width in 0..32, clipped at bit 31). */
__attribute__((export_name("extract"))) int extract(int x, int lo, int width) {
    if (lo < 0 || lo > 31 || width <= 0) return 0;
    u32 v = (u32)x >> lo;
    return (int)(width >= 32 ? v : v & ((1u << width) - 1));
}
