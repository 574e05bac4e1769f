// Hostile: writes to a read-only preopen. Appending, creating, making a folder, removing
// and renaming must all be refused with a WASI error, and the file must be unchanged.
use std::fs::{self, OpenOptions};
use std::io::Write;

fn report(what: &str, result: std::io::Result<()>) {
    match result {
        Ok(()) => println!("{}: ALLOWED", what),
        Err(error) => {
            println!("{}: refused", what);
            eprintln!("{}: {}", what, error);
        }
    }
}

fn main() {
    let append = OpenOptions::new()
        .append(true)
        .open("data/numbers.txt")
        .and_then(|mut file| file.write_all(b"666\n"));
    report("append to data/numbers.txt", append);
    report("create data/new.txt", fs::File::create("data/new.txt").map(|_| ()));
    report("mkdir data/folder", fs::create_dir("data/folder"));
    report("remove data/sub/note.txt", fs::remove_file("data/sub/note.txt"));
    report("rename data/numbers.txt", fs::rename("data/numbers.txt", "data/moved.txt"));
    let lines = fs::read_to_string("data/numbers.txt").map(|t| t.lines().count()).unwrap_or(0);
    println!("data/numbers.txt has {} lines", lines);
}
