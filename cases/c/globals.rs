// Globals: state that persists between calls on one instance, of several types.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

static mut COUNTER: i32 = 0;
static mut TOTAL: i64 = 1000;
static mut AVERAGE: f64 = 0.0;
static mut HISTORY: [i32; 8] = [0; 8];

#[no_mangle]
pub extern "C" fn next() -> i32 {
    unsafe {
        COUNTER = COUNTER.wrapping_add(1);
        COUNTER
    }
}

#[no_mangle]
pub extern "C" fn add(x: i64) -> i64 {
    unsafe {
        HISTORY[(COUNTER & 7) as usize] = x as i32;
        TOTAL = TOTAL.wrapping_add(x);
        COUNTER = COUNTER.wrapping_add(1);
        AVERAGE = TOTAL as f64 / COUNTER as f64;
        TOTAL
    }
}

#[no_mangle]
pub extern "C" fn mean() -> f64 { unsafe { AVERAGE } }
#[no_mangle]
pub extern "C" fn count() -> i32 { unsafe { COUNTER } }
#[no_mangle]
pub extern "C" fn recent(i: i32) -> i32 { unsafe { HISTORY[(i & 7) as usize] } }

#[no_mangle]
pub extern "C" fn reset() {
    unsafe {
        COUNTER = 0;
        TOTAL = 1000;
        AVERAGE = 0.0;
        let mut i = 0;
        while i < 8 {
            HISTORY[i] = 0;
            i += 1;
        }
    }
}
