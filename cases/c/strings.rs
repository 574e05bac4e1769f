// Byte strings in linear memory: copy a NUL-terminated string into a static buffer, then
// strlen, strchr, count, reverse in place, upper-case, palindrome check and FNV-1a over it.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const CAP: usize = 128;
static mut BUF: [u8; CAP] = [0; CAP];

// NUL-terminated, as the C version's string literals.
const TEXTS: [&[u8]; 4] = [
    b"Hello, WebAssembly!\0",
    b"The quick brown fox jumps over the lazy dog\0",
    b"\0",
    b"racecar\0",
];

/// Copy text `which` and its NUL into the buffer; its length, or -1 for no such text.
#[no_mangle]
pub extern "C" fn load(which: i32) -> i32 {
    if which < 0 || which as usize >= TEXTS.len() { return -1; }
    let s = TEXTS[which as usize];
    let mut i = 0;
    unsafe {
        while s[i] != 0 { BUF[i] = s[i]; i += 1; }
        BUF[i] = 0;
    }
    i as i32
}

/// Fill [0, n) with the byte (no NUL is written); n, or -1 when n does not fit. A memset:
/// memory.fill with bulk-memory, a call to compiler_builtins' memset without.
#[no_mangle]
pub extern "C" fn fill(byte: i32, n: i32) -> i32 {
    if n < 0 || n as usize > CAP { return -1; }
    unsafe { core::ptr::write_bytes(core::ptr::addr_of_mut!(BUF) as *mut u8, byte as u8, n as usize) }
    n
}

/// strlen, bounded by the buffer: a buffer without a NUL has length CAP.
#[no_mangle]
pub extern "C" fn length() -> i32 {
    let mut n = 0;
    while n < CAP && unsafe { BUF[n] } != 0 { n += 1; }
    n as i32
}

#[no_mangle]
pub extern "C" fn at(i: i32) -> i32 { if i >= 0 && (i as usize) < CAP { unsafe { BUF[i as usize] as i32 } } else { -1 } }

/// Store the low byte of `byte` at i; 1 if stored, 0 if i is outside the buffer.
#[no_mangle]
pub extern "C" fn put(i: i32, byte: i32) -> i32 {
    if i < 0 || i as usize >= CAP { return 0; }
    unsafe { BUF[i as usize] = byte as u8 };
    1
}

fn text() -> &'static mut [u8] {
    // The string without its NUL.
    let n = length() as usize;
    unsafe { core::slice::from_raw_parts_mut(core::ptr::addr_of_mut!(BUF) as *mut u8, n) }
}

/// strchr: the index of the first (ch & 0xFF) in the string, or -1.
#[no_mangle]
pub extern "C" fn find(ch: i32) -> i32 {
    for (i, &b) in text().iter().enumerate() {
        if b == ch as u8 { return i as i32; }
    }
    -1
}

#[no_mangle]
pub extern "C" fn count(ch: i32) -> i32 {
    let mut c = 0;
    for &b in text().iter() { c += (b == ch as u8) as i32; }
    c
}

/// Reverse the string in place; its length.
#[no_mangle]
pub extern "C" fn reverse() -> i32 {
    let s = text();
    let n = s.len();
    let (mut i, mut j) = (0, n);
    while i + 1 < j {
        j -= 1;
        let t = s[i];
        s[i] = s[j];
        s[j] = t;
        i += 1;
    }
    n as i32
}

/// ASCII a-z to A-Z in place; how many bytes changed.
#[no_mangle]
pub extern "C" fn upper() -> i32 {
    let mut changed = 0;
    for b in text().iter_mut() {
        if *b >= b'a' && *b <= b'z' { *b -= 32; changed += 1; }
    }
    changed
}

#[no_mangle]
pub extern "C" fn is_palindrome() -> i32 {
    let s = text();
    let n = s.len();
    for i in 0..n / 2 {
        if s[i] != s[n - 1 - i] { return 0; }
    }
    1
}

/// FNV-1a (32 bits) over the string's bytes, without the NUL.
#[no_mangle]
pub extern "C" fn fnv1a() -> i32 {
    let mut h: u32 = 2166136261;
    for &b in text().iter() { h = (h ^ b as u32).wrapping_mul(16777619); }
    h as i32
}
