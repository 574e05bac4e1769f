// Exits with the code given as its argument, after a line on stderr.
fn main() {
    let code: i32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    eprintln!("exiting with {} on purpose", code);
    std::process::exit(code);
}
