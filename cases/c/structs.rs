// Structs passed and returned by value: #[repr(C)] and extern "C" helpers, so they travel
// as C's do (through memory), not in Rust's own ABI.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Vec3 { x: f64, y: f64, z: f64 }
#[repr(C)]
#[derive(Clone, Copy)]
struct Pair { lo: i32, hi: i64 }
#[repr(C)]
#[derive(Clone, Copy)]
struct Rgba { r: u8, g: u8, b: u8, a: u8 }

#[inline(never)]
extern "C" fn cross(a: Vec3, b: Vec3) -> Vec3 {
    Vec3 { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x }
}

#[inline(never)]
extern "C" fn scale(mut v: Vec3, k: f64) -> Vec3 {
    v.x *= k;
    v.y *= k;
    v.z *= k;
    v
}

/// |(a x b) * k| squared, each step a by-value call.
#[no_mangle]
pub extern "C" fn cross_norm2(ax: f64, ay: f64, az: f64, bx: f64, by: f64, bz: f64, k: f64) -> f64 {
    let c = scale(cross(Vec3 { x: ax, y: ay, z: az }, Vec3 { x: bx, y: by, z: bz }), k);
    c.x * c.x + c.y * c.y + c.z * c.z
}

#[inline(never)]
extern "C" fn swap_pair(p: Pair) -> Pair {
    Pair { lo: p.hi as i32, hi: (p.lo as i64).wrapping_mul(1000000007) }
}

#[no_mangle]
pub extern "C" fn pair_mix(lo: i32, hi: i64) -> i64 {
    let q = swap_pair(swap_pair(Pair { lo, hi }));
    q.hi.wrapping_add(q.lo as i64)
}

/// A 4-byte struct travels as one i32.
#[inline(never)]
extern "C" fn blend(a: Rgba, b: Rgba) -> Rgba {
    let avg = |x: u8, y: u8| ((x as i32 + y as i32) / 2) as u8;
    Rgba { r: avg(a.r, b.r), g: avg(a.g, b.g), b: avg(a.b, b.b), a: if a.a > b.a { a.a } else { b.a } }
}

fn unpack(v: i32) -> Rgba {
    Rgba { r: v as u8, g: (v >> 8) as u8, b: (v >> 16) as u8, a: (v >> 24) as u8 }
}

#[export_name = "blend"]
pub extern "C" fn blend_u32(a: i32, b: i32) -> i32 {
    let c = blend(unpack(a), unpack(b));
    (c.r as u32 | (c.g as u32) << 8 | (c.b as u32) << 16 | (c.a as u32) << 24) as i32
}
