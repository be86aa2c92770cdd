//! The `nimbus` command: parse configuration, start the sandbox, wait for a signal.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use nimbus::config::{Config, FileConfig, Overrides};
use nimbus::{Sandbox, logging};

/// mimalloc rather than glibc's allocator: under load glibc's malloc/free took about 15% of the
/// server's CPU (many small, short-lived allocations per request across threads).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// S3, Lambda and SQS on one port, offline.
#[derive(Parser, Debug)]
#[command(name = "nimbus", version, about, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start every service on one port.
    Up(UpArgs),
}

#[derive(Args, Debug)]
struct UpArgs {
    /// Address to listen on.
    #[arg(long, env = "NIMBUS_HOST", value_name = "ADDR")]
    host: Option<String>,
    /// Port to listen on (4566 by default, LocalStack's edge port; 0 picks a free one).
    #[arg(long, env = "NIMBUS_PORT")]
    port: Option<u16>,
    /// Where state is kept (./.nimbus by default).
    #[arg(long, env = "NIMBUS_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Keep everything in memory: nothing is written to disk.
    #[arg(long, env = "NIMBUS_IN_MEMORY", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    in_memory: Option<bool>,
    /// process (survives kill -9; default) or fsync (survives power loss).
    #[arg(long, env = "NIMBUS_DURABILITY", value_name = "MODE")]
    durability: Option<String>,
    /// Default region (us-east-1).
    #[arg(long, env = "NIMBUS_REGION")]
    region: Option<String>,
    /// Default account id (000000000000).
    #[arg(long, env = "NIMBUS_ACCOUNT")]
    account: Option<String>,
    /// off (any credentials; default) or strict (verify signatures against --credential).
    #[arg(long, env = "NIMBUS_AUTH", value_name = "MODE")]
    auth: Option<String>,
    /// A credential: ACCESS_KEY:SECRET[:ACCOUNT[:ARN]] (ARN: the IAM user or role it acts as; none: the account's root user); repeatable, or comma-separated in NIMBUS_CREDENTIALS.
    #[arg(
        long = "credential",
        env = "NIMBUS_CREDENTIALS",
        value_delimiter = ',',
        value_name = "KEY:SECRET[:ACCOUNT[:ARN]]"
    )]
    credentials: Vec<String>,
    /// Evaluate IAM identity policies of users and role sessions (off by default: account boundaries and resource policies hold either way).
    #[arg(long, env = "NIMBUS_ENFORCE_IAM", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    enforce_iam: Option<bool>,
    /// text (default) or json (one object per line).
    #[arg(long, env = "NIMBUS_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<String>,
    /// A tracing filter: error, warn, info (default), debug (one line per request), trace.
    #[arg(long, env = "NIMBUS_LOG_LEVEL", value_name = "LEVEL")]
    log_level: Option<String>,
    /// Configuration file (./nimbus.toml is read when present).
    #[arg(long, env = "NIMBUS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return clap_exit(e),
    };
    let Command::Up(args) = cli.command;
    let file = match &args.config {
        Some(p) => FileConfig::load(p, true),
        None => FileConfig::load(&PathBuf::from("nimbus.toml"), false),
    };
    let config = file.and_then(|f| {
        Config::resolve(
            Overrides {
                host: args.host,
                port: args.port,
                data_dir: args.data_dir,
                in_memory: args.in_memory,
                durability: args.durability,
                region: args.region,
                account: args.account,
                auth: args.auth,
                log_format: args.log_format,
                log_level: args.log_level,
                credentials: args.credentials,
                enforce_iam: args.enforce_iam,
            },
            f,
        )
    });
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nimbus: error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = logging::init(config.log_format, &config.log_level) {
        eprintln!("nimbus: error: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("nimbus: error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(config, started))
}

/// Help and version go to stdout with status 0 (also `nimbus` alone); a bad flag is one line
/// on stderr with status 2.
fn clap_exit(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{}", e.render());
            ExitCode::SUCCESS
        }
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("nimbus: error: {first} (see nimbus up --help)");
            ExitCode::from(2)
        }
    }
}

async fn run(config: Config, started: Instant) -> ExitCode {
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nimbus: error: {e}");
            return ExitCode::from(1);
        }
    };
    // Listen for signals before announcing readiness: a signal sent right after the ready
    // line must stop nimbus cleanly, not kill it with the default disposition.
    let signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nimbus: error: cannot install signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    let ep = sandbox.endpoint().to_owned();
    let where_ = match sandbox.data_dir() {
        None => "in memory".to_owned(),
        Some(dir) => format!("data in {}", dir.display()),
    };
    println!(
        "nimbus {} ready on {ep} ({where_}, started in {} ms) - try: aws --endpoint-url {ep} sqs list-queues",
        env!("CARGO_PKG_VERSION"),
        started.elapsed().as_millis()
    );
    signals.wait().await;
    tracing::info!("shutting down: finishing in-flight requests");
    sandbox.shutdown_with_grace(Duration::from_secs(10)).await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// SIGTERM and SIGINT, listened for from installation on.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}
