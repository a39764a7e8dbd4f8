//! The store's one writer: a thread that owns the [`Store`] and commits what the crawl's
//! tasks hand it, in groups.
//!
//! Every page of a round of requests arrives at once (a few hundred hosts answer within the
//! same milliseconds), and one commit per page made the store the largest CPU cost of a
//! crawl: each commit appends every database page it touched to the log again. The writer
//! takes one job and every job already waiting, then gives the round [`GATHER`] to bring
//! the rest (up to [`MAX_GROUP`]), runs them in one transaction and commits once; only then
//! does each task hear its result, so a task never counts a page that a crash could still
//! lose. Taking only what was waiting made most groups a single page — a round's responses
//! arrive over several milliseconds, and the writer was always ahead of them: 563 commits
//! for the 2,400 saves of the crawl benchmark's two runs.
//!
//! Each job is one `Store::save_*` call, itself a savepoint: a save that fails is undone
//! alone and reported to its task; a commit that fails is reported to every task of the
//! group, and none of its pages stays (the next run fetches them again).

use crate::store::{Store, StoreError, StoreErrorKind};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Most saves committed together: enough for every page of a round of a large crawl, small
/// enough that one commit stays short.
pub const MAX_GROUP: usize = 512;

/// How long a group waits for more saves after its first ones: short beside any politeness
/// delay (a task hears of its save this much later), long enough for a round of responses.
pub const GATHER: Duration = Duration::from_millis(5);

/// Told after the group's commit: `None` when it committed, else why not.
type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// One save, run inside the group's transaction.
type Job = Box<dyn FnOnce(&mut Store) -> Reply + Send>;

/// The handle the crawl's tasks write through.
pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<Store>>,
    path: PathBuf,
}

impl Writer {
    /// Moves `store` to a writer thread of its own.
    pub fn start(store: Store) -> Result<Writer, StoreError> {
        let path = store.path().to_path_buf();
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("minsheng-store".into())
            .spawn(move || commit_groups(store, queue))
            .map_err(|e| {
                StoreError::caused_by(&path, "cannot start the store's writer thread", e)
            })?;
        Ok(Writer {
            jobs: Some(jobs),
            thread: Some(thread),
            path,
        })
    }

    /// Runs `save` on the writer thread and returns its result once its group is committed.
    pub async fn write<T: Send + 'static>(
        &self,
        what: impl FnOnce() -> String,
        save: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tell, told) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |store| {
            let result = save(store);
            Box::new(move |group_error| {
                // The task may have stopped waiting (the run is ending); nothing to tell then.
                let _ = tell.send(match group_error {
                    Some(e) => Err(e.clone()),
                    None => Ok(result),
                });
            })
        });
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        let answer = if sent { told.await.ok() } else { None };
        match answer {
            Some(Ok(saved)) => saved,
            // The save went through but its group did not: say which page it was.
            Some(Err(group)) => Err(StoreError::described(
                group.path.clone(),
                what(),
                format!("{}: {}", group.context, group.reason),
                group,
            )),
            None => Err(StoreError::new(
                &self.path,
                what(),
                StoreErrorKind::Other,
                "the store's writer thread stopped",
            )),
        }
    }

    /// Waits for every queued save to be committed and takes the store back.
    pub fn finish(mut self) -> Result<Store, StoreError> {
        drop(self.jobs.take());
        let thread = self.thread.take().ok_or_else(|| self.stopped())?;
        thread.join().map_err(|_| self.stopped())
    }

    fn stopped(&self) -> StoreError {
        StoreError::new(
            &self.path,
            "cannot finish writing the store",
            StoreErrorKind::Other,
            "the store's writer thread stopped",
        )
    }
}

/// The writer thread: one group per turn, until every sender is gone.
fn commit_groups(mut store: Store, queue: mpsc::Receiver<Job>) -> Store {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter().take(MAX_GROUP - 1));
        if group.len() < MAX_GROUP {
            // Sleeping, not waiting on the queue: a waiting receiver is woken by every send.
            std::thread::sleep(GATHER);
            group.extend(queue.try_iter().take(MAX_GROUP - group.len()));
        }
        commit_group(&mut store, group);
    }
    store
}

/// Runs one group's saves in one transaction, commits, then answers each.
fn commit_group(store: &mut Store, group: Vec<Job>) {
    // Were the group's transaction refused, each save is still a transaction of its own
    // (a savepoint outside a transaction commits when released): slower, as safe.
    let mut grouped = store.begin_group().is_ok();
    let mut waiting: Vec<Reply> = Vec::with_capacity(group.len());
    for job in group {
        waiting.push(job(store));
        if grouped && !store.in_group() {
            // SQLite rolled the whole transaction back (a full disk, an I/O error): none of
            // the saves so far stays. Say so to each, and go on in a new transaction.
            let lost = store.group_lost();
            for reply in waiting.drain(..) {
                reply(Some(&lost));
            }
            grouped = store.begin_group().is_ok();
        }
    }
    let committed = if grouped {
        store.commit_group()
    } else {
        Ok(())
    };
    for reply in waiting {
        reply(committed.as_ref().err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer on a new store, and a runtime to wait for it on.
    fn started() -> (tempfile::TempDir, Writer, tokio::runtime::Runtime) {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::start(Store::open(&dir.path().join("minsheng.db")).unwrap()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        (dir, writer, runtime)
    }

    #[test]
    fn saves_from_many_tasks_are_committed_and_answered() {
        let (_dir, writer, runtime) = started();
        let results = runtime.block_on(futures_util::future::join_all((0..50).map(|i| {
            let url = format!("http://county.example/art/{i}.html");
            writer.write(
                || "test save".into(),
                move |store| {
                    store.save_failure(
                        "文成",
                        crate::store::PageKind::Article,
                        &url,
                        Some(500),
                        "HTTP 500",
                        "2026-11-29T00:00:00Z",
                    )?;
                    Ok(i)
                },
            )
        })));
        let answered: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(answered, (0..50).collect::<Vec<_>>());
        let store = writer.finish().unwrap();
        let reader = Store::open_read_only(store.path()).unwrap();
        for i in [0, 49] {
            let state = reader
                .page(&format!("http://county.example/art/{i}.html"))
                .unwrap()
                .unwrap();
            assert_eq!(state.error.as_deref(), Some("HTTP 500"));
        }
    }

    #[test]
    fn a_failed_save_is_reported_to_its_task_and_the_others_commit() {
        let (_dir, writer, runtime) = started();
        let (bad, good) = runtime.block_on(async {
            futures_util::join!(
                writer.write(
                    || "a save that fails".into(),
                    |store| -> Result<(), StoreError> {
                        Err(StoreError::new(
                            store.path(),
                            "cannot save",
                            StoreErrorKind::Full,
                            "disk full",
                        ))
                    }
                ),
                writer.write(
                    || "a save that works".into(),
                    |store| store.save_unchanged("http://a.example/", 304, "now", None, None)
                )
            )
        });
        assert_eq!(bad.unwrap_err().reason, "disk full");
        good.unwrap();
        writer.finish().unwrap();
    }
    #[test]
    fn when_the_disk_fills_mid_group_each_answer_matches_what_the_store_holds() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("minsheng.db");
        let mut store = Store::open(&db).unwrap();
        store.fill_disk_after(12);
        let (answers, answered) = mpsc::channel::<(String, bool)>();
        // Small saves around large ones (a 20 KB error spills over several pages).
        let group: Vec<Job> = (0..12)
            .map(|i| {
                let url = format!("http://county.example/art/{i}.html");
                let reason = if i % 3 == 1 {
                    "x".repeat(20_000)
                } else {
                    "HTTP 500".into()
                };
                let answers = answers.clone();
                let job: Job = Box::new(move |store: &mut Store| {
                    let saved = store.save_failure(
                        "文成",
                        crate::store::PageKind::Article,
                        &url,
                        Some(500),
                        &reason,
                        "t",
                    );
                    Box::new(move |commit_error: Option<&StoreError>| {
                        let _ = answers.send((url, saved.is_ok() && commit_error.is_none()));
                    })
                });
                job
            })
            .collect();
        commit_group(&mut store, group);
        drop(answers);
        let answered: Vec<(String, bool)> = answered.iter().collect();
        assert_eq!(answered.len(), 12);
        let saved = answered.iter().filter(|(_, ok)| *ok).count();
        assert!(
            saved > 0 && saved < 12,
            "the disk filled part-way: {answered:?}"
        );
        let reader = Store::open_read_only(&db).unwrap();
        for (url, ok) in &answered {
            assert_eq!(reader.page(url).unwrap().is_some(), *ok, "{url}");
        }
    }
    #[test]
    fn a_group_that_sqlite_rolls_back_is_reported_lost_and_the_rest_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("minsheng.db");
        let mut store = Store::open(&db).unwrap();
        let (answers, answered) = mpsc::channel::<(usize, Result<(), StoreError>)>();
        let group: Vec<Job> = (0..4)
            .map(|i| {
                let answers = answers.clone();
                let job: Job = Box::new(move |store: &mut Store| {
                    let url = format!("http://county.example/art/{i}.html");
                    let saved = store.save_failure(
                        "文成",
                        crate::store::PageKind::Article,
                        &url,
                        Some(500),
                        "HTTP 500",
                        "t",
                    );
                    if i == 1 {
                        store.lose_group(); // after the second save: the first two are gone
                    }
                    Box::new(move |commit_error: Option<&StoreError>| {
                        let result = match commit_error {
                            Some(e) => Err(e.clone()),
                            None => saved,
                        };
                        let _ = answers.send((i, result));
                    })
                });
                job
            })
            .collect();
        commit_group(&mut store, group);
        drop(answers);
        let answered: Vec<(usize, bool)> = answered.iter().map(|(i, r)| (i, r.is_ok())).collect();
        assert_eq!(answered, [(0, false), (1, false), (2, true), (3, true)]);
        let reader = Store::open_read_only(&db).unwrap();
        let stored: Vec<bool> = (0..4)
            .map(|i| {
                let url = format!("http://county.example/art/{i}.html");
                reader.page(&url).unwrap().is_some()
            })
            .collect();
        assert_eq!(stored, [false, false, true, true]);
    }
    #[test]
    fn a_lost_group_is_reported_with_the_page_that_was_being_saved() {
        let (_dir, writer, runtime) = started();
        let lost = runtime
            .block_on(writer.write(
                || "cannot save http://county.example/art/1.html".into(),
                |store| {
                    store.lose_group();
                    Ok(())
                },
            ))
            .unwrap_err();
        assert_eq!(lost.context, "cannot save http://county.example/art/1.html");
        assert_eq!(
            lost.reason,
            "its transaction was rolled back by SQLite: the disk is full or an I/O error occurred"
        );
    }
}
