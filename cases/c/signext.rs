// Small-integer sign extension: narrowing casts and signed loads of bytes and halfwords.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

static mut BYTES: [i8; 16] = [0; 16];
static mut HALVES: [i16; 8] = [0; 8];

#[no_mangle]
pub extern "C" fn ext8(x: i32) -> i32 { x as i8 as i32 }
#[no_mangle]
pub extern "C" fn ext16(x: i32) -> i32 { x as i16 as i32 }
#[no_mangle]
pub extern "C" fn ext8_64(x: i64) -> i64 { x as i8 as i64 }
#[no_mangle]
pub extern "C" fn ext16_64(x: i64) -> i64 { x as i16 as i64 }
#[no_mangle]
pub extern "C" fn ext32_64(x: i64) -> i64 { x as i32 as i64 }
#[no_mangle]
pub extern "C" fn zext8(x: i32) -> i32 { x as u8 as i32 }

/// Store n bytes i*step, then sum them back as signed values.
#[no_mangle]
pub extern "C" fn byte_sum(step: i32, n: i32) -> i32 {
    if !(0..=16).contains(&n) { return 0; }
    let n = n as usize;
    let mut sum = 0i32;
    unsafe {
        for i in 0..n { BYTES[i] = (i as i32).wrapping_mul(step) as i8; }
        for i in 0..n { sum = sum.wrapping_add(BYTES[i] as i32); }
    }
    sum
}

/// The same over halfwords, giving an i64 sum.
#[no_mangle]
pub extern "C" fn half_sum(step: i32, n: i32) -> i64 {
    if !(0..=8).contains(&n) { return 0; }
    let n = n as usize;
    let mut sum = 0i64;
    unsafe {
        for i in 0..n { HALVES[i] = (i as i32).wrapping_mul(step) as i16; }
        for i in 0..n { sum += HALVES[i] as i64; }
    }
    sum
}
