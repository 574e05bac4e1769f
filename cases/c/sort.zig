// Sorting and checksums over linear memory: fill an array from a PRNG, sort it (insertion
// sort, then a quicksort), check the order, and hash the bytes (FNV-1a, Adler-32).
var data: [512]i32 = @splat(0);
var size: i32 = 0;

export fn generate(n: i32, seed: i32) i32 {
    if (n < 0 or n > 512) return 0;
    var s: u32 = @bitCast(seed);
    for (data[0..@intCast(n)]) |*d| {
        s = s *% 1103515245 +% 12345;
        d.* = @as(i32, @intCast(s >> 8)) - (1 << 23);
    }
    size = n;
    return n;
}

export fn insertion_sort() void {
    var i: i32 = 1;
    while (i < size) : (i += 1) {
        const v = data[@intCast(i)];
        var j = i - 1;
        while (j >= 0 and data[@intCast(j)] > v) : (j -= 1) data[@intCast(j + 1)] = data[@intCast(j)];
        data[@intCast(j + 1)] = v;
    }
}

fn quick(lo_: i32, hi_: i32) void {
    var lo = lo_;
    var hi = hi_;
    while (lo < hi) {
        const pivot = data[@intCast(lo + @divTrunc(hi - lo, 2))];
        var i = lo;
        var j = hi;
        while (i <= j) {
            while (data[@intCast(i)] < pivot) i += 1;
            while (data[@intCast(j)] > pivot) j -= 1;
            if (i <= j) {
                const t = data[@intCast(i)];
                data[@intCast(i)] = data[@intCast(j)];
                data[@intCast(j)] = t;
                i += 1;
                j -= 1;
            }
        }
        if (j - lo < hi - i) {
            quick(lo, j);
            lo = i;
        } else {
            quick(i, hi);
            hi = j;
        }
    }
}
export fn quicksort() void {
    quick(0, size - 1);
}

export fn is_sorted() i32 {
    var i: usize = 1;
    while (i < size) : (i += 1) if (data[i - 1] > data[i]) return 0;
    return 1;
}

export fn get(i: i32) i32 {
    return if (i >= 0 and i < size) data[@intCast(i)] else 0;
}

fn bytes() []const u8 {
    // The ints' bytes in memory order (little-endian), as C's unsigned char view.
    return @as([*]const u8, @ptrCast(&data))[0 .. @as(usize, @intCast(size)) * 4];
}

export fn fnv1a() i32 {
    var h: u32 = 2166136261;
    for (bytes()) |b| h = (h ^ b) *% 16777619;
    return @bitCast(h);
}

export fn adler32() i32 {
    var a: u32 = 1;
    var b: u32 = 0;
    for (bytes()) |byte| {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    return @bitCast(b << 16 | a);
}
