//! The operator's commands: `tandem-server merchant|agent|shopper …`. They open the configured
//! database directly (no provider pack, no listening), so they work while the server runs; a
//! running server sees their changes at once (disabled agents' consoles end within a second).

use std::io::BufRead;

use clap::Subcommand;
use tandem_protocol::Theme;

use super::ops::{self, MerchantChange, MerchantSpec};
use crate::store::{Removed, Store};
use crate::Config;

/// `tandem-server merchant …`
#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Adds a merchant: its id (used in the script tag), name, the origins whose pages may embed
    /// the widget, and its theme.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: MerchantFields,
    },
    /// Changes a merchant; options not given stay as they are.
    Update {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: MerchantFields,
    },
    /// Lists merchants (JSON with --json).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Removes a merchant with its sessions and conversations.
    Remove {
        #[arg(long)]
        id: String,
    },
}

/// Merchant options shared by `add` and `update`.
#[derive(Debug, clap::Args)]
pub struct MerchantFields {
    /// An origin allowed to embed the widget (`https://shop.example`); repeat for several. With
    /// `update`, the given origins replace the stored ones.
    #[arg(long = "origin")]
    origins: Vec<String>,
    /// Name shown as "payment help from …" (default: the provider pack's name).
    #[arg(long)]
    provider_name: Option<String>,
    /// Accent colour, `#rrggbb`.
    #[arg(long)]
    accent: Option<String>,
    /// Text colour on the accent, `#rrggbb` (corrected to black or white if unreadable).
    #[arg(long)]
    on_accent: Option<String>,
    /// Launcher position: `right` or `left`.
    #[arg(long)]
    position: Option<String>,
    /// Launcher label.
    #[arg(long)]
    label: Option<String>,
}

/// `tandem-server agent …`
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Adds an agent. The password is read from TANDEM_AGENT_PASSWORD or, if unset, from the first
    /// line of standard input (so it never appears in the process list).
    Add {
        #[arg(long)]
        email: String,
        /// Name shown to shoppers.
        #[arg(long)]
        name: String,
        /// Conversations at once.
        #[arg(long, default_value_t = 3)]
        capacity: u32,
        /// agent, supervisor or admin.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Languages they speak, e.g. `en,sv` (the queue offers those conversations to them first).
        #[arg(long, default_value = "")]
        languages: String,
    },
    /// Disables an agent: they cannot log in, their sessions and console streams end, their
    /// conversations go back to the queue.
    Disable { email: String },
    /// Lets a disabled agent log in again.
    Enable { email: String },
    /// Lists agents (JSON with --json).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Sets an agent's role: agent, supervisor or admin.
    SetRole { email: String, role: String },
    /// Sets the languages an agent speaks, e.g. `en,sv`.
    SetLanguages { email: String, languages: String },
}

/// `tandem-server shopper …`
#[derive(Debug, Subcommand)]
pub enum ShopperCommand {
    /// Prints everything held about a shopper as JSON.
    Export { id: String },
    /// Removes every row about a shopper from every table.
    Erase { id: String },
}

/// Opens the configured database for a command.
async fn open(config: &Config) -> anyhow::Result<Store> {
    let url = crate::store::database_url(config.database_url.as_deref(), &config.data_dir)?;
    Store::open(&url, 2, std::sync::Arc::new(|_| {})).await
}

fn fail(e: crate::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn theme_of(f: &MerchantFields, base: Theme) -> Theme {
    Theme {
        accent: f.accent.clone().unwrap_or(base.accent),
        on_accent: f.on_accent.clone().unwrap_or(base.on_accent),
        position: f.position.clone().unwrap_or(base.position),
        launcher_label: f.label.clone().unwrap_or(base.launcher_label),
    }
}

fn print_merchant(m: &MerchantSpec) {
    let origins = if m.allowed_origins.is_empty() { "(none: the widget cannot be embedded yet)".to_string() } else { m.allowed_origins.join(" ") };
    println!("{}\t{}\t{}\t{}", m.id, m.name, m.theme.accent, origins);
}

fn print_removed(what: &str, r: &Removed) {
    let rows: Vec<String> = r.rows.iter().filter(|(_, n)| *n > 0).map(|(t, n)| format!("{t}: {n}")).collect();
    println!("removed {what} ({} rows: {})", r.total(), if rows.is_empty() { "none".into() } else { rows.join(", ") });
}

/// Runs a merchant command.
pub async fn merchant(config: &Config, cmd: MerchantCommand) -> anyhow::Result<()> {
    let store = open(config).await?;
    match cmd {
        MerchantCommand::Add { id, name, fields } => {
            let spec = MerchantSpec {
                id,
                name,
                provider_name: fields.provider_name.clone().unwrap_or_default(),
                allowed_origins: fields.origins.clone(),
                theme: theme_of(&fields, ops::default_theme()),
            };
            let m = ops::add_merchant(&store, &spec).await.map_err(fail)?;
            print!("added merchant ");
            print_merchant(&m);
        }
        MerchantCommand::Update { id, name, fields } => {
            let change = MerchantChange {
                name,
                provider_name: fields.provider_name,
                allowed_origins: (!fields.origins.is_empty()).then_some(fields.origins),
                accent: fields.accent,
                on_accent: fields.on_accent,
                position: fields.position,
                launcher_label: fields.label,
            };
            let m = ops::update_merchant(&store, &id, &change).await.map_err(fail)?;
            print!("updated merchant ");
            print_merchant(&m);
        }
        MerchantCommand::List { json } => {
            let all = ops::list_merchants(&store).await.map_err(fail)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                all.iter().for_each(print_merchant);
            }
        }
        MerchantCommand::Remove { id } => {
            let r = ops::remove_merchant(&store, &id).await.map_err(fail)?;
            print_removed(&format!("merchant {id}"), &r);
        }
    }
    store.close().await;
    Ok(())
}

/// Runs an agent command.
pub async fn agent(config: &Config, cmd: AgentCommand) -> anyhow::Result<()> {
    let store = open(config).await?;
    match cmd {
        AgentCommand::Add { email, name, capacity, role, languages } => {
            let role = ops::parse_role(&role).map_err(fail)?;
            let languages = ops::parse_languages(&[languages]).map_err(fail)?;
            let password = match std::env::var("TANDEM_AGENT_PASSWORD") {
                Ok(p) => p,
                Err(_) => std::io::stdin().lock().lines().next().transpose()?.unwrap_or_default(),
            };
            let id = crate::agents::add_agent(&store, &email, &name, password.trim_end_matches(['\r', '\n']), capacity, role).await?;
            store.set_languages(&id, &languages).await?;
            println!("added {} {email} ({name}), id {id}, languages {}", role.as_str(), languages.join(","));
        }
        AgentCommand::Disable { email } => {
            let id = ops::agent_id(&store, &email).await.map_err(fail)?;
            store.set_disabled(&id, true).await?;
            println!("disabled {email}: sessions ended; a running server ends their console and requeues their conversations within a second");
        }
        AgentCommand::Enable { email } => {
            let id = ops::agent_id(&store, &email).await.map_err(fail)?;
            store.set_disabled(&id, false).await?;
            println!("enabled {email}");
        }
        AgentCommand::List { json } => {
            let all = store.agent_listing().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for a in all {
                    let status = if a.disabled { "disabled" } else if a.online { "online" } else { "offline" };
                    println!("{}\t{}\t{}\t{}\tcapacity {}", a.email, a.display_name, a.role, status, a.capacity);
                }
            }
        }
        AgentCommand::SetRole { email, role } => {
            let role = ops::parse_role(&role).map_err(fail)?;
            let id = ops::agent_id(&store, &email).await.map_err(fail)?;
            store.set_role(&id, role).await?;
            println!("{email} is now {}", role.as_str());
        }
        AgentCommand::SetLanguages { email, languages } => {
            let languages = ops::parse_languages(&[languages]).map_err(fail)?;
            let id = ops::agent_id(&store, &email).await.map_err(fail)?;
            store.set_languages(&id, &languages).await?;
            println!("{email} speaks {}", if languages.is_empty() { "(none listed)".to_string() } else { languages.join(",") });
        }
    }
    store.close().await;
    Ok(())
}

/// Runs a shopper command.
pub async fn shopper(config: &Config, cmd: ShopperCommand) -> anyhow::Result<()> {
    let store = open(config).await?;
    match cmd {
        ShopperCommand::Export { id } => println!("{}", serde_json::to_string_pretty(&store.shopper_export(&id).await?)?),
        ShopperCommand::Erase { id } => {
            let r = ops::erase_shopper(&store, &id).await.map_err(fail)?;
            print_removed(&format!("shopper {id}"), &r);
        }
    }
    store.close().await;
    Ok(())
}
