// Sorting and checksums over linear memory: fill an array from a PRNG, sort it (insertion
// sort, then a quicksort), check the order, and hash the bytes (FNV-1a, Adler-32).
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

static mut DATA: [i32; 512] = [0; 512];
static mut SIZE: i32 = 0;

#[no_mangle]
pub extern "C" fn generate(n: i32, seed: i32) -> i32 {
    if !(0..=512).contains(&n) { return 0; }
    let mut s = seed as u32;
    for i in 0..n as usize {
        s = s.wrapping_mul(1103515245).wrapping_add(12345);
        unsafe { DATA[i] = (s >> 8) as i32 - (1 << 23) };
    }
    unsafe { SIZE = n };
    n
}

#[no_mangle]
pub extern "C" fn insertion_sort() {
    unsafe {
        let mut i = 1;
        while i < SIZE {
            let v = DATA[i as usize];
            let mut j = i - 1;
            while j >= 0 && DATA[j as usize] > v {
                DATA[(j + 1) as usize] = DATA[j as usize];
                j -= 1;
            }
            DATA[(j + 1) as usize] = v;
            i += 1;
        }
    }
}

unsafe fn quick(mut lo: i32, mut hi: i32) {
    while lo < hi {
        let pivot = DATA[(lo + (hi - lo) / 2) as usize];
        let (mut i, mut j) = (lo, hi);
        while i <= j {
            while DATA[i as usize] < pivot { i += 1; }
            while DATA[j as usize] > pivot { j -= 1; }
            if i <= j {
                let t = DATA[i as usize];
                DATA[i as usize] = DATA[j as usize];
                DATA[j as usize] = t;
                i += 1;
                j -= 1;
            }
        }
        if j - lo < hi - i { quick(lo, j); lo = i; } else { quick(i, hi); hi = j; }
    }
}
#[no_mangle]
pub extern "C" fn quicksort() { unsafe { quick(0, SIZE - 1) } }

#[no_mangle]
pub extern "C" fn is_sorted() -> i32 {
    unsafe {
        for i in 1..SIZE as usize {
            if DATA[i - 1] > DATA[i] { return 0; }
        }
    }
    1
}

#[no_mangle]
pub extern "C" fn get(i: i32) -> i32 { unsafe { if i >= 0 && i < SIZE { DATA[i as usize] } else { 0 } } }

fn bytes() -> &'static [u8] {
    // The ints' bytes in memory order (little-endian), as C's unsigned char view.
    unsafe { core::slice::from_raw_parts(core::ptr::addr_of!(DATA) as *const u8, SIZE as usize * 4) }
}

#[no_mangle]
pub extern "C" fn fnv1a() -> i32 {
    let mut h: u32 = 2166136261;
    for &b in bytes() { h = (h ^ b as u32).wrapping_mul(16777619); }
    h as i32
}

#[no_mangle]
pub extern "C" fn adler32() -> i32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes() { a = (a + byte as u32) % 65521; b = (b + a) % 65521; }
    (b << 16 | a) as i32
}
