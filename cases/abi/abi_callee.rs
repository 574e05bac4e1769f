// The Rust side of a C <-> Rust link (no_std): what abi-caller.c calls, and one call back
// into C through a function pointer that takes a struct by value.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Single {
    pub x: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Pair {
    pub a: i32,
    pub b: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Big {
    pub a: i64,
    pub b: i32,
    pub c: f64,
    pub d: [i32; 4],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Mixed {
    pub f: f32,
    pub i: i64,
}

#[no_mangle]
pub extern "C" fn rs_single(s: Single) -> i32 {
    s.x * 3
}

#[no_mangle]
pub extern "C" fn rs_pair_sum(p: Pair) -> i32 {
    p.a * 1000 + p.b
}

#[no_mangle]
pub extern "C" fn rs_big_sum(b: Big) -> i64 {
    b.a + b.b as i64 + (b.c * 4.0) as i64 + b.d[0] as i64 + 10 * b.d[1] as i64
        + 100 * b.d[2] as i64 + 1000 * b.d[3] as i64
}

#[no_mangle]
pub extern "C" fn rs_make_pair(a: i32, b: i32) -> Pair {
    Pair { a: b, b: a }
}

#[no_mangle]
pub extern "C" fn rs_make_big(seed: i32) -> Big {
    Big {
        a: (seed as i64) << 33,
        b: seed + 1,
        c: seed as f64 * 0.5,
        d: [seed, 2 * seed, 3 * seed, 4 * seed],
    }
}

#[no_mangle]
pub extern "C" fn rs_mix(a: i32, b: i64, c: f64, d: f32, e: i64) -> f64 {
    a as f64 + (b as f64) * 2.0 + c * 4.0 + (d as f64) * 8.0 + (e as f64) * 16.0
}

#[no_mangle]
pub extern "C" fn rs_mixed(m: Mixed) -> i64 {
    (m.f * 2.0) as i64 + m.i
}

#[no_mangle]
pub extern "C" fn rs_not(flag: bool) -> bool {
    !flag
}

#[no_mangle]
pub extern "C" fn rs_byte_add(a: u8, b: u8) -> u8 {
    a.wrapping_add(b)
}

#[no_mangle]
pub extern "C" fn rs_select(which: bool, a: u8, b: u8) -> u16 {
    if which { a as u16 * 256 } else { b as u16 }
}

#[no_mangle]
pub extern "C" fn rs_apply(f: extern "C" fn(i32, i64) -> i64, x: i32) -> i64 {
    f(x, 10) + f(x + 1, 20)
}

#[no_mangle]
pub extern "C" fn rs_apply_pair(f: extern "C" fn(Pair) -> i32, a: i32) -> i32 {
    f(Pair { a, b: a * 2 })
}
