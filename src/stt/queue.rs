//! The server's transcription queue: at most `concurrency` transcriptions run at once and at
//! most `capacity` wait for a slot; one more is refused at once ([`Overloaded`]) rather than
//! queued without bound or dropped without a word.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::Semaphore;

use super::metrics::metrics;

/// The queue was full: the job did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("transcription queue full ({waiting} waiting, {running} running)")]
pub struct Overloaded {
    /// Jobs waiting when it was refused.
    pub waiting: usize,
    /// Jobs running when it was refused.
    pub running: usize,
}

/// Bounded concurrency and a bounded queue in front of it.
#[derive(Debug)]
pub struct Queue {
    slots: Semaphore,
    concurrency: usize,
    capacity: usize,
    waiting: AtomicUsize,
}

impl Queue {
    /// `concurrency` jobs at once (at least one), `capacity` more waiting.
    pub fn new(concurrency: usize, capacity: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            slots: Semaphore::new(concurrency),
            concurrency,
            capacity,
            waiting: AtomicUsize::new(0),
        }
    }

    /// Jobs waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Jobs running now.
    pub fn running(&self) -> usize {
        self.concurrency - self.slots.available_permits()
    }

    /// Runs `job` when a slot is free, unless `capacity` jobs already wait.
    pub async fn run<F, T>(&self, job: impl FnOnce() -> F) -> Result<T, Overloaded>
    where
        F: Future<Output = T>,
    {
        let m = metrics();
        let queued_at = Instant::now();
        // A job that finds a free slot does not wait, whatever the capacity.
        let permit = match self.slots.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                let admitted =
                    self.waiting
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                            (w < self.capacity).then_some(w + 1)
                        });
                if let Err(waiting) = admitted {
                    m.overloaded.fetch_add(1, Ordering::Relaxed);
                    return Err(Overloaded {
                        waiting,
                        running: self.running(),
                    });
                }
                m.queue_depth.fetch_add(1, Ordering::Relaxed);
                // Both counts go down with a slot, or when the caller gives up waiting.
                let _leave = (Leave(&self.waiting), Leave(&m.queue_depth));
                let permit = self.slots.acquire().await;
                permit.expect("the semaphore is never closed")
            }
        };
        m.wait.observe(queued_at.elapsed());
        m.in_flight.fetch_add(1, Ordering::Relaxed);
        let _done = Leave(&m.in_flight);
        let started = Instant::now();
        let out = job().await;
        m.transcription.observe(started.elapsed());
        drop(permit);
        Ok(out)
    }
}

/// Decrements a count when dropped.
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::oneshot;

    use super::*;

    /// A job that runs until told to finish.
    fn held(queue: &Arc<Queue>) -> (oneshot::Sender<()>, tokio::task::JoinHandle<bool>) {
        let (release, held) = oneshot::channel::<()>();
        let queue = queue.clone();
        let task = tokio::spawn(async move {
            queue
                .run(|| async move {
                    let _ = held.await;
                })
                .await
                .is_ok()
        });
        (release, task)
    }

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_admits_again_when_it_drains() {
        let queue = Arc::new(Queue::new(1, 2));
        let (release_running, running) = held(&queue);
        settle().await;
        assert_eq!((queue.running(), queue.waiting()), (1, 0));
        let (release_a, a) = held(&queue);
        let (release_b, b) = held(&queue);
        settle().await;
        assert_eq!((queue.running(), queue.waiting()), (1, 2));

        // One more than running + capacity: refused without waiting.
        let refused = tokio::time::timeout(Duration::from_secs(1), queue.run(|| async {}))
            .await
            .expect("an overloaded queue answers at once");
        assert_eq!(
            refused,
            Err(Overloaded {
                waiting: 2,
                running: 1
            })
        );

        for release in [release_running, release_a, release_b] {
            release.send(()).unwrap();
        }
        for task in [running, a, b] {
            assert!(task.await.unwrap(), "every admitted job ran");
        }
        assert_eq!((queue.running(), queue.waiting()), (0, 0));
        assert_eq!(queue.run(|| async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn concurrency_bounds_how_many_run_at_once() {
        let queue = Arc::new(Queue::new(2, 8));
        let peak = Arc::new(AtomicUsize::new(0));
        let now = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (queue, peak, now) = (queue.clone(), peak.clone(), now.clone());
                tokio::spawn(async move {
                    queue
                        .run(|| async move {
                            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(n, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            now.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_leaves_the_queue() {
        let queue = Arc::new(Queue::new(1, 1));
        let (release, running) = held(&queue);
        settle().await;
        let gave_up = tokio::time::timeout(Duration::from_millis(20), queue.run(|| async {})).await;
        assert!(gave_up.is_err(), "it was still waiting");
        assert_eq!(queue.waiting(), 0, "its place is free again");
        let (release_next, next) = held(&queue);
        settle().await;
        assert_eq!(queue.waiting(), 1);
        release.send(()).unwrap();
        release_next.send(()).unwrap();
        assert!(running.await.unwrap() && next.await.unwrap());
    }
}
