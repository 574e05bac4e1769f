// Reads two files from the preopened folder `data` (a copy of the case's files/data).
use std::fs;

fn main() {
    let text = fs::read_to_string("data/numbers.txt").expect("data/numbers.txt");
    let values: Vec<i64> = text.split_whitespace().map(|v| v.parse().unwrap()).collect();
    let (min, max) = (values.iter().min().unwrap(), values.iter().max().unwrap());
    let sum: i64 = values.iter().sum();
    println!("count={} sum={} min={} max={}", values.len(), sum, min, max);
    let note = fs::read_to_string("data/sub/note.txt").expect("data/sub/note.txt");
    for line in note.lines() {
        println!("note: {}", line);
    }
}
