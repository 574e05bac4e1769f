// copy_from_slice / fill / copy_within over a buffer in linear memory: memory.copy and
// memory.fill with bulk-memory, calls to compiler_builtins' memcpy/memset/memmove without.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

static mut BUF: [u8; 256] = [0; 256];
static mut TMP: [u8; 256] = [0; 256];

/// Fill [at, at+n) with the byte, clipped to the buffer.
#[no_mangle]
pub extern "C" fn fill(at: i32, byte: i32, n: i32) {
    if at < 0 || n < 0 || at > 256 || n > 256 - at { return; }
    unsafe { core::ptr::write_bytes((core::ptr::addr_of_mut!(BUF) as *mut u8).add(at as usize), byte as u8, n as usize) }
}

#[no_mangle]
pub extern "C" fn copy(to: i32, from: i32, n: i32) {
    if to < 0 || from < 0 || n < 0 || to > 256 - n || from > 256 - n { return; }
    let base = unsafe { core::ptr::addr_of_mut!(BUF) } as *mut u8;
    unsafe { core::ptr::copy(base.add(from as usize), base.add(to as usize), n as usize) }
}

/// Copy a block that cannot overlap (a second buffer, then back).
#[no_mangle]
pub extern "C" fn roundtrip(to: i32, from: i32, n: i32) {
    if to < 0 || from < 0 || n < 0 || to > 256 - n || from > 256 - n { return; }
    let (buf, tmp) = unsafe { (core::ptr::addr_of_mut!(BUF) as *mut u8, core::ptr::addr_of_mut!(TMP) as *mut u8) };
    unsafe {
        core::ptr::copy_nonoverlapping(buf.add(from as usize), tmp, n as usize);
        core::ptr::copy_nonoverlapping(tmp, buf.add(to as usize), n as usize);
    }
}

/// Byte i is i*3+1 for the whole buffer.
#[no_mangle]
pub extern "C" fn ramp() {
    let mut i = 0;
    while i < 256 {
        unsafe { BUF[i] = (i * 3 + 1) as u8 };
        i += 1;
    }
}

/// A position-weighted sum of the whole buffer: any misplaced byte changes it.
#[no_mangle]
pub extern "C" fn digest() -> i32 {
    let mut h: u32 = 0;
    let mut i = 0;
    while i < 256 {
        h = h.wrapping_mul(31).wrapping_add(unsafe { BUF[i] } as u32);
        i += 1;
    }
    h as i32
}

#[no_mangle]
pub extern "C" fn at(i: i32) -> i32 { if (0..256).contains(&i) { unsafe { BUF[i as usize] as i32 } } else { -1 } }
