fn main() {
    eprintln!("imap-conformance: runner under construction");
    std::process::exit(2);
}
