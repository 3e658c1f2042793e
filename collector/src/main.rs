//! `smile-collector`: the collector service and its administration commands.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use smile_collector::clock::{Clock, SystemClock};
use smile_collector::store::Store;
use smile_collector::{app, AppState, Config};
use smile_sensor::report::StationId;
use tokio::signal::unix::{signal, SignalKind};
use tracing_subscriber::EnvFilter;

/// Receives smile-sensor aggregate reports and serves the kiosk, employee and
/// organisation pages.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// TOML configuration file; keys it leaves out keep their defaults.
    #[arg(long, global = true, env = "SMILE_COLLECTOR_CONFIG")]
    config: Option<PathBuf>,

    /// Database URL, sqlite://PATH or postgres://USER@HOST/DATABASE
    /// [default: sqlite://smile-collector.sqlite3].
    #[arg(long, global = true)]
    database: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the HTTP service until SIGINT or SIGTERM.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port.
        #[arg(long)]
        listen: Option<SocketAddr>,

        /// Folder of static files to serve [default: www].
        #[arg(long)]
        www: Option<PathBuf>,

        /// Creates this station if missing, issues it a fresh token and prints the
        /// kiosk URL with both in the URL fragment (for demonstrations).
        #[arg(long, value_name = "STATION_ID")]
        demo_station: Option<String>,
    },
    /// Manages stations and their tokens.
    #[command(subcommand)]
    Station(StationCommand),
    /// Manages the people who may read the organisation page.
    #[command(subcommand)]
    OrgViewer(OrgViewerCommand),
}

#[derive(Debug, Subcommand)]
enum StationCommand {
    /// Creates a station and prints its token once.
    Create {
        station_id: String,
        /// Branch or region the station belongs to; organisation totals are per group.
        #[arg(long)]
        group: String,
        /// Charity cause funded by the station's client smiles [default: from configuration].
        #[arg(long)]
        cause: Option<String>,
        /// Donation per client smile, in grosz [default: from configuration, 1].
        #[arg(long)]
        grosz_per_smile: Option<u32>,
    },
    /// Lists stations with their group, cause and number of active tokens.
    List,
    /// Sets the charity cause and the donation per client smile.
    SetCharity {
        station_id: String,
        #[arg(long)]
        cause: String,
        /// Donation per client smile, in grosz.
        #[arg(long, default_value_t = 1)]
        grosz_per_smile: u32,
    },
    /// Issues an additional token and prints it once.
    IssueToken { station_id: String },
    /// Revokes every token of the station.
    RevokeToken { station_id: String },
}

#[derive(Debug, Subcommand)]
enum OrgViewerCommand {
    /// Creates a viewer (or replaces its password) and prints the password once.
    Create { name: String },
    /// Removes a viewer.
    Revoke { name: String },
    /// Lists viewers.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SMILE_COLLECTOR_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "failed to start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "smile-collector failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(cli: Cli) -> Result<(), BoxError> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(database) = cli.database {
        config.database_url = database;
    }

    match cli.command {
        Command::Serve {
            listen,
            www,
            demo_station,
        } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            if let Some(www) = www {
                config.www_dir = www;
            }
            serve(config, demo_station).await
        }
        Command::Station(command) => run_station_command(config, command).await,
        Command::OrgViewer(command) => run_org_viewer_command(config, command).await,
    }
}

async fn serve(config: Config, demo_station: Option<String>) -> Result<(), BoxError> {
    let store = Store::open(&config.database_url).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    let demo_token = match &demo_station {
        Some(station_id) => {
            check_station_id(station_id)?;
            let now = clock.now_unix_s();
            store
                .ensure_station(
                    station_id,
                    "demo",
                    &config.default_charity_cause,
                    i64::from(config.default_grosz_per_smile),
                    now,
                )
                .await?;
            store.revoke_tokens(station_id, now).await?;
            Some(store.issue_token(station_id, now).await?)
        }
        None => None,
    };

    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, www = %config.www_dir.display(), "collector started");

    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{address}")?;
    if let (Some(station_id), Some(token)) = (&demo_station, &demo_token) {
        writeln!(
            stdout,
            "kiosk: http://{address}/kiosk.html#station={station_id}&token={}",
            token.expose()
        )?;
    }
    stdout.flush()?;

    let (state, writer) = AppState::new(config, store.clone(), clock);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await?;

    // The router and its state are gone, so the writer drains its queue and stops.
    if let Err(error) = writer.await {
        tracing::error!(%error, "the report writer task failed");
    }
    store.close().await;
    tracing::info!("collector stopped");
    Ok(())
}

/// Resolves on the first SIGINT or SIGTERM. The listeners are installed when
/// this is called, so a signal that arrives before the server runs is not lost.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("received SIGINT, shutting down"),
            _ = terminate.recv() => tracing::info!("received SIGTERM, shutting down"),
        }
    })
}

fn check_station_id(station_id: &str) -> Result<(), BoxError> {
    station_id.parse::<StationId>()?;
    Ok(())
}

async fn run_station_command(config: Config, command: StationCommand) -> Result<(), BoxError> {
    let store = Store::open(&config.database_url).await?;
    let now = SystemClock.now_unix_s();
    match command {
        StationCommand::Create {
            station_id,
            group,
            cause,
            grosz_per_smile,
        } => {
            check_station_id(&station_id)?;
            let cause = cause.unwrap_or_else(|| config.default_charity_cause.clone());
            let grosz = i64::from(grosz_per_smile.unwrap_or(config.default_grosz_per_smile));
            let token = store
                .create_station(&station_id, &group, &cause, grosz, now)
                .await?;
            tracing::info!(%station_id, group, "created a station");
            println!("station {station_id} created; its token (shown once):");
            println!("{}", token.expose());
        }
        StationCommand::List => {
            println!("station_id\tgroup\tcause\tgrosz_per_smile\tactive_tokens");
            for station in store.list_stations().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    station.station_id,
                    station.group_name,
                    station.charity_cause,
                    station.grosz_per_smile,
                    station.active_tokens
                );
            }
        }
        StationCommand::SetCharity {
            station_id,
            cause,
            grosz_per_smile,
        } => {
            store
                .set_charity(&station_id, &cause, i64::from(grosz_per_smile))
                .await?;
            tracing::info!(%station_id, cause, grosz_per_smile, "set a station's charity");
            println!(
                "station {station_id}: {grosz_per_smile} grosz per client smile for {cause:?}"
            );
        }
        StationCommand::IssueToken { station_id } => {
            let token = store.issue_token(&station_id, now).await?;
            tracing::info!(%station_id, "issued a station token");
            println!("new token for station {station_id} (shown once):");
            println!("{}", token.expose());
        }
        StationCommand::RevokeToken { station_id } => {
            let revoked = store.revoke_tokens(&station_id, now).await?;
            tracing::info!(%station_id, revoked, "revoked station tokens");
            println!("revoked {revoked} token(s) of station {station_id}");
        }
    }
    store.close().await;
    Ok(())
}

async fn run_org_viewer_command(config: Config, command: OrgViewerCommand) -> Result<(), BoxError> {
    let store = Store::open(&config.database_url).await?;
    let now = SystemClock.now_unix_s();
    match command {
        OrgViewerCommand::Create { name } => {
            let password = store.create_org_viewer(&name, now).await?;
            tracing::info!(name, "created an organisation viewer");
            println!("organisation viewer {name}: sign in at /org with this user name and password (shown once):");
            println!("{}", password.expose());
        }
        OrgViewerCommand::Revoke { name } => {
            store.revoke_org_viewer(&name).await?;
            tracing::info!(name, "removed an organisation viewer");
            println!("removed organisation viewer {name}");
        }
        OrgViewerCommand::List => {
            for viewer in store.list_org_viewers().await? {
                println!("{}\t{}", viewer.name, viewer.created_at);
            }
        }
    }
    store.close().await;
    Ok(())
}
