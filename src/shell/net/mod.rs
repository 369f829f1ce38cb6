//! The network front end: `imapd serve`. Three kinds of process, all this binary (see
//! `docs/architecture.md`, "Network front end"):
//!
//! 1. the listener ([`master`]): accepts, enforces MAXDAEMONS/MAXPERIP, starts
//! 2. one login process per connection ([`login`]): PROXY header, TLS, the Not Authenticated
//!    state, password checks; then starts
//! 3. the session process ([`session`]) as the user, and relays TLS to it ([`relay`]) or
//!    hands it the socket ([`handoff`]).
//!
//! The role is chosen by the `IMAPD_NET_ROLE` environment variable the parent sets.

pub mod handoff;
pub mod limits;
pub mod listen;
pub mod login;
pub mod master;
pub mod options;
pub mod proxy_protocol;
pub mod relay;
pub mod session;
pub mod tls;
pub mod transport;

use std::process::ExitCode;

/// `imapd serve …`: dispatches on the process's role.
pub fn main(args: &[String]) -> ExitCode {
    match std::env::var(handoff::env::ROLE).as_deref() {
        Ok("login") => login::run(args),
        Ok("session") => session::run(),
        Ok(crate::auth::checkpassword::REPLY_ROLE) => crate::auth::checkpassword::reply_main(),
        _ => master::run(args),
    }
}
