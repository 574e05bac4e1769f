// Float <-> int conversions. Rust's `as` saturates (NaN -> 0, clamped), so the plain casts
// agree with C's where C defines them (in range), and the *_sat helpers spell it out.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[no_mangle]
pub extern "C" fn f64_to_i32(x: f64) -> i32 { x as i32 }
#[no_mangle]
pub extern "C" fn f32_to_i64(x: f32) -> i64 { x as i64 }
#[no_mangle]
pub extern "C" fn f64_to_u32(x: f64) -> i32 { x as u32 as i32 }

#[no_mangle]
pub extern "C" fn f64_to_i32_sat(x: f64) -> i32 {
    if x != x { return 0; }
    if x >= 2147483648.0 { return i32::MAX; }
    if x <= -2147483649.0 { return i32::MIN; }
    x as i32
}

#[no_mangle]
pub extern "C" fn f32_to_i64_sat(x: f32) -> i64 {
    if x != x { return 0; }
    if x >= 9223372036854775808.0f32 { return i64::MAX; }
    if x < -9223372036854775808.0f32 { return i64::MIN; }
    x as i64
}

#[no_mangle]
pub extern "C" fn f64_to_u32_sat(x: f64) -> i32 {
    if !(x > 0.0) { return 0; } // NaN and negatives
    if x >= 4294967296.0 { return 0xFFFF_FFFFu32 as i32; }
    x as u32 as i32
}

#[no_mangle]
pub extern "C" fn i64_to_f64(x: i64) -> f64 { x as f64 }
#[no_mangle]
pub extern "C" fn u64_to_f32(x: i64) -> f32 { x as u64 as f32 }
#[no_mangle]
pub extern "C" fn i32_to_f32(x: i32) -> f32 { x as f32 }
#[no_mangle]
pub extern "C" fn u32_to_f64(x: i32) -> f64 { x as u32 as f64 }
