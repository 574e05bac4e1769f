// 64-bit integer arithmetic: wrapping multiply-add, signed/unsigned division, shifts,
// rotates, bit counts and a splitmix64 mixer.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn mul_add(a: i64, b: i64, c: i64) -> i64 { a.wrapping_mul(b).wrapping_add(c) }

// Truncates toward zero; the caller keeps b != 0 and not i64::MIN / -1 (as in C).
#[no_mangle]
pub extern "C" fn div_s(a: i64, b: i64) -> i64 { a.wrapping_div(b) }
#[no_mangle]
pub extern "C" fn rem_s(a: i64, b: i64) -> i64 { a.wrapping_rem(b) }
#[no_mangle]
pub extern "C" fn div_u(a: i64, b: i64) -> i64 { ((a as u64) / (b as u64)) as i64 }

#[no_mangle]
pub extern "C" fn shr_s(a: i64, n: i32) -> i64 { a >> (n & 63) }
#[no_mangle]
pub extern "C" fn shr_u(a: i64, n: i32) -> i64 { ((a as u64) >> (n & 63)) as i64 }
#[no_mangle]
pub extern "C" fn rotl(a: i64, n: i32) -> i64 { (a as u64).rotate_left((n & 63) as u32) as i64 }

#[no_mangle]
pub extern "C" fn bits(a: i64) -> i32 {
    let x = a as u64;
    (x.leading_zeros() | x.trailing_zeros() << 8 | x.count_ones() << 16) as i32
}

#[no_mangle]
pub extern "C" fn splitmix(seed: i64) -> i64 {
    let mut z = (seed as u64).wrapping_add(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    (z ^ (z >> 31)) as i64
}

/// Split and join halves: i64 <-> two i32 values.
#[no_mangle]
pub extern "C" fn hi(a: i64) -> i32 { ((a as u64) >> 32) as i32 }
#[no_mangle]
pub extern "C" fn join(hi: i32, lo: i32) -> i64 { (((hi as u32 as u64) << 32) | lo as u32 as u64) as i64 }
