// Structs passed and returned by value: extern structs and callconv(.c) helpers, so they
// travel as C's do (through memory).
const Vec3 = extern struct { x: f64, y: f64, z: f64 };
const Pair = extern struct { lo: i32, hi: i64 };
const Rgba = extern struct { r: u8, g: u8, b: u8, a: u8 };

noinline fn cross(a: Vec3, b: Vec3) callconv(.c) Vec3 {
    return .{ .x = a.y * b.z - a.z * b.y, .y = a.z * b.x - a.x * b.z, .z = a.x * b.y - a.y * b.x };
}

noinline fn scale(v: Vec3, k: f64) callconv(.c) Vec3 {
    return .{ .x = v.x * k, .y = v.y * k, .z = v.z * k };
}

/// |(a x b) * k| squared, each step a by-value call.
export fn cross_norm2(ax: f64, ay: f64, az: f64, bx: f64, by: f64, bz: f64, k: f64) f64 {
    const c = scale(cross(.{ .x = ax, .y = ay, .z = az }, .{ .x = bx, .y = by, .z = bz }), k);
    return c.x * c.x + c.y * c.y + c.z * c.z;
}

noinline fn swapPair(p: Pair) callconv(.c) Pair {
    return .{ .lo = @truncate(p.hi), .hi = @as(i64, p.lo) *% 1000000007 };
}

export fn pair_mix(lo: i32, hi: i64) i64 {
    const q = swapPair(swapPair(.{ .lo = lo, .hi = hi }));
    return q.hi +% q.lo;
}

fn avg(x: u8, y: u8) u8 {
    return @intCast((@as(u16, x) + y) / 2);
}

/// A 4-byte struct travels as one i32.
noinline fn blendRgba(a: Rgba, b: Rgba) callconv(.c) Rgba {
    return .{ .r = avg(a.r, b.r), .g = avg(a.g, b.g), .b = avg(a.b, b.b), .a = @max(a.a, b.a) };
}

fn unpack(v: i32) Rgba {
    const u: u32 = @bitCast(v);
    return .{ .r = @truncate(u), .g = @truncate(u >> 8), .b = @truncate(u >> 16), .a = @truncate(u >> 24) };
}

export fn blend(a: i32, b: i32) i32 {
    const c = blendRgba(unpack(a), unpack(b));
    return @bitCast(@as(u32, c.r) | @as(u32, c.g) << 8 | @as(u32, c.b) << 16 | @as(u32, c.a) << 24);
}
