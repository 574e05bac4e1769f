// Strings, Vec, a HashMap, sorting and formatting: word frequencies of a fixed text.
use std::collections::HashMap;

const TEXT: &str = "It was the best of times, it was the worst of times, it was the age of wisdom, \
    it was the age of foolishness, it was the epoch of belief, it was the epoch of \
    incredulity, it was the season of Light, it was the season of Darkness";

fn main() {
    let words: Vec<String> = TEXT
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in &words {
        *counts.entry(word.as_str()).or_insert(0) += 1;
    }
    let mut table: Vec<(&str, usize)> = counts.into_iter().collect();
    table.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let letters: usize = words.iter().map(String::len).sum();
    let mean = letters as f64 / words.len() as f64;
    println!("{} words, {} distinct, mean length {:.3}", words.len(), table.len(), mean);
    for (word, count) in table.iter().take(5) {
        let share = 100.0 * *count as f64 / words.len() as f64;
        println!("{:<12}|{:>5}|{:>6.2}%", word, count, share);
    }
    let rarest: Vec<&str> = table.iter().rev().take(3).map(|(w, _)| *w).collect();
    println!("rarest: {}", rarest.join("+"));
}
