// Writes into the read-write preopen `out`: a text file, a folder, a binary file. The
// folder is compared with the case's files/expected-out afterwards.
use std::fs;
use std::io::Write;

fn main() {
    let mut report = fs::File::create("out/report.txt").expect("out/report.txt");
    for i in 1..=5 {
        writeln!(report, "line {} of 5", i).unwrap();
    }
    drop(report);
    fs::create_dir("out/nested").expect("out/nested");
    let bytes: Vec<u8> = (0..=255u8).collect();
    fs::write("out/nested/bytes.bin", &bytes).expect("out/nested/bytes.bin");
    println!("wrote 2 files");
}
