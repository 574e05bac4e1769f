// Hostile: looks for the host's environment. The case grants one variable; HOME, PATH,
// USER and the rest of the host's must not be there.
const std = @import("std");

pub fn main(init: std.process.Init) !void {
    var buffer: [1024]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(init.io, &buffer);
    const out = &stdout.interface;
    const names = [_][]const u8{ "HOME", "PATH", "USER", "SHELL", "PWD", "LANG", "TMPDIR", "WASM_MATRIX_CACHE", "GIVEN" };
    for (names) |name| {
        const state = if (init.environ_map.get(name) != null) "set" else "not set";
        try out.print("{s}: {s}\n", .{ name, state });
    }
    try out.print("environ has {d} entries\n", .{init.environ_map.count()});
    try out.flush();
}
