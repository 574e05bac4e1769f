// Hostile: tries to leave its preopens. `..` out of `data`, an absolute path, and
// symbolic links it makes in the read-write `out` that point out of the sandbox. An
// engine must refuse each open with a WASI error; the program says what it saw.
use std::fs::File;

fn try_open(path: &str) {
    match File::open(path) {
        Err(error) => {
            println!("open {}: refused", path);
            eprintln!("open {}: {}", path, error);
        }
        // What could be read is not shown: it may be the host's.
        Ok(_) => println!("open {}: OPENED", path),
    }
}

#[allow(deprecated)] // std::os::wasi::fs::symlink_path is unstable in Rust 1.63
fn symlink(target: &str, link: &str) -> std::io::Result<()> {
    std::fs::soft_link(target, link)
}

fn main() {
    try_open("data/../secret.txt");
    try_open("data/sub/../../secret.txt");
    try_open("data/../../../../../../etc/passwd");
    try_open("/etc/passwd");
    // The links themselves may or may not be made; following them must fail.
    if let Err(error) = symlink("../secret.txt", "out/up-link") {
        eprintln!("symlink out/up-link: {}", error);
    }
    if let Err(error) = symlink("/etc/passwd", "out/absolute-link") {
        eprintln!("symlink out/absolute-link: {}", error);
    }
    try_open("out/up-link");
    try_open("out/absolute-link");
}
