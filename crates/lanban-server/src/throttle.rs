//! Failed-join throttling: room codes have 30 secret bits after the public host tag, and this keeps guessing
//! them hopeless (docs/protocol.md §11). After `per_address` failures from one address within the window, every
//! join from it is refused until the window passes; after `global` failures from anyone, every join is refused
//! likewise. And [`Budget`]s: how many joins one board takes, and how many changes one member makes, in any
//! 60 s, so that a valid code or token cannot be used to fill the host's disk.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::JoinLimits;
use crate::error::{ApiError, ApiResult};

/// Addresses tracked before old entries are swept.
const SWEEP_AT: usize = 10_000;

/// The failure log (a std `Mutex`: never held across an `.await`).
pub struct JoinThrottle {
    limits: JoinLimits,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    per_address: HashMap<IpAddr, VecDeque<Instant>>,
    global: VecDeque<Instant>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

fn retry_after(times: &VecDeque<Instant>, now: Instant, window: Duration) -> u64 {
    times.front().map_or(1, |first| {
        let wait = window.saturating_sub(now.duration_since(*first));
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    })
}

impl JoinThrottle {
    /// A throttle with these limits.
    pub fn new(limits: JoinLimits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    /// Starts a join attempt: refuses with 429 if `ip` (or everyone) has failed too often within the window,
    /// and otherwise counts the attempt as a failure until [`JoinThrottle::succeeded`] says otherwise, so
    /// concurrent guesses cannot slip past the limit together.
    pub fn begin(&self, ip: IpAddr) -> ApiResult<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.check_locked(&mut state, ip)?;
        self.fail_locked(&mut state, ip);
        Ok(())
    }

    /// The attempt started with [`JoinThrottle::begin`] did not guess wrong: it no longer counts.
    pub fn succeeded(&self, ip: IpAddr) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(times) = state.per_address.get_mut(&ip) {
            times.pop_back();
        }
        state.global.pop_back();
    }

    /// Refuses with 429 if `ip` (or everyone) has failed too often within the window.
    pub fn check(&self, ip: IpAddr) -> ApiResult<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.check_locked(&mut state, ip)
    }

    fn check_locked(&self, state: &mut State, ip: IpAddr) -> ApiResult<()> {
        let now = Instant::now();
        let window = self.limits.window;
        prune(&mut state.global, now, window);
        if state.global.len() >= self.limits.global {
            return Err(ApiError::RateLimited {
                retry_after_secs: retry_after(&state.global, now, window),
            });
        }
        if let Some(times) = state.per_address.get_mut(&ip) {
            prune(times, now, window);
            if times.len() >= self.limits.per_address {
                return Err(ApiError::RateLimited {
                    retry_after_secs: retry_after(times, now, window),
                });
            }
        }
        Ok(())
    }

    /// Records a failed join from `ip`.
    pub fn fail(&self, ip: IpAddr) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.fail_locked(&mut state, ip);
    }

    fn fail_locked(&self, state: &mut State, ip: IpAddr) {
        let now = Instant::now();
        let window = self.limits.window;
        if state.per_address.len() >= SWEEP_AT {
            state.per_address.retain(|_, times| {
                prune(times, now, window);
                !times.is_empty()
            });
        }
        state.per_address.entry(ip).or_default().push_back(now);
        state.global.push_back(now);
    }
}

/// At most `per_window` uses per key in any sliding 60 s; more are `429 rate_limited` with `Retry-After` (a std
/// `Mutex`: never held across an `.await`).
pub struct Budget<K> {
    per_window: usize,
    state: Mutex<HashMap<K, VecDeque<Instant>>>,
}

/// The window of every [`Budget`].
const BUDGET_WINDOW: Duration = Duration::from_secs(60);

impl<K: Hash + Eq + Clone> Budget<K> {
    /// A budget of `per_window` uses per key in any 60 s.
    pub fn new(per_window: usize) -> Self {
        Self {
            per_window,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one use for `key`, or refuses it (counting nothing) if the key has used up its window.
    pub fn spend(&self, key: &K) -> Result<(), Spent> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.len() >= SWEEP_AT {
            state.retain(|_, times| {
                prune(times, now, BUDGET_WINDOW);
                !times.is_empty()
            });
        }
        let times = state.entry(key.clone()).or_default();
        prune(times, now, BUDGET_WINDOW);
        if times.len() >= self.per_window {
            return Err(Spent {
                retry_after_secs: retry_after(times, now, BUDGET_WINDOW),
            });
        }
        times.push_back(now);
        Ok(())
    }
}

/// A [`Budget`] refused a use: try again after this many seconds (`429 rate_limited`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    pub retry_after_secs: u64,
}

impl From<Spent> for ApiError {
    fn from(spent: Spent) -> Self {
        ApiError::RateLimited {
            retry_after_secs: spent.retry_after_secs,
        }
    }
}

impl From<Spent> for crate::store::Error {
    fn from(spent: Spent) -> Self {
        crate::store::Error::RateLimited {
            retry_after_secs: spent.retry_after_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_a_key_past_its_window_and_leaves_others_alone() {
        let budget = Budget::new(3);
        for _ in 0..3 {
            assert!(budget.spend(&"flo").is_ok());
        }
        match budget.spend(&"flo") {
            Err(Spent { retry_after_secs }) => assert!((59..=60).contains(&retry_after_secs)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(budget.spend(&"ann").is_ok());
    }

    #[test]
    fn an_address_is_refused_after_its_failures_and_others_are_not() {
        let throttle = JoinThrottle::new(JoinLimits {
            per_address: 3,
            global: 5,
            window: Duration::from_secs(60),
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(throttle.check(a).is_ok());
            throttle.fail(a);
        }
        match throttle.check(a) {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((59..=60).contains(&retry_after_secs))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(throttle.check(b).is_ok());
        throttle.fail(b);
        throttle.fail(b);
        // Five failures in all: now everyone waits.
        assert!(matches!(
            throttle.check("10.0.0.3".parse().unwrap()),
            Err(ApiError::RateLimited { .. })
        ));
    }

    #[test]
    fn the_window_passes() {
        let throttle = JoinThrottle::new(JoinLimits {
            per_address: 1,
            global: 100,
            window: Duration::from_millis(50),
        });
        let a: IpAddr = "::1".parse().unwrap();
        throttle.fail(a);
        assert!(throttle.check(a).is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.check(a).is_ok());
    }

    #[test]
    fn attempts_count_until_they_succeed() {
        let throttle = JoinThrottle::new(JoinLimits {
            per_address: 2,
            global: 100,
            window: Duration::from_secs(60),
        });
        let a: IpAddr = "10.0.0.9".parse().unwrap();
        // Two attempts in flight at once use up the allowance…
        assert!(throttle.begin(a).is_ok());
        assert!(throttle.begin(a).is_ok());
        assert!(throttle.begin(a).is_err());
        // …until one of them turns out right.
        throttle.succeeded(a);
        assert!(throttle.begin(a).is_ok());
    }
}
