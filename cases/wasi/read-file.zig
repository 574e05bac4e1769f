// Reads two files from the preopened folder `data` (a copy of the case's files/data).
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    const data = switch (init.preopens.get("data") orelse return error.NoDataPreopen) {
        .dir => |dir| dir,
        .file => return error.DataIsNotAFolder,
    };
    var buffer: [1024]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(io, &buffer);
    const out = &stdout.interface;
    const text = try data.readFileAlloc(io, "numbers.txt", init.gpa, .limited(1 << 20));
    var count: i64 = 0;
    var sum: i64 = 0;
    var min: i64 = 0;
    var max: i64 = 0;
    var words = std.mem.tokenizeAny(u8, text, " \n\t");
    while (words.next()) |word| {
        const value = try std.fmt.parseInt(i64, word, 10);
        if (count == 0 or value < min) min = value;
        if (count == 0 or value > max) max = value;
        sum += value;
        count += 1;
    }
    try out.print("count={d} sum={d} min={d} max={d}\n", .{ count, sum, min, max });
    const note = try data.readFileAlloc(io, "sub/note.txt", init.gpa, .limited(1 << 20));
    var lines = std.mem.tokenizeScalar(u8, note, '\n');
    while (lines.next()) |line| try out.print("note: {s}\n", .{line});
    try out.flush();
}
