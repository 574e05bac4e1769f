// @memset / @memcpy / @memmove over a buffer in linear memory: memory.fill and memory.copy
// with bulk-memory, calls to compiler_rt's memset/memcpy/memmove without.
var buf: [256]u8 = @splat(0);
var tmp: [256]u8 = @splat(0);

/// Fill [at, at+n) with the byte, clipped to the buffer.
export fn fill(at_: i32, byte: i32, n: i32) void {
    if (at_ < 0 or n < 0 or at_ > 256 or n > 256 - at_) return;
    const start: usize = @intCast(at_);
    @memset(buf[start .. start + @as(usize, @intCast(n))], @truncate(@as(u32, @bitCast(byte))));
}

export fn copy(to: i32, from: i32, n: i32) void {
    if (to < 0 or from < 0 or n < 0 or to > 256 - n or from > 256 - n) return;
    const t: usize = @intCast(to);
    const f: usize = @intCast(from);
    const len: usize = @intCast(n);
    @memmove(buf[t .. t + len], buf[f .. f + len]);
}

/// Copy a block that cannot overlap (a second buffer, then back).
export fn roundtrip(to: i32, from: i32, n: i32) void {
    if (to < 0 or from < 0 or n < 0 or to > 256 - n or from > 256 - n) return;
    const t: usize = @intCast(to);
    const f: usize = @intCast(from);
    const len: usize = @intCast(n);
    @memcpy(tmp[0..len], buf[f .. f + len]);
    @memcpy(buf[t .. t + len], tmp[0..len]);
}

/// Byte i is i*3+1 for the whole buffer.
export fn ramp() void {
    for (&buf, 0..) |*b, i| b.* = @truncate(i * 3 + 1);
}

/// A position-weighted sum of the whole buffer: any misplaced byte changes it.
export fn digest() i32 {
    var h: u32 = 0;
    for (buf) |b| h = h *% 31 +% b;
    return @bitCast(h);
}

export fn at(i: i32) i32 {
    return if (i >= 0 and i < 256) buf[@intCast(i)] else -1;
}
