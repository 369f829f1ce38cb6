//! The `imapd` binary: `imapd [--create] [--config FILE] [MAILDIR]` serves one IMAP session
//! on stdin/stdout; `imapd --sample DIR` writes a sample Maildir.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: imapd [--create] [--config FILE] [MAILDIR]
       imapd --sample DIR
       imapd serve [OPTIONS]   (IMAP over TCP/TLS with login; imapd serve --help)
       imapd passwd            (hash a password for a passwd-file)

Serves IMAP4rev1 for MAILDIR on stdin/stdout (PREAUTH), like Courier's imapd.
The MAILDIR environment variable overrides the argument (default ./Maildir).
  --create   create the Maildir (cur/ new/ tmp/) if it does not exist
  --config FILE
             read settings from FILE, in the format of Courier's imapd file
             (docs/configuration.md); the environment overrides it
  --sample DIR
             write a deterministic sample Maildir into DIR (which must not exist) and exit
  --help     show this text
  --version  show the version";

fn main() -> ExitCode {
    // Subcommands of the network front end (src/shell/net, src/auth).
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args.first().map(String::as_str) {
        Some("serve") => return imapd::shell::net::main(&args[1..]),
        Some("passwd") => return imapd::auth::cli::main(&args[1..]),
        _ => {}
    }
    let mut create = false;
    let mut path: Option<PathBuf> = None;
    let mut config: Option<PathBuf> = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--create") => create = true,
            Some(opt @ ("--config" | "--sample")) => {
                let Some(value) = args.next().map(PathBuf::from) else {
                    eprintln!("imapd: {opt} needs an argument\n{USAGE}");
                    return ExitCode::from(2);
                };
                if opt == "--sample" {
                    return imapd::shell::sample::run(&value);
                }
                config = Some(value);
            }
            Some("--help" | "-h") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some("--version" | "-V") => {
                println!("imapd {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            Some(s) if s.starts_with('-') => {
                eprintln!("imapd: unknown option {s}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("imapd: more than one MAILDIR given\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    // Courier: the MAILDIR environment variable, when set, overrides the argument.
    let maildir = std::env::var_os("MAILDIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or(path)
        .unwrap_or_else(|| PathBuf::from("./Maildir"));
    imapd::shell::stdio::run_with(&imapd::shell::stdio::Options {
        maildir,
        create,
        config,
    })
}
