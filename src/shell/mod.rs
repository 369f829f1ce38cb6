//! The shell: the only place with stdin/stdout, sockets, timers, signals, environment and
//! configuration (inotify too, with the store's `events.rs`). It moves bytes between the client
//! and the codec, feeds the pure core, and decides no protocol behaviour itself.

pub mod config_file;
pub mod connection;
pub mod limits;
pub mod log;
pub mod login;
pub mod net;
pub mod output;
pub mod sample;
pub mod settings;
pub mod signals;
pub mod stdio;
pub mod trash;
pub mod watch;
