// A function-pointer dispatch table: `apply` makes an indirect call (call_indirect).
const Binop = *const fn (i32, i32) i32;

fn opAdd(a: i32, b: i32) i32 {
    return a +% b;
}
fn opSub(a: i32, b: i32) i32 {
    return a -% b;
}
fn opMul(a: i32, b: i32) i32 {
    return a *% b;
}
fn opMin(a: i32, b: i32) i32 {
    return if (a < b) a else b;
}
fn opXor(a: i32, b: i32) i32 {
    return a ^ b;
}

// `var`: the table lives in memory, so the compiler cannot fold the calls away.
var table = [_]Binop{ &opAdd, &opSub, &opMul, &opMin, &opXor };
const n_ops: i32 = table.len;

export fn apply(op: i32, a: i32, b: i32) i32 {
    if (op < 0 or op >= n_ops) return -1;
    return table[@intCast(op)](a, b);
}

/// Swap two slots of the table, so later calls go elsewhere.
export fn swap(i: i32, j: i32) i32 {
    if (i < 0 or i >= n_ops or j < 0 or j >= n_ops) return 0;
    const t = table[@intCast(i)];
    table[@intCast(i)] = table[@intCast(j)];
    table[@intCast(j)] = t;
    return 1;
}

/// Fold 1..n with the operation: many indirect calls in a loop.
export fn fold(op: i32, n: i32) i32 {
    if (op < 0 or op >= n_ops) return -1;
    var acc: i32 = 0;
    var i: i32 = 1;
    while (i <= n) : (i += 1) acc = table[@intCast(op)](acc, i);
    return acc;
}
