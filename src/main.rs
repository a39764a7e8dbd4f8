//! The process: parse arguments (`cli`), run a command (`commands`), map its result to an
//! exit code. Everything that belongs to a process and not to a library lives in the binary:
//! the lines on stderr, exit codes, the logging set-up, the signal handlers that stop a crawl
//! cleanly, and the global allocator.

/// One line on stderr, formatted like `eprintln!`. Every line the program writes goes
/// through here: the commands say what to write, this file writes it, and the library
/// writes nothing.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::write_line(format_args!($($arg)*))
    };
}

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, Command};
use minsheng::crawl::Stop;
use std::process::ExitCode;

/// mimalloc for the `minsheng` program (a library does not choose its users' allocator; the
/// benchmarks declare it too, so that what is measured is what ships). Extraction, the HTTP
/// client and the store make many small, short-lived allocations on several threads; glibc's
/// malloc spent a fifth of an unchanged crawl's CPU time on them, and the per-page pipeline
/// measures 1.25x the bare parse with mimalloc against 1.35x with glibc (both sides of the
/// ratio under the same allocator; docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where [`say!`] writes: stderr, a line at a time.
fn write_line(line: std::fmt::Arguments<'_>) {
    eprintln!("{line}");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A crawl holds a connection per host it is fetching and the store's files besides;
    // systemd starts a service with a soft limit of 1,024. Raised to the hard limit, which
    // the operator sets (`LimitNOFILE=`); where it cannot be raised, the run goes on as is.
    #[cfg(unix)]
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    match cli.command {
        Command::Scrape(args) => commands::scrape::main(args),
        Command::Crawl(args) => commands::crawl::main(args, &stop_on_signals()),
        Command::Export(args) => commands::export::main(args),
        Command::Reparse(args) => commands::reparse::main(args),
        Command::Report(args) => commands::report::main(args),
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
