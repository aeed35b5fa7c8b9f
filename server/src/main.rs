//! `tandem-server`: parses the configuration and serves the app, or runs an admin command.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use tandem_server::{admin, Config};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Provider packs: `pack check DIR` reports every problem with file and line; `pack build DIR`
    /// also trains the pack's models and writes DIR/build/models.bin (start-up then loads them).
    Pack {
        #[command(subcommand)]
        action: PackAction,
    },
    /// Merchants: `merchant add|update|list|remove`.
    Merchant {
        #[command(subcommand)]
        action: admin::cli::MerchantCommand,
    },
    /// Human agents: `agent add|disable|enable|list|set-role`.
    Agent {
        #[command(subcommand)]
        action: admin::cli::AgentCommand,
    },
    /// A shopper's data: `shopper export|erase ID`.
    Shopper {
        #[command(subcommand)]
        action: admin::cli::ShopperCommand,
    },
}

#[derive(Subcommand)]
enum PackAction {
    /// Checks a pack.
    Check { dir: std::path::PathBuf },
    /// Checks a pack and trains its models.
    Build { dir: std::path::PathBuf },
}

/// Loads the configured pack and its models; every problem is printed with file and line.
fn load_assistant(config: &Config) -> anyhow::Result<tandem_assistant::Assistant> {
    let dir = config.pack_dir().map_err(anyhow::Error::msg)?;
    let started = std::time::Instant::now();
    let (pack, problems) = tandem_assistant::Pack::load(&dir);
    for p in &problems {
        eprintln!("{}: {p}", dir.display());
    }
    let pack = pack.ok_or_else(|| anyhow::anyhow!("the provider pack {} has errors (listed above); `tandem-server pack check {}` lists them again", dir.display(), dir.display()))?;
    let read = started.elapsed();
    let (models, origin, took) = tandem_assistant::model::Models::for_pack(&pack);
    match &origin {
        tandem_assistant::model::Origin::Loaded => {}
        tandem_assistant::model::Origin::Trained { stale: Some(why), .. } => tracing::warn!("pack build file refused ({why}); trained the models instead"),
        tandem_assistant::model::Origin::Trained { .. } => {}
    }
    tracing::info!(
        pack = %dir.display(),
        provider = %pack.provider,
        locales = %pack.locale_codes().join(","),
        read_ms = read.as_millis() as u64,
        models = if origin == tandem_assistant::model::Origin::Loaded { "loaded" } else { "trained" },
        models_ms = took.as_millis() as u64,
        "provider pack ready"
    );
    Ok(tandem_assistant::Assistant::with_models(pack, models))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .init();
    let cli = Cli::parse();
    let config = cli.config;
    match cli.command {
        Some(Command::Pack { action }) => {
            let code = match action {
                PackAction::Check { dir } => tandem_assistant::pack::cli::run("check", &dir),
                PackAction::Build { dir } => tandem_assistant::pack::cli::run("build", &dir),
            };
            if code != std::process::ExitCode::SUCCESS {
                std::process::exit(1);
            }
            Ok(())
        }
        Some(Command::Merchant { action }) => admin::cli::merchant(&config, action).await,
        Some(Command::Agent { action }) => admin::cli::agent(&config, action).await,
        Some(Command::Shopper { action }) => admin::cli::shopper(&config, action).await,
        None => {
            // A server that must not run (demo mode beyond loopback, no pack, no identity key
            // outside demo mode, a weak key, an unreadable key file, an unsafe account API) stops
            // here with every reason, before the pack is loaded and before anything listens.
            let problems: Vec<String> = [
                config.validate().err(),
                config.pack_dir().err(),
                tandem_server::identity::Verifier::from_config(&config).err(),
                tandem_server::ledger::HttpLedgerSettings::from_config(&config.ledger).err().map(|e| e.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !problems.is_empty() {
                for why in problems {
                    eprintln!("tandem-server cannot start: {why}");
                }
                std::process::exit(1);
            }
            let assistant = Arc::new(load_assistant(&config)?);
            tandem_server::serve(config, assistant).await
        }
    }
}
