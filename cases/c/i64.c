/* 64-bit integer arithmetic: wrapping multiply-add, signed/unsigned division, shifts,
   rotates, bit counts and a splitmix64 mixer. */
typedef long long i64;
typedef unsigned long long u64;

__attribute__((export_name("mul_add"))) i64 mul_add(i64 a, i64 b, i64 c) {
    return (i64)((u64)a * (u64)b + (u64)c); /* wraps modulo 2^64 (unsigned: no UB) */
}

/* C division truncates toward zero; the caller keeps b != 0 and not INT64_MIN / -1. */
__attribute__((export_name("div_s"))) i64 div_s(i64 a, i64 b) { return a / b; }
__attribute__((export_name("rem_s"))) i64 rem_s(i64 a, i64 b) { return a % b; }
__attribute__((export_name("div_u"))) i64 div_u(i64 a, i64 b) { return (i64)((u64)a / (u64)b); }

__attribute__((export_name("shr_s"))) i64 shr_s(i64 a, int n) { return a >> (n & 63); }
__attribute__((export_name("shr_u"))) i64 shr_u(i64 a, int n) { return (i64)((u64)a >> (n & 63)); }

__attribute__((export_name("rotl"))) i64 rotl(i64 a, int n) {
    u64 x = (u64)a;
    n &= 63;
    return (i64)(n ? (x << n) | (x >> (64 - n)) : x);
}

__attribute__((export_name("bits"))) int bits(i64 a) {
    u64 x = (u64)a;
    int clz = x ? __builtin_clzll(x) : 64;
    int ctz = x ? __builtin_ctzll(x) : 64;
    return clz | ctz << 8 | __builtin_popcountll(x) << 16;
}

__attribute__((export_name("splitmix"))) i64 splitmix(i64 seed) {
    u64 z = (u64)seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (i64)(z ^ (z >> 31));
}

/* Split and join halves: i64 <-> two i32 values. */
__attribute__((export_name("hi"))) int hi(i64 a) { return (int)((u64)a >> 32); }
__attribute__((export_name("join"))) i64 join(int hi, int lo) {
    return (i64)(((u64)(unsigned)hi << 32) | (unsigned)lo);
}
