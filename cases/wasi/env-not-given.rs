// Hostile: looks for the host's environment. The case grants one variable; HOME, PATH,
// USER and the rest of the host's must not be there.
use std::env;

fn main() {
    let names = ["HOME", "PATH", "USER", "SHELL", "PWD", "LANG", "TMPDIR", "WASM_MATRIX_CACHE", "GIVEN"];
    for name in names {
        let state = if env::var_os(name).is_some() { "set" } else { "not set" };
        println!("{}: {}", name, state);
    }
    println!("environ has {} entries", env::vars_os().count());
}
