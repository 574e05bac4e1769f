// Exits with the code given as its argument, after a line on stderr.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    const code: u8 = if (args.len > 1) std.fmt.parseInt(u8, args[1], 10) catch 1 else 1;
    var buffer: [64]u8 = undefined;
    var stderr = std.Io.File.stderr().writer(init.io, &buffer);
    try stderr.interface.print("exiting with {d} on purpose\n", .{code});
    try stderr.interface.flush();
    std.process.exit(code);
}
