//! `tandem-server`: parses the configuration and serves the app.

use std::sync::Arc;

use clap::Parser;
use tandem_server::Config;

#[derive(Parser)]
#[command(name = "tandem-server", about = "The Tandem API server")]
struct Cli {
    #[command(flatten)]
    config: Config,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .init();
    let cli = Cli::parse();
    tandem_server::serve(cli.config, Arc::new(tandem_assistant::Assistant::new())).await
}
