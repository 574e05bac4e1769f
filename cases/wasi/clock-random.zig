// Uses the clocks and the random source without depending on their values: real time is
// after 2020, monotonic time never goes back, two random draws differ.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    var buffer: [256]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(io, &buffer);
    const out = &stdout.interface;
    const now = std.Io.Timestamp.now(io, .real);
    const after = now.nanoseconds > 1_577_836_800 * std.time.ns_per_s;
    try out.print("realtime: {s}\n", .{if (after) "after 2020" else "before 2020?"});
    const first = std.Io.Timestamp.now(io, .awake);
    var spin: u64 = 0;
    for (0..1_000) |i| {
        const pointer: *volatile u64 = &spin;
        pointer.* +%= i;
    }
    const second = std.Io.Timestamp.now(io, .awake);
    const forward = second.nanoseconds >= first.nanoseconds;
    try out.print("monotonic: {s}\n", .{if (forward) "never goes back" else "went back"});
    var a: [32]u8 = undefined;
    var b: [32]u8 = undefined;
    try io.randomSecure(&a);
    try io.randomSecure(&b);
    const differ = !std.mem.eql(u8, &a, &b);
    try out.print("random: {s}\n", .{if (differ) "two draws differ" else "two equal draws"});
    try out.flush();
}
