// Hostile: tries to leave its preopens. `..` out of `data`, an absolute path, and
// symbolic links it makes in the read-write `out` that point out of the sandbox. An
// engine must refuse each open with a WASI error; the program says what it saw.
const std = @import("std");
const Io = std.Io;

fn folder(init: std.process.Init, name: []const u8) !Io.Dir {
    return switch (init.preopens.get(name) orelse return error.NoSuchPreopen) {
        .dir => |dir| dir,
        .file => error.NotAFolder,
    };
}

fn tryOpen(io: Io, out: *Io.Writer, err: *Io.Writer, dir: ?Io.Dir, shown: []const u8, path: []const u8) !void {
    const opened = if (dir) |d| d.openFile(io, path, .{}) else Io.Dir.openFileAbsolute(io, path, .{});
    const file = opened catch |e| {
        try out.print("open {s}: refused\n", .{shown});
        try err.print("open {s}: {s}\n", .{ shown, @errorName(e) });
        return;
    };
    file.close(io);
    // What could be read is not shown: it may be the host's.
    try out.print("open {s}: OPENED\n", .{shown});
}

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    var out_buffer: [1024]u8 = undefined;
    var err_buffer: [1024]u8 = undefined;
    var stdout = Io.File.stdout().writer(io, &out_buffer);
    var stderr = Io.File.stderr().writer(io, &err_buffer);
    const out = &stdout.interface;
    const err = &stderr.interface;
    const data = try folder(init, "data");
    const scratch = try folder(init, "out");
    try tryOpen(io, out, err, data, "data/../secret.txt", "../secret.txt");
    try tryOpen(io, out, err, data, "data/sub/../../secret.txt", "sub/../../secret.txt");
    try tryOpen(io, out, err, data, "data/../../../../../../etc/passwd", "../../../../../../etc/passwd");
    try tryOpen(io, out, err, null, "/etc/passwd", "/etc/passwd");
    // The links themselves may or may not be made; following them must fail.
    scratch.symLink(io, "../secret.txt", "up-link", .{}) catch |e|
        try err.print("symlink out/up-link: {s}\n", .{@errorName(e)});
    scratch.symLink(io, "/etc/passwd", "absolute-link", .{}) catch |e|
        try err.print("symlink out/absolute-link: {s}\n", .{@errorName(e)});
    try tryOpen(io, out, err, scratch, "out/up-link", "up-link");
    try tryOpen(io, out, err, scratch, "out/absolute-link", "absolute-link");
    try out.flush();
    try err.flush();
}
