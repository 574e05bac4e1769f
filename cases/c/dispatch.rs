// A function-pointer dispatch table: `apply` makes an indirect call (call_indirect).
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

type Binop = fn(i32, i32) -> i32;

fn op_add(a: i32, b: i32) -> i32 { a.wrapping_add(b) }
fn op_sub(a: i32, b: i32) -> i32 { a.wrapping_sub(b) }
fn op_mul(a: i32, b: i32) -> i32 { a.wrapping_mul(b) }
fn op_min(a: i32, b: i32) -> i32 { if a < b { a } else { b } }
fn op_xor(a: i32, b: i32) -> i32 { a ^ b }

// Mutable: the table lives in memory, so the compiler cannot fold the calls away.
static mut TABLE: [Binop; 5] = [op_add, op_sub, op_mul, op_min, op_xor];
const N_OPS: i32 = 5;

#[no_mangle]
pub extern "C" fn apply(op: i32, a: i32, b: i32) -> i32 {
    if op < 0 || op >= N_OPS { return -1; }
    unsafe { TABLE[op as usize](a, b) }
}

/// Swap two slots of the table, so later calls go elsewhere.
#[no_mangle]
pub extern "C" fn swap(i: i32, j: i32) -> i32 {
    if i < 0 || i >= N_OPS || j < 0 || j >= N_OPS { return 0; }
    unsafe {
        let t = TABLE[i as usize];
        TABLE[i as usize] = TABLE[j as usize];
        TABLE[j as usize] = t;
    }
    1
}

/// Fold 1..n with the operation: many indirect calls in a loop.
#[no_mangle]
pub extern "C" fn fold(op: i32, n: i32) -> i32 {
    if op < 0 || op >= N_OPS { return -1; }
    let mut acc = 0;
    let mut i = 1;
    while i <= n {
        acc = unsafe { TABLE[op as usize](acc, i) };
        i += 1;
    }
    acc
}
