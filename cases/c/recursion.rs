// Recursion: naive Fibonacci, Ackermann, mutual recursion, and a deep non-tail chain.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn fib(n: i32) -> i32 { if n < 2 { n } else { fib(n - 1).wrapping_add(fib(n - 2)) } }

#[no_mangle]
pub extern "C" fn ackermann(m: i32, n: i32) -> i32 {
    if m == 0 { return n.wrapping_add(1); }
    if n == 0 { return ackermann(m - 1, 1); }
    ackermann(m - 1, ackermann(m, n - 1))
}

#[inline(never)]
fn is_even(n: u32) -> i32 { if n == 0 { 1 } else { is_odd(n - 1) } }
#[inline(never)]
fn is_odd(n: u32) -> i32 { if n == 0 { 0 } else { is_even(n - 1) } }
#[no_mangle]
pub extern "C" fn even(n: i32) -> i32 { is_even(n as u32) }

/// Sum of (i*i mod 1000003) for i in 1..n, recursing once per step (depth n).
#[no_mangle]
pub extern "C" fn sumsq(n: i32) -> i64 {
    if n <= 0 { 0 } else { (n as i64 * n as i64) % 1000003 + sumsq(n - 1) }
}

/// Moves needed for the towers of Hanoi, counted by recursion.
fn hanoi(n: i32, from: i32, to: i32, via: i32) -> i64 {
    if n == 0 { return 0; }
    hanoi(n - 1, from, via, to) + 1 + hanoi(n - 1, via, to, from)
}
#[export_name = "hanoi"]
pub extern "C" fn hanoi_moves(n: i32) -> i64 { hanoi(n, 0, 2, 1) }
