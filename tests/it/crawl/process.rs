//! The crawl as a process: killed mid-way and run again, a second run refused while one
//! holds the lock, a bad config refused before any request, JSON logs, the offline
//! `reparse` and `export`, the store's files after a run, and SIGTERM and `max_run_secs`
//! stopping a run cleanly.

use super::*;

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn article_hits(sites: &Sites) -> usize {
    sites
        .hits()
        .iter()
        .filter(|h| h.target.starts_with("/art/"))
        .count()
}

#[test]
fn a_crawl_killed_mid_way_and_run_again_ends_like_a_clean_run() {
    let sites = Sites::start();
    let clean = dirs(&sites, 20);
    assert_eq!(crawl(&clean).0, 0);
    let clean_records = records(&clean);

    let killed = dirs(&sites, 150);
    let before = article_hits(&sites);
    let mut child: Child = crawl_command(&killed, &[])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("4 article requests", Duration::from_secs(60), || {
        article_hits(&sites) >= before + 4
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !killed.out.join("records.jsonl").exists(),
        "the run finished before it was killed"
    );

    let (code, _) = crawl(&killed);
    assert_eq!(code, 0);
    let rerun = records(&killed);
    assert_eq!(rerun.len(), 160);
    assert_eq!(timeless(&rerun), timeless(&clean_records));

    // no record version was written twice
    let out = export(&killed, true);
    assert_eq!(out.status.code(), Some(0));
    let history = jsonl(&killed.out.join("records_history.jsonl"));
    assert_eq!(history.len(), 160);
    let keys: HashSet<(String, u64, u64)> = history
        .iter()
        .map(|v| {
            (
                v["source_url"].as_str().unwrap().to_string(),
                v["table_index"].as_u64().unwrap(),
                v["row_index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 160);
}

#[test]
fn overlapping_runs_the_second_is_refused_with_status_3() {
    let sites = Sites::start();
    let d = dirs(&sites, 300);
    let mut first = crawl_command(&d, &[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = PathBuf::from(format!("{}.lock", d.db.display()));
    wait_for(
        "the first run's first request",
        Duration::from_secs(60),
        || !sites.hits().is_empty(),
    );

    let second = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(second.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "minsheng crawl: another minsheng run (pid {}) holds {}; not starting a second one on the same store",
            first.id(),
            lock.display()
        )
    );

    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(records(&d).len(), 160);
}

#[test]
fn a_bad_config_is_rejected_before_any_request_with_file_line_and_reason() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    let text = config_text(&sites, 20).replace("title_contains =", "title_contain =");
    fs::write(&d.config, text).unwrap();
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "minsheng crawl: {}:14: unknown field `title_contain`",
        d.config.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(sites.hits().is_empty());
    assert!(!d.db.exists());

    let text = config_text(&sites, 20).replace(r"art_1229411360_\d+", r"art_1229411360_(\d+");
    fs::write(&d.config, text).unwrap();
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "minsheng crawl: {}:21: source \"青田县 民生实事\": invalid regex in follow: ",
        d.config.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(sites.hits().is_empty());
}

#[test]
fn json_logs_end_with_one_summary_object() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    let out = crawl_command(&d, &["--log-format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["message"], "crawl finished");
    assert_eq!(last["level"], "INFO");
    assert_eq!(last["list_pages"], 6);
    assert_eq!(last["articles"], 10);
    assert_eq!(last["fetched"], 10);
    assert_eq!(last["unchanged"], 0);
    assert_eq!(last["failed"], 0);
    assert_eq!(last["records_new"], 160);
}

#[test]
fn reparse_extracts_again_offline_from_the_stored_raw_pages() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    let before = fs::read(d.out.join("records.jsonl")).unwrap();
    drop(sites); // offline from here on
    fs::remove_dir_all(&d.out).unwrap();

    let out = minsheng(&[
        "reparse".as_ref(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "minsheng reparse: 10 page(s) extracted again, 0 failed; records new 0, changed 0, removed 0; written to {}",
            d.out.display()
        )
    );
    assert_eq!(fs::read(d.out.join("records.jsonl")).unwrap(), before);
}

#[test]
fn export_of_a_missing_store_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("none.db");
    let out = minsheng(&["export".as_ref(), "--db".as_ref(), db.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "minsheng export: {}: no store here; run `minsheng crawl --db {}` first",
            db.display(),
            db.display()
        )
    );
    assert!(!db.exists());
}

// ---------------------------------------------------------------------------------------
// The store survives its own files; a run stops cleanly (issue 11)

#[test]
fn after_a_clean_crawl_the_database_file_alone_holds_the_store() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    let wal = PathBuf::from(format!("{}-wal", d.db.display()));
    assert_eq!(
        fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        0,
        "log left"
    );
    assert!(fs::metadata(&d.db).unwrap().len() > 64 * 1024);
    // The log deleted, cut or overwritten: nothing is lost.
    for damage in ["deleted", "noise"] {
        match damage {
            "deleted" => drop(fs::remove_file(&wal)),
            _ => fs::write(&wal, vec![0x5a; 8192]).unwrap(),
        }
        let out = export(&d, false);
        assert_eq!(out.status.code(), Some(0), "{damage}: {out:?}");
        assert_eq!(records(&d).len(), 160, "{damage}");
    }
}

/// Sends `signal` to the child process.
fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

#[test]
fn a_crawl_stopped_by_sigterm_saves_what_it_fetched_writes_the_outputs_and_checkpoints() {
    let sites = Sites::start();
    let d = dirs(&sites, 400);
    let before = article_hits(&sites);
    let child = crawl_command(&d, &[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Six requests over three hosts: some host has answered twice, so something was saved.
    wait_for("6 article requests", Duration::from_secs(60), || {
        article_hits(&sites) >= before + 6
    });
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = summary_line(&out);
    assert!(
        line.contains("; stopped early: SIGTERM received, "),
        "{line}"
    );
    let fetched = records(&d);
    assert!(
        !fetched.is_empty() && fetched.len() < 160,
        "{}",
        fetched.len()
    );
    let wal = PathBuf::from(format!("{}-wal", d.db.display()));
    assert_eq!(fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    // The next run checks the rest.
    assert_eq!(crawl(&d).0, 0);
    assert_eq!(records(&d).len(), 160);
}

#[test]
fn max_run_secs_stops_fetching_writes_what_was_had_and_exits_1() {
    let sites = Sites::start();
    let d = dirs(&sites, 700);
    let started = Instant::now();
    let out = crawl_command(&d, &["--max-run-secs", "2"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = summary_line(&out);
    assert!(
        line.contains("; stopped early: the run time limit of 2 s was reached, "),
        "{line}"
    );
    assert!(
        line.ends_with("article(s) found but not checked (the next run checks them)"),
        "{line}"
    );
    assert!(records(&d).len() < 160);
    assert!(d.out.join("pages.json").is_file());

    // The config's max_run_secs does the same.
    let config = fs::read_to_string(&d.config).unwrap();
    fs::write(
        &d.config,
        config.replace("[defaults]", "[defaults]\nmax_run_secs = 1"),
    )
    .unwrap();
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(summary_line(&out).contains("the run time limit of 1 s was reached"));
}

#[test]
fn a_zero_timeout_or_a_day_long_delay_in_the_config_is_refused_before_any_request() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    let config = fs::read_to_string(&d.config).unwrap();
    for (from, to, line, reason) in [
        (
            "timeout_secs = 10",
            "timeout_secs = 0",
            6,
            "timeout_secs = 0 is out of range: it must be from 1 to 3600",
        ),
        (
            "delay_ms = 20",
            "delay_ms = 86400000",
            3,
            "delay_ms = 86400000 is out of range: it must be from 0 to 3600000",
        ),
    ] {
        fs::write(&d.config, config.replace(from, to)).unwrap();
        let out = crawl_command(&d, &[]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim(),
            format!("minsheng crawl: {}:{line}: {reason}", d.config.display())
        );
    }
    assert!(sites.hits().is_empty());
}
