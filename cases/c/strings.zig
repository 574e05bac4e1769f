// Byte strings in linear memory: copy a NUL-terminated string into a static buffer, then
// strlen, strchr, count, reverse in place, upper-case, palindrome check and FNV-1a over it.
const cap = 128;
var buf: [cap]u8 = @splat(0);

// NUL-terminated, as the C version's string literals.
const texts = [_][*:0]const u8{
    "Hello, WebAssembly!",
    "The quick brown fox jumps over the lazy dog",
    "",
    "racecar",
};

/// Copy text `which` and its NUL into the buffer; its length, or -1 for no such text.
export fn load(which: i32) i32 {
    if (which < 0 or which >= texts.len) return -1;
    const s = texts[@intCast(which)];
    var i: usize = 0;
    while (s[i] != 0) : (i += 1) buf[i] = s[i];
    buf[i] = 0;
    return @intCast(i);
}

/// Fill [0, n) with the byte (no NUL is written); n, or -1 when n does not fit. A @memset:
/// memory.fill with bulk-memory, a call to compiler_rt's memset without.
export fn fill(byte: i32, n: i32) i32 {
    if (n < 0 or n > cap) return -1;
    @memset(buf[0..@intCast(n)], @truncate(@as(u32, @bitCast(byte))));
    return n;
}

/// strlen, bounded by the buffer: a buffer without a NUL has length cap.
export fn length() i32 {
    var n: usize = 0;
    while (n < cap and buf[n] != 0) n += 1;
    return @intCast(n);
}

export fn at(i: i32) i32 {
    return if (i >= 0 and i < cap) buf[@intCast(i)] else -1;
}

/// Store the low byte of `byte` at i; 1 if stored, 0 if i is outside the buffer.
export fn put(i: i32, byte: i32) i32 {
    if (i < 0 or i >= cap) return 0;
    buf[@intCast(i)] = @truncate(@as(u32, @bitCast(byte)));
    return 1;
}

fn text() []u8 {
    // The string without its NUL.
    return buf[0..@intCast(length())];
}

/// strchr: the index of the first (ch & 0xFF) in the string, or -1.
export fn find(ch: i32) i32 {
    const c: u8 = @truncate(@as(u32, @bitCast(ch)));
    for (text(), 0..) |b, i| if (b == c) return @intCast(i);
    return -1;
}

export fn count(ch: i32) i32 {
    const c: u8 = @truncate(@as(u32, @bitCast(ch)));
    var n: i32 = 0;
    for (text()) |b| n += @intFromBool(b == c);
    return n;
}

/// Reverse the string in place; its length.
export fn reverse() i32 {
    const s = text();
    var i: usize = 0;
    var j: usize = s.len;
    while (i + 1 < j) : (i += 1) {
        j -= 1;
        const t = s[i];
        s[i] = s[j];
        s[j] = t;
    }
    return @intCast(s.len);
}

/// ASCII a-z to A-Z in place; how many bytes changed.
export fn upper() i32 {
    var changed: i32 = 0;
    for (text()) |*b| {
        if (b.* >= 'a' and b.* <= 'z') {
            b.* -= 32;
            changed += 1;
        }
    }
    return changed;
}

export fn is_palindrome() i32 {
    const s = text();
    for (0..s.len / 2) |i| if (s[i] != s[s.len - 1 - i]) return 0;
    return 1;
}

/// FNV-1a (32 bits) over the string's bytes, without the NUL.
export fn fnv1a() i32 {
    var h: u32 = 2166136261;
    for (text()) |b| h = (h ^ b) *% 16777619;
    return @bitCast(h);
}
