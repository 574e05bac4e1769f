// The smallest WASI command: one line on stdout, exit code 0.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var buffer: [64]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(init.io, &buffer);
    try stdout.interface.writeAll("Hello, WASI!\n");
    try stdout.interface.flush();
}
