//! `tandem-server`: parses the configuration and serves the app, or runs an admin command.

use std::io::BufRead;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tandem_server::{agents, AppState, Config};

#[derive(Parser)]
#[command(name = "tandem-server", about = "The Tandem API server")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Adds a human agent. The password is read from TANDEM_AGENT_PASSWORD or, if unset, from the
    /// first line of standard input (so it never appears in the process list).
    AddAgent {
        #[arg(long)]
        email: String,
        /// Name shown to shoppers.
        #[arg(long)]
        name: String,
        /// Conversations at once.
        #[arg(long, default_value_t = 3)]
        capacity: u32,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .init();
    let cli = Cli::parse();
    let assistant = Arc::new(tandem_assistant::Assistant::new());
    match cli.command {
        None => tandem_server::serve(cli.config, assistant).await,
        Some(Command::AddAgent { email, name, capacity }) => {
            let password = match std::env::var("TANDEM_AGENT_PASSWORD") {
                Ok(p) => p,
                Err(_) => std::io::stdin().lock().lines().next().transpose()?.unwrap_or_default(),
            };
            let state = AppState::new(cli.config, assistant, String::new()).await?;
            let id = agents::add_agent(&state, &email, &name, password.trim_end_matches(['\r', '\n']), capacity).await?;
            println!("added agent {email} ({name}), id {id}");
            Ok(())
        }
    }
}
