//! The shell: the only place with stdin/stdout, sockets, inotify, timers, environment and
//! configuration. It moves bytes between the client and the codec, feeds the pure core, and
//! decides no protocol behaviour itself.

pub mod connection;
pub mod net;
pub mod settings;
pub mod stdio;
pub mod watch;
