// Hostile: writes to a read-only preopen. Appending, creating, making a folder, removing
// and renaming must all be refused with a WASI error, and the file must be unchanged.
const std = @import("std");
const Io = std.Io;

fn report(out: *Io.Writer, err: *Io.Writer, what: []const u8, result: anyerror!void) !void {
    if (result) |_| {
        try out.print("{s}: ALLOWED\n", .{what});
    } else |e| {
        try out.print("{s}: refused\n", .{what});
        try err.print("{s}: {s}\n", .{ what, @errorName(e) });
    }
}

fn append(io: Io, data: Io.Dir) anyerror!void {
    const file = try data.openFile(io, "numbers.txt", .{ .mode = .write_only });
    defer file.close(io);
    const size = try file.length(io);
    try file.writePositionalAll(io, "666\n", size);
}

fn create(io: Io, data: Io.Dir) anyerror!void {
    const file = try data.createFile(io, "new.txt", .{});
    file.close(io);
}

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    const data = switch (init.preopens.get("data") orelse return error.NoDataPreopen) {
        .dir => |dir| dir,
        .file => return error.DataIsNotAFolder,
    };
    var out_buffer: [1024]u8 = undefined;
    var err_buffer: [1024]u8 = undefined;
    var stdout = Io.File.stdout().writer(io, &out_buffer);
    var stderr = Io.File.stderr().writer(io, &err_buffer);
    const out = &stdout.interface;
    const err = &stderr.interface;
    try report(out, err, "append to data/numbers.txt", append(io, data));
    try report(out, err, "create data/new.txt", create(io, data));
    try report(out, err, "mkdir data/folder", data.createDir(io, "folder", .default_dir));
    try report(out, err, "remove data/sub/note.txt", data.deleteFile(io, "sub/note.txt"));
    try report(out, err, "rename data/numbers.txt", Io.Dir.rename(data, "numbers.txt", data, "moved.txt", io));
    const text = data.readFileAlloc(io, "numbers.txt", init.gpa, .limited(1 << 20)) catch "";
    try out.print("data/numbers.txt has {d} lines\n", .{std.mem.count(u8, text, "\n")});
    try out.flush();
    try err.flush();
}
