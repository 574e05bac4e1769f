// A dense switch that compiles to br_table: each prong computes something different.
export fn step(op: i32, x: i32) i32 {
    return switch (op) {
        0 => x +% 1,
        1 => x *% 3,
        2 => x ^ 0x55,
        3 => x << 2,
        4 => @bitCast(@as(u32, @bitCast(x)) >> 1),
        5 => x -% 100,
        6 => ~x,
        7 => x *% x,
        8 => x & 0xFF,
        9 => 0 -% x,
        else => 0x7FFF0000 | op,
    };
}

/// A tiny bytecode interpreter: a program of op codes packed 4 bits each, run on x.
export fn run(program: i32, x_: i32) i32 {
    var x = x_;
    var p: u32 = @bitCast(program);
    for (0..8) |_| {
        const op = p & 15;
        if (op == 15) break;
        x = step(@intCast(op), x);
        p >>= 4;
    }
    return x;
}
