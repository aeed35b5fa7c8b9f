//! Server integration tests: the real server on an ephemeral port, a fresh SQLite file per test,
//! real HTTP through reqwest.

mod admin;
mod assets;
mod agents;
mod canned;
mod cluster;
mod conversations;
mod crash;
mod desk;
mod email;
mod errors;
mod floor;
mod helpers;
mod history;
mod identity;
mod languages;
mod limits;
mod migrations;
mod queue;
mod roles;
mod provider_ledger;
mod provider_ledger_tls;
mod sessions;
mod shutdown;
mod smtp_sink;
mod start;
mod streams;
