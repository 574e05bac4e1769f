// Globals: state that persists between calls on one instance, of several types.
var counter: i32 = 0;
var total: i64 = 1000;
var average: f64 = 0;
var history: [8]i32 = @splat(0);

export fn next() i32 {
    counter +%= 1;
    return counter;
}

export fn add(x: i64) i64 {
    history[@intCast(counter & 7)] = @truncate(x);
    total +%= x;
    counter +%= 1;
    average = @as(f64, @floatFromInt(total)) / @as(f64, @floatFromInt(counter));
    return total;
}

export fn mean() f64 {
    return average;
}
export fn count() i32 {
    return counter;
}
export fn recent(i: i32) i32 {
    return history[@intCast(i & 7)];
}

export fn reset() void {
    counter = 0;
    total = 1000;
    average = 0;
    for (&history) |*h| h.* = 0;
}
