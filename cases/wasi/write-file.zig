// Writes into the read-write preopen `out`: a text file, a folder, a binary file. The
// folder is compared with the case's files/expected-out afterwards.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    const folder = switch (init.preopens.get("out") orelse return error.NoOutPreopen) {
        .dir => |dir| dir,
        .file => return error.OutIsNotAFolder,
    };
    var text: [128]u8 = undefined;
    var length: usize = 0;
    for (1..6) |i| {
        const line = try std.fmt.bufPrint(text[length..], "line {d} of 5\n", .{i});
        length += line.len;
    }
    try folder.writeFile(io, .{ .sub_path = "report.txt", .data = text[0..length] });
    try folder.createDir(io, "nested", .default_dir);
    var bytes: [256]u8 = undefined;
    for (&bytes, 0..) |*byte, i| byte.* = @intCast(i);
    try folder.writeFile(io, .{ .sub_path = "nested/bytes.bin", .data = &bytes });
    var buffer: [64]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(io, &buffer);
    try stdout.interface.writeAll("wrote 2 files\n");
    try stdout.interface.flush();
}
