// A filter: numbers and upper-cases each line of stdin, then counts lines and bytes.
use std::io::{self, Read};

fn main() {
    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input).expect("stdin");
    let text = String::from_utf8_lossy(&input);
    let mut lines = 0;
    for line in text.lines() {
        lines += 1;
        println!("{}: {}", lines, line.to_ascii_uppercase());
    }
    println!("{} lines, {} bytes", lines, input.len());
}
