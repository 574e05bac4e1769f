// A dense switch (match) that compiles to br_table: each arm computes something different.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn step(op: i32, x: i32) -> i32 {
    match op {
        0 => x.wrapping_add(1),
        1 => x.wrapping_mul(3),
        2 => x ^ 0x55,
        3 => x.wrapping_shl(2),
        4 => ((x as u32) >> 1) as i32,
        5 => x.wrapping_sub(100),
        6 => !x,
        7 => x.wrapping_mul(x),
        8 => x & 0xFF,
        9 => x.wrapping_neg(),
        _ => 0x7FFF0000 | op,
    }
}

/// A tiny bytecode interpreter: a program of op codes packed 4 bits each, run on x.
#[no_mangle]
pub extern "C" fn run(program: i32, mut x: i32) -> i32 {
    let mut p = program as u32;
    for _ in 0..8 {
        let op = p & 15;
        if op == 15 { break; }
        x = step(op as i32, x);
        p >>= 4;
    }
    x
}
