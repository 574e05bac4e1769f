// 64-bit integer arithmetic: wrapping multiply-add, signed/unsigned division, shifts,
// rotates, bit counts and a splitmix64 mixer.
export fn mul_add(a: i64, b: i64, c: i64) i64 {
    return a *% b +% c;
}

// Truncates toward zero; the caller keeps b != 0 and not minInt(i64) / -1 (as in C).
export fn div_s(a: i64, b: i64) i64 {
    return @divTrunc(a, b);
}
export fn rem_s(a: i64, b: i64) i64 {
    return @rem(a, b);
}
export fn div_u(a: i64, b: i64) i64 {
    return @bitCast(@as(u64, @bitCast(a)) / @as(u64, @bitCast(b)));
}

export fn shr_s(a: i64, n: i32) i64 {
    return a >> @intCast(n & 63);
}
export fn shr_u(a: i64, n: i32) i64 {
    return @bitCast(@as(u64, @bitCast(a)) >> @intCast(n & 63));
}
export fn rotl(a: i64, n: i32) i64 {
    const x: u64 = @bitCast(a);
    return @bitCast(x << @intCast(n & 63) | x >> @intCast((64 - (n & 63)) & 63));
}

export fn bits(a: i64) i32 {
    const x: u64 = @bitCast(a);
    const clz: i32 = @clz(x);
    const ctz: i32 = @ctz(x);
    const pop: i32 = @popCount(x);
    return clz | ctz << 8 | pop << 16;
}

export fn splitmix(seed: i64) i64 {
    var z: u64 = @as(u64, @bitCast(seed)) +% 0x9E3779B97F4A7C15;
    z = (z ^ (z >> 30)) *% 0xBF58476D1CE4E5B9;
    z = (z ^ (z >> 27)) *% 0x94D049BB133111EB;
    return @bitCast(z ^ (z >> 31));
}

/// Split and join halves: i64 <-> two i32 values.
export fn hi(a: i64) i32 {
    return @bitCast(@as(u32, @truncate(@as(u64, @bitCast(a)) >> 32)));
}
export fn join(h: i32, lo: i32) i64 {
    const high: u64 = @as(u32, @bitCast(h));
    const low: u64 = @as(u32, @bitCast(lo));
    return @bitCast(high << 32 | low);
}
