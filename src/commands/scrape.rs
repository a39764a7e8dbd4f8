//! `minsheng scrape`: options from the arguments, the run, one line per input that failed, a
//! progress bar while stderr is a terminal, the summary line and the exit status (0 all
//! inputs succeeded, 1 some failed or the outputs could not be written, 2 usage error).

use super::init_logging;
use crate::cli::{LogFormat, ScrapeArgs};
use indicatif::{ProgressBar, ProgressStyle};
use minsheng::config::ScrapeOptions;
use minsheng::fetch::Fetcher;
use minsheng::pipeline;
use minsheng::sanitize::Escaped;
use minsheng::scrape::{run_with, Progress};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// The run's options: the defaults, with what the arguments say.
fn options(args: &ScrapeArgs) -> ScrapeOptions {
    let mut opts = ScrapeOptions {
        attachments: !args.no_attachments,
        out_dir: args.out.clone(),
        bom: args.outputs.bom,
        raw_csv: args.raw_csv,
        derived: args.outputs.derived(),
        max_run: args.max_run_secs.map(Duration::from_secs),
        ..ScrapeOptions::default()
    };
    if let Some(jobs) = args.jobs {
        opts.parse_threads = usize::try_from(jobs).unwrap_or(usize::MAX);
    }
    args.http.overrides().apply(&mut opts.fetch);
    opts
}

/// A bar of pages written, drawn only when stderr is a terminal (a scheduler's log gets the
/// failure lines and the summary alone).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos}/{len} pages {wide_bar} {eta}")
    {
        bar.set_style(style);
    }
    bar
}

pub fn main(args: ScrapeArgs) -> ExitCode {
    init_logging(LogFormat::Text, "warn");
    let opts = options(&args);
    // A client that cannot be built (a User-Agent with a control character, say) is a usage
    // error, not a failure of each URL.
    if args.inputs.iter().any(|input| input.contains("://")) {
        if let Err(e) = Fetcher::new(&opts.fetch) {
            say!("minsheng: {}", Escaped(&e.to_string()));
            return ExitCode::from(2);
        }
    }
    let bar = progress_bar();
    let on_page = |p: Progress<'_>| {
        if let Some((name, reason)) = p.failed {
            // Both may come from a page or a file name: escaped, one line each.
            let warning = if pipeline::is_warning(reason) {
                "warning: "
            } else {
                ""
            };
            bar.suspend(|| say!("minsheng: {}: {warning}{}", Escaped(name), Escaped(reason)));
        }
        tracing::debug!(done = p.done, total = p.total, "page written");
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    };
    let result = run_with(&args.inputs, &opts, &on_page);
    bar.finish_and_clear();
    match result {
        Ok(summary) => {
            say!(
                "minsheng: {} page(s), {} failed, {} record(s) written to {}",
                summary.pages,
                summary.failed,
                summary.records,
                Escaped(&opts.out_dir.display().to_string())
            );
            if summary.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            say!(
                "minsheng: {} (previous outputs left unchanged)",
                Escaped(&e.to_string())
            );
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn scrape_args(extra: &[&str]) -> ScrapeArgs {
        let argv = ["minsheng", "scrape", "a.html"].iter().chain(extra);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Scrape(args) => args,
            other => panic!("not scrape: {other:?}"),
        }
    }

    #[test]
    fn max_attempts_and_max_body_bytes_from_the_command_line_reach_the_fetcher() {
        let opts = options(&scrape_args(&[
            "--max-attempts",
            "2",
            "--max-body-bytes",
            "1000",
        ]));
        assert_eq!(opts.fetch.max_attempts, 2);
        assert_eq!(opts.fetch.max_body_bytes, 1000);
        assert_eq!(opts.fetch.delay, ScrapeOptions::default().fetch.delay);
    }

    #[test]
    fn max_attempts_past_twenty_is_a_usage_error() {
        let argv = ["minsheng", "scrape", "a.html", "--max-attempts", "21"];
        let err = crate::cli::Cli::try_parse_from(argv).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("21 is not in 1..=20"), "{err}");
    }

    #[test]
    fn output_flags_ask_for_the_derived_outputs() {
        let opts = options(&scrape_args(&["--xlsx", "--report", "--bom"]));
        assert!(opts.bom);
        assert_eq!(
            opts.derived,
            minsheng::emit::Derived {
                xlsx: true,
                timeline: false,
                report: true
            }
        );
    }
}
