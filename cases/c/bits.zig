// Bit manipulation on i32 and i64: population count (builtin and a loop), leading and
// trailing zeros, byte swaps, rotates, bit reversal, lowest set bit, next power of two and
// a bit-field extract.
export fn popcnt(x: i32) i32 {
    return @popCount(x);
}

/// Kernighan: clear the lowest set bit until none is left.
export fn popcnt_loop(x: i32) i32 {
    var v: u32 = @bitCast(x);
    var n: i32 = 0;
    while (v != 0) : (n += 1) v &= v - 1;
    return n;
}

// @clz and @ctz of 0 are 32.
export fn clz(x: i32) i32 {
    return @clz(x);
}
export fn ctz(x: i32) i32 {
    return @ctz(x);
}

export fn ctz_loop(x: i32) i32 {
    var v: u32 = @bitCast(x);
    if (v == 0) return 32;
    var n: i32 = 0;
    while (v & 1 == 0) : (n += 1) v >>= 1;
    return n;
}

export fn parity64(x: i64) i32 {
    return @popCount(x) & 1;
}

export fn bswap(x: i32) i32 {
    return @byteSwap(x);
}
export fn bswap64(x: i64) i64 {
    return @byteSwap(x);
}

export fn rotl(x: i32, n: i32) i32 {
    const v: u32 = @bitCast(x);
    return @bitCast(v << @intCast(n & 31) | v >> @intCast((32 - (n & 31)) & 31));
}
export fn rotr(x: i32, n: i32) i32 {
    const v: u32 = @bitCast(x);
    return @bitCast(v >> @intCast(n & 31) | v << @intCast((32 - (n & 31)) & 31));
}

export fn bitrev(x: i32) i32 {
    return @bitReverse(x);
}

/// Bit i goes to bit 63 - i, one bit at a time.
export fn bitrev64(x: i64) i64 {
    var v: u64 = @bitCast(x);
    var r: u64 = 0;
    for (0..64) |_| {
        r = r << 1 | (v & 1);
        v >>= 1;
    }
    return @bitCast(r);
}

/// x & -x, the lowest set bit (0 for 0).
export fn lowbit(x: i32) i32 {
    const v: u32 = @bitCast(x);
    return @bitCast(v & (0 -% v));
}

/// The smallest power of two >= x, unsigned; 1 for 0, 0 when it does not fit in 32 bits.
export fn next_pow2(x: i32) i32 {
    const v: u32 = @bitCast(x);
    if (v <= 1) return 1;
    if (v > 0x8000_0000) return 0;
    return @bitCast(@as(u32, 1) << @intCast(32 - @as(u32, @clz(v - 1))));
}

/// `width` bits of x starting at bit `lo` (lo in 0..31, width in 0..32, clipped at bit 31).
export fn extract(x: i32, lo: i32, width: i32) i32 {
    if (lo < 0 or lo > 31 or width <= 0) return 0;
    const v = @as(u32, @bitCast(x)) >> @intCast(lo);
    return @bitCast(if (width >= 32) v else v & ((@as(u32, 1) << @intCast(width)) - 1));
}
