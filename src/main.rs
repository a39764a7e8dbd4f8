//! Thin: parse arguments, call the library, map the result to an exit code. The process's
//! own business lives here: the signal handlers that stop a crawl cleanly.

use clap::Parser;
use minsheng::cli::{Cli, Command};
use minsheng::crawl::Stop;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scrape(args) => minsheng::scrape::main(args),
        Command::Crawl(args) => minsheng::crawl::main(args, &stop_on_signals()),
        Command::Export(args) => minsheng::crawl::export_main(args),
        Command::Reparse(args) => minsheng::crawl::reparse_main(args),
    }
}

/// The first SIGTERM or SIGINT asks the crawl to stop cleanly (save, write the outputs,
/// checkpoint the store); a second one ends the process at once (status 130), for an
/// operator who will not wait. Without handlers (they could not be installed) the signals
/// keep their default action, which the store survives too.
fn stop_on_signals() -> Stop {
    let stop = Stop::new();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return stop;
        };
        // Registered here, before the crawl starts, so that no early signal is missed.
        let signals = {
            let _entered = runtime.enter();
            signal(SignalKind::terminate()).and_then(|t| Ok((t, signal(SignalKind::interrupt())?)))
        };
        let Ok((mut terminate, mut interrupt)) = signals else {
            return stop;
        };
        let requested = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("minsheng-signals".into())
            .spawn(move || {
                runtime.block_on(async {
                    let mut asked = false;
                    loop {
                        let name = tokio::select! {
                            _ = terminate.recv() => "SIGTERM",
                            _ = interrupt.recv() => "SIGINT",
                        };
                        if asked {
                            eprintln!("minsheng: {name} again: stopping now");
                            std::process::exit(130);
                        }
                        eprintln!("minsheng: {name}: stopping after saving what was fetched (send it again to stop now)");
                        requested.request(name);
                        asked = true;
                    }
                })
            });
        if spawned.is_err() {
            return Stop::new();
        }
    }
    stop
}
