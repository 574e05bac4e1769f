// Bit manipulation on i32 and i64: population count (builtin and a loop), leading and
// trailing zeros, byte swaps, rotates, bit reversal, lowest set bit, next power of two and
// a bit-field extract.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn popcnt(x: i32) -> i32 { x.count_ones() as i32 }

/// Kernighan: clear the lowest set bit until none is left.
#[no_mangle]
pub extern "C" fn popcnt_loop(x: i32) -> i32 {
    let mut v = x as u32;
    let mut n = 0;
    while v != 0 { v &= v - 1; n += 1; }
    n
}

// leading_zeros/trailing_zeros of 0 are 32.
#[no_mangle]
pub extern "C" fn clz(x: i32) -> i32 { x.leading_zeros() as i32 }
#[no_mangle]
pub extern "C" fn ctz(x: i32) -> i32 { x.trailing_zeros() as i32 }

#[no_mangle]
pub extern "C" fn ctz_loop(x: i32) -> i32 {
    let mut v = x as u32;
    if v == 0 { return 32; }
    let mut n = 0;
    while v & 1 == 0 { v >>= 1; n += 1; }
    n
}

#[no_mangle]
pub extern "C" fn parity64(x: i64) -> i32 { (x.count_ones() & 1) as i32 }

#[no_mangle]
pub extern "C" fn bswap(x: i32) -> i32 { x.swap_bytes() }
#[no_mangle]
pub extern "C" fn bswap64(x: i64) -> i64 { x.swap_bytes() }

#[no_mangle]
pub extern "C" fn rotl(x: i32, n: i32) -> i32 { (x as u32).rotate_left((n & 31) as u32) as i32 }
#[no_mangle]
pub extern "C" fn rotr(x: i32, n: i32) -> i32 { (x as u32).rotate_right((n & 31) as u32) as i32 }

#[no_mangle]
pub extern "C" fn bitrev(x: i32) -> i32 { x.reverse_bits() }

/// Bit i goes to bit 63 - i, one bit at a time.
#[no_mangle]
pub extern "C" fn bitrev64(x: i64) -> i64 {
    let (mut v, mut r) = (x as u64, 0u64);
    for _ in 0..64 { r = r << 1 | (v & 1); v >>= 1; }
    r as i64
}

/// x & -x, the lowest set bit (0 for 0).
#[no_mangle]
pub extern "C" fn lowbit(x: i32) -> i32 { ((x as u32) & (x as u32).wrapping_neg()) as i32 }

/// The smallest power of two >= x, unsigned; 1 for 0, 0 when it does not fit in 32 bits.
#[no_mangle]
pub extern "C" fn next_pow2(x: i32) -> i32 {
    let v = x as u32;
    if v <= 1 { return 1; }
    if v > 0x8000_0000 { return 0; }
    (1u32 << (32 - (v - 1).leading_zeros())) as i32
}

/// `width` bits of x starting at bit `lo` (lo in 0..31, width in 0..32, clipped at bit 31).
#[no_mangle]
pub extern "C" fn extract(x: i32, lo: i32, width: i32) -> i32 {
    if lo < 0 || lo > 31 || width <= 0 { return 0; }
    let v = (x as u32) >> lo;
    (if width >= 32 { v } else { v & ((1u32 << width) - 1) }) as i32
}
