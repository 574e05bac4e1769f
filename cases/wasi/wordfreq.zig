// Strings, a growing list, a hash map, sorting and formatting: word frequencies of a
// fixed text.
const std = @import("std");

const text = "It was the best of times, it was the worst of times, it was the age of wisdom, " ++
    "it was the age of foolishness, it was the epoch of belief, it was the epoch of " ++
    "incredulity, it was the season of Light, it was the season of Darkness";

const Entry = struct { word: []const u8, count: usize };

fn moreFrequent(_: void, a: Entry, b: Entry) bool {
    if (a.count != b.count) return a.count > b.count;
    return std.mem.lessThan(u8, a.word, b.word);
}

pub fn main(init: std.process.Init) !void {
    const gpa = init.arena.allocator();
    var counts: std.StringArrayHashMapUnmanaged(usize) = .empty;
    var total: usize = 0;
    var letters: usize = 0;
    var start: usize = 0;
    while (start < text.len) {
        while (start < text.len and !std.ascii.isAlphabetic(text[start])) start += 1;
        var end = start;
        while (end < text.len and std.ascii.isAlphabetic(text[end])) end += 1;
        if (end == start) break;
        const word = try std.ascii.allocLowerString(gpa, text[start..end]);
        const slot = try counts.getOrPut(gpa, word);
        if (!slot.found_existing) slot.value_ptr.* = 0;
        slot.value_ptr.* += 1;
        total += 1;
        letters += word.len;
        start = end;
    }
    var table: std.ArrayList(Entry) = .empty;
    var iterator = counts.iterator();
    while (iterator.next()) |item| try table.append(gpa, .{ .word = item.key_ptr.*, .count = item.value_ptr.* });
    std.mem.sort(Entry, table.items, {}, moreFrequent);
    var buffer: [1024]u8 = undefined;
    var stdout = std.Io.File.stdout().writer(init.io, &buffer);
    const out = &stdout.interface;
    const mean = @as(f64, @floatFromInt(letters)) / @as(f64, @floatFromInt(total));
    try out.print("{d} words, {d} distinct, mean length {d:.3}\n", .{ total, table.items.len, mean });
    for (table.items[0..@min(5, table.items.len)]) |entry| {
        const share = 100.0 * @as(f64, @floatFromInt(entry.count)) / @as(f64, @floatFromInt(total));
        try out.print("{s:<12}|{d:>5}|{d:>6.2}%\n", .{ entry.word, entry.count, share });
    }
    var rarest: std.ArrayList(u8) = .empty;
    const items = table.items;
    for (0..3) |k| {
        if (k > 0) try rarest.append(gpa, '+');
        try rarest.appendSlice(gpa, items[items.len - 1 - k].word);
    }
    try out.print("rarest: {s}\n", .{rarest.items});
    try out.flush();
}
