// Recursion: naive Fibonacci, Ackermann, mutual recursion, and a deep non-tail chain.
export fn fib(n: i32) i32 {
    return if (n < 2) n else fib(n - 1) +% fib(n - 2);
}

export fn ackermann(m: i32, n: i32) i32 {
    if (m == 0) return n +% 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

noinline fn isEven(n: u32) i32 {
    return if (n == 0) 1 else isOdd(n - 1);
}
noinline fn isOdd(n: u32) i32 {
    return if (n == 0) 0 else isEven(n - 1);
}
export fn even(n: i32) i32 {
    return isEven(@bitCast(n));
}

/// Sum of (i*i mod 1000003) for i in 1..n, recursing once per step (depth n).
export fn sumsq(n: i32) i64 {
    if (n <= 0) return 0;
    const w: i64 = n;
    return @mod(w * w, 1000003) + sumsq(n - 1);
}

/// Moves needed for the towers of Hanoi, counted by recursion.
fn hanoiMoves(n: i32, from: i32, to: i32, via: i32) i64 {
    if (n == 0) return 0;
    return hanoiMoves(n - 1, from, via, to) + 1 + hanoiMoves(n - 1, via, to, from);
}
export fn hanoi(n: i32) i64 {
    return hanoiMoves(n, 0, 2, 1);
}
