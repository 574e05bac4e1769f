// A WASI reactor (a cdylib): the case calls its exports; state lives between calls.
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

static COUNTER: AtomicI32 = AtomicI32::new(10);
static GREETING: Mutex<Option<String>> = Mutex::new(None);

#[no_mangle]
pub extern "C" fn greeting_length() -> i32 {
    let mut greeting = GREETING.lock().unwrap();
    greeting.get_or_insert_with(|| String::from("ready")).len() as i32
}

#[no_mangle]
pub extern "C" fn bump(by: i32) -> i32 {
    let now = COUNTER.fetch_add(by, Ordering::SeqCst) + by;
    println!("bumped by {} to {}", by, now);
    now
}
