//! `imapd passwd [--scheme SHA512-CRYPT|ARGON2ID]`: reads a password from standard input (one
//! line; the newline is not part of it) and prints its hash for a passwd-file.

use std::io::Read;
use std::process::ExitCode;

use super::scheme::{hash, HashScheme};

const USAGE: &str = "usage: imapd passwd [--scheme SHA512-CRYPT|ARGON2ID] < password

Reads one password from standard input and prints a {SCHEME}hash for a passwd-file entry.";

/// Runs the subcommand with the arguments after `passwd`.
pub fn main(args: &[String]) -> ExitCode {
    let mut scheme = HashScheme::Sha512Crypt;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scheme" => match it.next().map(|s| s.to_ascii_uppercase()).as_deref() {
                Some("SHA512-CRYPT") => scheme = HashScheme::Sha512Crypt,
                Some("ARGON2ID") => scheme = HashScheme::Argon2id,
                other => {
                    eprintln!("imapd passwd: unknown scheme {other:?}\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("imapd passwd: unknown argument {other}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().take(64 * 1024).read_to_end(&mut input) {
        eprintln!("imapd passwd: reading standard input: {e}");
        return ExitCode::FAILURE;
    }
    let end = input
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(input.len());
    let mut password = &input[..end];
    if password.last() == Some(&b'\r') {
        password = &password[..password.len() - 1];
    }
    if password.is_empty() {
        eprintln!("imapd passwd: empty password");
        return ExitCode::FAILURE;
    }
    match hash(password, scheme) {
        Ok(h) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("imapd passwd: {e}");
            ExitCode::FAILURE
        }
    }
}
