// A WASI reactor: `_initialize` (zig makes it of `main`), then the case calls exports;
// state lives between calls.
const std = @import("std");

var counter: i32 = 10;
var greeting: ?[]const u8 = null;

pub fn main() void {
    greeting = "ready";
}

export fn greeting_length() i32 {
    return if (greeting) |text| @intCast(text.len) else -1;
}

export fn bump(by: i32) i32 {
    counter += by;
    var buffer: [64]u8 = undefined;
    const line = std.fmt.bufPrint(&buffer, "bumped by {d} to {d}\n", .{ by, counter }) catch unreachable;
    var written: usize = 0;
    const iovec = [_]std.os.wasi.ciovec_t{.{ .base = line.ptr, .len = line.len }};
    _ = std.os.wasi.fd_write(1, &iovec, 1, &written);
    return counter;
}
