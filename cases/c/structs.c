/* Structs passed and returned by value (the wasm C ABI passes these through memory). */
struct vec3 { double x, y, z; };
struct pair { int lo; long long hi; };
struct rgba { unsigned char r, g, b, a; };

__attribute__((noinline)) static struct vec3 cross(struct vec3 a, struct vec3 b) {
    struct vec3 c = {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
    return c;
}

__attribute__((noinline)) static struct vec3 scale(struct vec3 v, double k) {
    v.x *= k; v.y *= k; v.z *= k;
    return v;
}

/* |(a x b) * k| squared, each step a by-value call. */
__attribute__((export_name("cross_norm2")))
double cross_norm2(double ax, double ay, double az, double bx, double by, double bz, double k) {
    struct vec3 a = {ax, ay, az}, b = {bx, by, bz};
    struct vec3 c = scale(cross(a, b), k);
    return c.x * c.x + c.y * c.y + c.z * c.z;
}

__attribute__((noinline)) static struct pair swap_pair(struct pair p) {
    struct pair q = {(int)p.hi, (long long)p.lo * 1000000007ll};
    return q;
}

__attribute__((export_name("pair_mix"))) long long pair_mix(int lo, long long hi) {
    struct pair p = {lo, hi};
    struct pair q = swap_pair(swap_pair(p));
    return q.hi + q.lo;
}

/* A 4-byte struct travels as one i32. */
__attribute__((noinline)) static struct rgba blend(struct rgba a, struct rgba b) {
    struct rgba c = {(unsigned char)((a.r + b.r) / 2), (unsigned char)((a.g + b.g) / 2),
                     (unsigned char)((a.b + b.b) / 2), (unsigned char)(a.a > b.a ? a.a : b.a)};
    return c;
}

__attribute__((export_name("blend"))) int blend_u32(int a, int b) {
    struct rgba x = {(unsigned char)a, (unsigned char)(a >> 8), (unsigned char)(a >> 16),
                     (unsigned char)(a >> 24)};
    struct rgba y = {(unsigned char)b, (unsigned char)(b >> 8), (unsigned char)(b >> 16),
                     (unsigned char)(b >> 24)};
    struct rgba c = blend(x, y);
    return (int)((unsigned)c.r | (unsigned)c.g << 8 | (unsigned)c.b << 16 | (unsigned)c.a << 24);
}
