// argv and the environment: exactly what the case grants, nothing of the host's.
use std::env;

fn main() {
    let args: Vec<String> = env::args().collect();
    println!("argc={}", args.len());
    for (i, arg) in args.iter().enumerate().skip(1) {
        println!("arg {}: {}", i, arg);
    }
    let greeting = env::var("GREETING").unwrap_or_else(|_| "(not set)".to_string());
    println!("GREETING={}", greeting);
    let empty = match env::var_os("EMPTY") {
        Some(value) if value.is_empty() => "set and empty",
        Some(_) => "not empty",
        None => "not set",
    };
    println!("EMPTY is {}", empty);
    println!("MISSING is {}", if env::var_os("MISSING").is_some() { "set" } else { "not set" });
    println!("environ has {} entries", env::vars_os().count());
}
