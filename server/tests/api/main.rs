//! Server integration tests: the real server on an ephemeral port, a fresh SQLite file per test,
//! real HTTP through reqwest.

mod agents;
mod cluster;
mod conversations;
mod errors;
mod helpers;
mod identity;
mod languages;
mod migrations;
mod sessions;
mod shutdown;
mod streams;
