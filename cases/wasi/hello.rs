// The smallest WASI command: one line on stdout, exit code 0.
fn main() {
    println!("Hello, WASI!");
}
