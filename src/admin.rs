//! The operator's commands: `viva keys …` (integrators' API keys, each of an organization) and
//! `viva orgs …` (organizations and their interview credits), run against the data directory's
//! database while the server runs or not.

use clap::Subcommand;

use crate::clock::unix_ms;
use crate::interview::rfc3339;
use crate::store::{DEFAULT_ORG_ID, Store};

/// `viva keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; it is printed once and never shown again.
    Create {
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
        /// The organization it acts for, created on first use (default: the default one).
        #[arg(long)]
        org: Option<String>,
        /// With a new organization: its pool of interview credits (default: unlimited).
        #[arg(long)]
        credits: Option<u64>,
        /// Let the key act as an administrator (e.g. filter interviews by user).
        #[arg(long)]
        admin: bool,
    },
    /// List keys (id, organization, prefix, name, admin, created, revoked).
    List,
    /// Revoke a key by id or prefix.
    Revoke {
        /// The key's id (`key_…`) or prefix (`sk_…`, as listed).
        key: String,
    },
}

/// `viva orgs …`.
#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// List organizations and their credits.
    List,
    /// Set an organization's interview credits (`unlimited` removes the pool).
    Credits {
        /// The organization's name.
        name: String,
        /// How many interviews it may still create, or `unlimited`.
        credits: String,
    },
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// Runs a `viva keys` command.
pub async fn keys(store: &dyn Store, command: KeysCommand) -> Result<(), String> {
    let now = unix_ms();
    match command {
        KeysCommand::Create {
            name,
            org,
            credits,
            admin,
        } => {
            let org_id = match &org {
                None if credits.is_some() => {
                    return Err("--credits needs --org (the default organization has no pool; use `viva orgs credits default N`)".into());
                }
                None => DEFAULT_ORG_ID.to_owned(),
                Some(org) => store.ensure_org(org, credits, now).await.map_err(text)?.id,
            };
            let (info, secret) = store
                .create_api_key(&org_id, &name, admin, now)
                .await
                .map_err(text)?;
            println!("{secret}");
            eprintln!(
                "created {} ({}) for organization {}{}; store it now, it is not shown again",
                info.id,
                info.name,
                org.as_deref().unwrap_or("default"),
                if admin { ", admin" } else { "" }
            );
        }
        KeysCommand::List => {
            println!(
                "{:<26} {:<26} {:<12} {:<6} {:<22} {:<22} NAME",
                "ID", "ORG", "PREFIX", "ADMIN", "CREATED", "REVOKED"
            );
            for key in store.api_keys().await.map_err(text)? {
                let revoked = key.revoked_at_ms.map(rfc3339);
                println!(
                    "{:<26} {:<26} {:<12} {:<6} {:<22} {:<22} {}",
                    key.id,
                    key.org_id,
                    key.prefix,
                    key.admin,
                    rfc3339(key.created_at_ms),
                    revoked.as_deref().unwrap_or("-"),
                    key.name
                );
            }
        }
        KeysCommand::Revoke { key } => {
            if !store.revoke_api_key(&key, now).await.map_err(text)? {
                return Err(format!("no live key with id or prefix {key:?}"));
            }
            println!("revoked {key}");
        }
    }
    Ok(())
}

/// Runs a `viva orgs` command.
pub async fn orgs(store: &dyn Store, command: OrgsCommand) -> Result<(), String> {
    match command {
        OrgsCommand::List => {
            println!("{:<26} {:<12} NAME", "ID", "CREDITS");
            for org in store.orgs().await.map_err(text)? {
                let credits = org.credits.map_or("unlimited".into(), |c| c.to_string());
                println!("{:<26} {:<12} {}", org.id, credits, org.name);
            }
        }
        OrgsCommand::Credits { name, credits } => {
            let credits =
                match credits.as_str() {
                    "unlimited" => None,
                    n => Some(n.parse::<u64>().map_err(|_| {
                        format!("credits must be a number or `unlimited`, not {n:?}")
                    })?),
                };
            store.set_credits(&name, credits).await.map_err(text)?;
            println!(
                "{name}: {}",
                credits.map_or("unlimited".into(), |c| c.to_string())
            );
        }
    }
    Ok(())
}
