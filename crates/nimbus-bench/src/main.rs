//! `nimbus-bench`: drives nimbus (or a peer, with `--endpoint`) over HTTP with the real wire
//! protocols and prints throughput and latency percentiles, one line per scenario.
//!
//! ```text
//! cargo build --release --bin nimbus --bin nimbus-bench
//! target/release/nimbus-bench sqs                      # starts target/release/nimbus itself
//! target/release/nimbus-bench sqs --endpoint http://127.0.0.1:5079 --scenarios send,send-batch
//! ```

mod client;
mod lambda;
mod package;
mod pipeline;
mod policy;
mod s3;
mod server;
mod sqs;
mod stats;

use clap::{Parser, Subcommand};

/// Benchmarks nimbus over HTTP.
#[derive(Parser, Debug)]
#[command(name = "nimbus-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// SQS scenarios (awsJson1_0).
    Sqs(sqs::Args),
    /// S3 scenarios (restXml).
    S3(s3::Args),
    /// Lambda scenarios: warm invoke and cold start per runtime (restJson1).
    Lambda(lambda::Args),
    /// The class pipeline end to end: S3 → Lambda (async) → SQS → Lambda (event source mapping).
    Pipeline(pipeline::Args),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sqs(args) => sqs::run(args).await,
        Command::S3(args) => s3::run(args).await,
        Command::Lambda(args) => lambda::run(args).await,
        Command::Pipeline(args) => pipeline::run(args).await,
    };
    if let Err(e) = result {
        eprintln!("nimbus-bench: error: {e}");
        std::process::exit(1);
    }
}
