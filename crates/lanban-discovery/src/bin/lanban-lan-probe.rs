//! `lanban-lan-probe`: advertises a Lanban host or lists the hosts it sees, for the tests that run inside network
//! namespaces (and for looking at a real network by hand). Prints what it found as JSON.

use std::time::Duration;

use clap::{Parser, Subcommand};
use lanban_core::fingerprint::Fingerprint;
use lanban_discovery::{Discovery, HostAdvert, Interfaces};

#[derive(Debug, Parser)]
#[command(about = "Advertise a Lanban host over mDNS, or list the hosts on the network.")]
struct Cli {
    #[command(subcommand)]
    task: Task,
    /// Multicast only on this interface (repeatable); default: every IPv4 interface but loopback.
    #[arg(long = "interface", global = true)]
    interfaces: Vec<String>,
    /// How long to advertise or browse.
    #[arg(long, global = true, default_value_t = 5.0)]
    seconds: f64,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Advertise a host whose certificate fingerprint is that of the bytes `--certificate-text` (and so its tag).
    Advertise {
        #[arg(long)]
        name: String,
        #[arg(long)]
        port: u16,
        #[arg(long)]
        certificate_text: String,
        #[arg(long, default_value = "probe-server-id")]
        server_id: String,
        #[arg(long, default_value_t = 1)]
        boards: u32,
    },
    /// List the hosts seen, as a JSON array.
    Browse,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let interfaces = if cli.interfaces.is_empty() {
        Interfaces::Lan
    } else {
        Interfaces::Named(cli.interfaces.clone())
    };
    let mut discovery = Discovery::start(&interfaces)?;
    let wait = Duration::from_secs_f64(cli.seconds.max(0.1));
    match cli.task {
        Task::Advertise {
            name,
            port,
            certificate_text,
            server_id,
            boards,
        } => {
            let fingerprint = Fingerprint::of_der(certificate_text.as_bytes());
            let advert = HostAdvert {
                name,
                server_id,
                fingerprint,
                tag: fingerprint.tag().to_string(),
                boards,
                took: Vec::new(),
                protocol: lanban_core::PROTOCOL_VERSION,
                port,
            };
            discovery.advertise(&advert)?;
            println!("{}", serde_json::to_string(&advert)?);
            std::thread::sleep(wait);
        }
        Task::Browse => {
            let found = discovery.browse_for(wait)?;
            println!("{}", serde_json::to_string(&found)?);
        }
    }
    discovery.shutdown();
    Ok(())
}
