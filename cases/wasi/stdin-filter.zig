// A filter: numbers and upper-cases each line of stdin, then counts lines and bytes.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var in_buffer: [4096]u8 = undefined;
    var stdin = std.Io.File.stdin().readerStreaming(init.io, &in_buffer);
    const input = try stdin.interface.allocRemaining(init.gpa, .unlimited);
    defer init.gpa.free(input);
    var buffer: [4096]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(init.io, &buffer);
    const out = &stdout.interface;
    var lines: usize = 0;
    var rest = input;
    while (rest.len > 0) {
        const end = std.mem.indexOfScalar(u8, rest, '\n') orelse rest.len;
        lines += 1;
        try out.print("{d}: ", .{lines});
        for (rest[0..end]) |c| try out.writeByte(std.ascii.toUpper(c));
        try out.writeByte('\n');
        rest = if (end < rest.len) rest[end + 1 ..] else rest[end..];
    }
    try out.print("{d} lines, {d} bytes\n", .{ lines, input.len });
    try out.flush();
}
