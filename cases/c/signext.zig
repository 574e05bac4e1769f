// Small-integer sign extension: narrowing casts and signed loads of bytes and halfwords.
var bytes: [16]i8 = @splat(0);
var halves: [8]i16 = @splat(0);

export fn ext8(x: i32) i32 {
    return @as(i8, @truncate(x));
}
export fn ext16(x: i32) i32 {
    return @as(i16, @truncate(x));
}
export fn ext8_64(x: i64) i64 {
    return @as(i8, @truncate(x));
}
export fn ext16_64(x: i64) i64 {
    return @as(i16, @truncate(x));
}
export fn ext32_64(x: i64) i64 {
    return @as(i32, @truncate(x));
}
export fn zext8(x: i32) i32 {
    return @as(u8, @truncate(@as(u32, @bitCast(x))));
}

/// Store n bytes i*step, then sum them back as signed values.
export fn byte_sum(step: i32, n: i32) i32 {
    if (n < 0 or n > 16) return 0;
    const len: usize = @intCast(n);
    for (bytes[0..len], 0..) |*b, i| b.* = @truncate(@as(i32, @intCast(i)) *% step);
    var sum: i32 = 0;
    for (bytes[0..len]) |b| sum +%= b;
    return sum;
}

/// The same over halfwords, giving an i64 sum.
export fn half_sum(step: i32, n: i32) i64 {
    if (n < 0 or n > 8) return 0;
    const len: usize = @intCast(n);
    for (halves[0..len], 0..) |*h, i| h.* = @truncate(@as(i32, @intCast(i)) *% step);
    var sum: i64 = 0;
    for (halves[0..len]) |h| sum += h;
    return sum;
}
