// Uses the clocks and the random source without depending on their values: real time is
// after 2020, monotonic time never goes back, two random draws differ.
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buffer: *mut u8, length: usize) -> u16;
}

fn draw() -> [u8; 32] {
    let mut buffer = [0u8; 32];
    let errno = unsafe { random_get(buffer.as_mut_ptr(), buffer.len()) };
    assert_eq!(errno, 0, "random_get failed");
    buffer
}

fn main() {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    let after = if since.as_secs() > 1_577_836_800 { "after 2020" } else { "before 2020?" };
    println!("realtime: {}", after);
    let first = Instant::now();
    let mut spin = 0u64;
    for i in 0..1_000u64 {
        // A volatile write: the loop is not optimised away.
        unsafe { std::ptr::write_volatile(&mut spin, spin.wrapping_add(i)) };
    }
    let second = Instant::now();
    let forward = if second >= first { "never goes back" } else { "went back" };
    println!("monotonic: {}", forward);
    let differ = if draw() != draw() { "two draws differ" } else { "two equal draws" };
    println!("random: {}", differ);
}
