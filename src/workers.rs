//! The CPU slots of a run: a fixed set of threads (one per core by default), started with the
//! run, that hash and parse responses away from the threads driving the fetches. `crawl` and
//! `scrape URL…` both parse on them.
//!
//! tokio's blocking pool, which did this before (under a semaphore of one permit per core),
//! starts a new thread whenever no idle one is ready at that instant — and a thread that
//! has just finished a job is not idle yet. A 1,400-request crawl grew to about 18 threads,
//! each paying for its start and for its allocator heap's teardown at the end: 4% of the CPU
//! time of a crawl that found nothing new. A fixed set of threads pays that once.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

/// The worker threads of one run; dropping it waits for the jobs already given.
pub(crate) struct Workers {
    jobs: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `count` threads (at least one).
    pub(crate) fn start(count: usize) -> std::io::Result<Workers> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..count.max(1))
            .map(|i| {
                let queue = Arc::clone(&queue);
                std::thread::Builder::new()
                    .name(format!("minsheng-cpu-{i}"))
                    .spawn(move || work(&queue))
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Workers {
            jobs: Some(jobs),
            threads,
        })
    }

    /// Runs `job` on a worker thread and returns what it returned; None when it panicked.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tell, told) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The task may have stopped waiting (the run is ending); nothing to tell then.
            let _ = tell.send(job());
        });
        self.jobs.as_ref()?.send(job).ok()?;
        told.await.ok()
    }
}

/// One worker: jobs until the queue closes. A job that panics drops its answer (its task
/// hears None) and the thread goes on with the next.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // A poisoned lock only means another worker panicked while holding it; the queue
        // itself is intact.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match next {
            Ok(job) => {
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
            Err(mpsc::RecvError) => return,
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn every_job_is_answered_with_its_own_result() {
        let workers = Workers::start(2).unwrap();
        let answers = runtime().block_on(futures_util::future::join_all(
            (0..100u64).map(|i| workers.run(move || i * i)),
        ));
        let expected: Vec<Option<u64>> = (0..100u64).map(|i| Some(i * i)).collect();
        assert_eq!(answers, expected);
    }

    #[test]
    fn a_job_that_panics_is_answered_none_and_the_workers_go_on() {
        let workers = Workers::start(1).unwrap();
        let rt = runtime();
        let panicked = rt.block_on(workers.run(|| -> u8 { panic!("a bug in a parser") }));
        assert_eq!(panicked, None);
        assert_eq!(rt.block_on(workers.run(|| 7u8)), Some(7));
    }

    #[test]
    fn the_threads_are_started_once_and_named() {
        let workers = Workers::start(3).unwrap();
        let rt = runtime();
        let mut names: Vec<String> = rt
            .block_on(futures_util::future::join_all((0..30).map(|_| {
                workers.run(|| {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    std::thread::current().name().unwrap_or("").to_string()
                })
            })))
            .into_iter()
            .map(Option::unwrap)
            .collect();
        names.sort();
        names.dedup();
        assert!(names.len() <= 3, "{names:?}");
        assert!(
            names.iter().all(|n| n.starts_with("minsheng-cpu-")),
            "{names:?}"
        );
    }
}
