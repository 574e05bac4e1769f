// Float <-> int conversions. @intFromFloat is undefined out of range (as C's casts are), so
// the plain casts are called only in range; the *_sat helpers define every input.
export fn f64_to_i32(x: f64) i32 {
    return @intFromFloat(x);
}
export fn f32_to_i64(x: f32) i64 {
    return @intFromFloat(x);
}
export fn f64_to_u32(x: f64) i32 {
    return @bitCast(@as(u32, @intFromFloat(x)));
}

export fn f64_to_i32_sat(x: f64) i32 {
    if (x != x) return 0;
    if (x >= 2147483648.0) return 2147483647;
    if (x <= -2147483649.0) return -2147483648;
    return @intFromFloat(x);
}

export fn f32_to_i64_sat(x: f32) i64 {
    if (x != x) return 0;
    if (x >= 9223372036854775808.0) return 9223372036854775807;
    if (x < -9223372036854775808.0) return -9223372036854775808;
    return @intFromFloat(x);
}

export fn f64_to_u32_sat(x: f64) i32 {
    if (!(x > 0.0)) return 0; // NaN and negatives
    if (x >= 4294967296.0) return -1;
    return @bitCast(@as(u32, @intFromFloat(x)));
}

export fn i64_to_f64(x: i64) f64 {
    return @floatFromInt(x);
}
export fn u64_to_f32(x: i64) f32 {
    return @floatFromInt(@as(u64, @bitCast(x)));
}
export fn i32_to_f32(x: i32) f32 {
    return @floatFromInt(x);
}
export fn u32_to_f64(x: i32) f64 {
    return @floatFromInt(@as(u32, @bitCast(x)));
}
