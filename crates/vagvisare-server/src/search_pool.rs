//! Searches run apart from the request threads, on a bounded pool with two lanes.
//!
//! A suggestion search is CPU work (tens of milliseconds for a long misspelled text). Run on the
//! async request threads, a few such texts a second would make every other request wait behind
//! them, `/health` and case writes included. So each search runs on tokio's blocking threads,
//! behind a semaphore, in one of two lanes:
//!
//! - the **light** lane, for what people type while they type (at most
//!   [`ServeLimits::heavy_search_words`](crate::limits::ServeLimits) words): as many at a time as
//!   there are cores;
//! - the **heavy** lane, for long texts: fewer at a time (one by default), so long texts compete
//!   only with each other and ordinary keystrokes keep a core.
//!
//! Each lane lets a bounded number of searches wait; beyond that a search is refused at once with
//! `overloaded` (503, `Retry-After: 1`) instead of queueing without bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorCode};

/// One lane: how many searches run at a time, and how many more may wait.
#[derive(Debug)]
struct Lane {
    name: &'static str,
    running: Semaphore,
    /// Searches admitted: running or waiting.
    admitted: AtomicUsize,
    /// Most searches admitted at once.
    capacity: usize,
}

impl Lane {
    fn new(name: &'static str, parallel: usize, queue: usize) -> Self {
        let parallel = parallel.max(1);
        Lane {
            name,
            running: Semaphore::new(parallel),
            admitted: AtomicUsize::new(0),
            capacity: parallel + queue,
        }
    }
}

/// Gives the lane's place back when the search ends or its request is dropped.
struct Admitted<'a>(&'a Lane);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The bounded pool searches run on. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct SearchPool {
    light: Lane,
    heavy: Lane,
    heavy_words: usize,
}

impl SearchPool {
    /// A pool whose light lane runs `light` searches at a time and whose heavy lane runs `heavy`,
    /// each letting `queue` (light) or `heavy_queue` more wait; texts of more than `heavy_words`
    /// words take the heavy lane.
    pub fn new(
        light: usize,
        queue: usize,
        heavy: usize,
        heavy_queue: usize,
        heavy_words: usize,
    ) -> Arc<Self> {
        Arc::new(SearchPool {
            light: Lane::new("light", light, queue),
            heavy: Lane::new("heavy", heavy, heavy_queue),
            heavy_words,
        })
    }

    /// Whether `text` takes the heavy lane.
    pub fn is_heavy(&self, text: &str) -> bool {
        text.split_whitespace().nth(self.heavy_words).is_some()
    }

    /// Runs `search` for `text` on its lane, or refuses it with `overloaded` if the lane is full.
    pub async fn run<R, F>(&self, text: &str, search: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        let lane = if self.is_heavy(text) {
            &self.heavy
        } else {
            &self.light
        };
        if lane.admitted.fetch_add(1, Ordering::AcqRel) >= lane.capacity {
            lane.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::new(
                ErrorCode::Overloaded,
                format!(
                    "too many searches at once (the {} lane is full); try again in a moment",
                    lane.name
                ),
            ));
        }
        let _admitted = Admitted(lane);
        let _permit = lane
            .running
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the search pool is closed"))?;
        tokio::task::spawn_blocking(search)
            .await
            .map_err(|e| ApiError::internal(format!("a search failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn long_texts_take_the_heavy_lane() {
        let pool = SearchPool::new(2, 4, 1, 1, 3);
        assert!(!pool.is_heavy("glömt lösenordet"));
        assert!(!pool.is_heavy("ett två tre"));
        assert!(pool.is_heavy("ett två tre fyra"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_lane_refuses_at_once_and_the_other_lane_still_answers() {
        let pool = SearchPool::new(1, 0, 1, 1, 2);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(std::sync::Mutex::new(wait));
        // Two heavy searches fill the heavy lane (one running, one waiting).
        let mut held = Vec::new();
        for _ in 0..2 {
            let pool = Arc::clone(&pool);
            let wait = Arc::clone(&wait);
            held.push(tokio::spawn(async move {
                pool.run("a b c d", move || {
                    let _ = wait.lock().unwrap().recv();
                })
                .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        let refused = pool.run("a b c d", || ()).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Overloaded);
        assert!(started.elapsed() < Duration::from_millis(50));
        // A short text is answered while the heavy lane is full.
        assert_eq!(pool.run("a", || 7).await.unwrap(), 7);
        release.send(()).unwrap();
        release.send(()).unwrap();
        for task in held {
            task.await.unwrap().unwrap();
        }
        // Places are given back.
        assert_eq!(pool.run("a b c d", || 8).await.unwrap(), 8);
    }
}
