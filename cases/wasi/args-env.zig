// argv and the environment: exactly what the case grants, nothing of the host's.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var buffer: [1024]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(init.io, &buffer);
    const out = &stdout.interface;
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    try out.print("argc={d}\n", .{args.len});
    for (args[1..], 1..) |arg, i| try out.print("arg {d}: {s}\n", .{ i, arg });
    try out.print("GREETING={s}\n", .{init.environ_map.get("GREETING") orelse "(not set)"});
    const empty = if (init.environ_map.get("EMPTY")) |value|
        (if (value.len == 0) "set and empty" else "not empty")
    else
        "not set";
    try out.print("EMPTY is {s}\n", .{empty});
    const missing = if (init.environ_map.get("MISSING") != null) "set" else "not set";
    try out.print("MISSING is {s}\n", .{missing});
    try out.print("environ has {d} entries\n", .{init.environ_map.count()});
    try out.flush();
}
