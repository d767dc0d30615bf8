//! When to fetch an issuer's JWKS: a sans-I/O state machine.
//!
//! The caller owns the clock (any monotonic seconds) and the HTTP client. It asks
//! [`JwksPolicy::poll`] on each use (a scheduled or first fetch) and
//! [`JwksPolicy::on_unknown_kid`] when a token names a key it does not hold; a
//! [`Decision::Fetch`] hands it a [`Ticket`], and it reports back with
//! [`JwksPolicy::succeeded`] or [`JwksPolicy::failed`].
//!
//! The rules:
//! - keys are refreshed on a schedule, every `refresh_min`..`refresh_max` seconds
//!   (Microsoft suggests 12 to 24 hours) with jitter, so a fleet does not fetch in step;
//! - an unknown `kid` triggers at most one fetch per `unknown_kid_cooldown`,
//!   however many such tokens arrive;
//! - one fetch is in flight at a time; a fetch not reported within
//!   `fetch_timeout` is considered lost and another may start;
//! - a failed fetch (network error, error status, garbage) keeps the last good
//!   keys and is retried after `retry` seconds, doubling up to `refresh_min`;
//! - a steady stream of tokens whose keys are known causes no fetch at all.

/// Settings of the policy. Every field documents its default.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyConfig {
    /// Shortest scheduled refresh interval. Default 43 200 s (12 h).
    pub refresh_min_seconds: f64,
    /// Longest scheduled refresh interval. Default 86 400 s (24 h).
    pub refresh_max_seconds: f64,
    /// Least time between two fetches caused by unknown `kid`s. Default 300 s.
    pub unknown_kid_cooldown_seconds: f64,
    /// First retry delay after a failed fetch (doubles per failure). Default 30 s.
    pub retry_seconds: f64,
    /// A fetch not reported back within this time is considered lost. Default 30 s.
    pub fetch_timeout_seconds: f64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            refresh_min_seconds: 43_200.0,
            refresh_max_seconds: 86_400.0,
            unknown_kid_cooldown_seconds: 300.0,
            retry_seconds: 30.0,
            fetch_timeout_seconds: 30.0,
        }
    }
}

impl PolicyConfig {
    /// Check the settings (names the faulty one).
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
        if !finite_non_negative(self.refresh_min_seconds) || self.refresh_min_seconds < 60.0 {
            return Err(("jwks_refresh_min_seconds", "must be at least 60"));
        }
        if !finite_non_negative(self.refresh_max_seconds)
            || self.refresh_max_seconds < self.refresh_min_seconds
        {
            return Err((
                "jwks_refresh_max_seconds",
                "must be at least jwks_refresh_min_seconds",
            ));
        }
        if !finite_non_negative(self.unknown_kid_cooldown_seconds) {
            return Err((
                "jwks_refetch_cooldown_seconds",
                "must be a non-negative number",
            ));
        }
        if !finite_non_negative(self.retry_seconds) {
            return Err(("jwks_retry_seconds", "must be a non-negative number"));
        }
        if !finite_non_negative(self.fetch_timeout_seconds) || self.fetch_timeout_seconds == 0.0 {
            return Err(("jwks_fetch_timeout_seconds", "must be a positive number"));
        }
        Ok(())
    }
}

/// The right to run one fetch; report its outcome with the same ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(pub u64);

/// What the caller should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Fetch the JWKS now and report back with this ticket.
    Fetch(Ticket),
    /// A fetch is in flight: wait for it (or carry on with the current keys).
    Wait,
    /// Nothing to fetch: use the keys held.
    Skip,
}

/// The fetch policy of one JWKS.
#[derive(Debug, Clone)]
pub struct JwksPolicy {
    config: PolicyConfig,
    /// When the next scheduled (or retried) fetch is due; `-inf`: now.
    due_at: f64,
    in_flight: Option<(Ticket, f64)>,
    last_unknown_kid_fetch: Option<f64>,
    issued: u64,
    failures: u32,
    has_keys: bool,
    fetches: u64,
}

impl JwksPolicy {
    /// A policy with no keys yet: the first [`poll`](Self::poll) asks for a fetch.
    pub fn new(config: PolicyConfig) -> Self {
        JwksPolicy {
            config,
            due_at: f64::NEG_INFINITY,
            in_flight: None,
            last_unknown_kid_fetch: None,
            issued: 0,
            failures: 0,
            has_keys: false,
            fetches: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// Whether a fetch has ever succeeded.
    pub fn has_keys(&self) -> bool {
        self.has_keys
    }

    /// How many fetches were asked for so far.
    pub fn fetches(&self) -> u64 {
        self.fetches
    }

    /// When the next scheduled fetch is due.
    pub fn due_at(&self) -> f64 {
        self.due_at
    }

    /// Whether a fetch is in flight at `now`.
    pub fn in_flight(&self, now: f64) -> bool {
        self.in_flight
            .is_some_and(|(_, started)| now < started + self.config.fetch_timeout_seconds)
    }

    /// On every use: fetch when no keys were ever fetched or the schedule is due.
    pub fn poll(&mut self, now: f64) -> Decision {
        if self.in_flight(now) {
            return Decision::Wait;
        }
        if now >= self.due_at {
            return Decision::Fetch(self.start(now));
        }
        Decision::Skip
    }

    /// A token named a key that is not held: fetch at most once per cooldown.
    pub fn on_unknown_kid(&mut self, now: f64) -> Decision {
        if self.in_flight(now) {
            return Decision::Wait;
        }
        if let Some(last) = self.last_unknown_kid_fetch {
            if now < last + self.config.unknown_kid_cooldown_seconds {
                return Decision::Skip;
            }
        }
        self.last_unknown_kid_fetch = Some(now);
        Decision::Fetch(self.start(now))
    }

    /// The fetch of `ticket` brought good keys. `jitter` in `[0, 1]` places the
    /// next refresh between `refresh_min` and `refresh_max`. Returns `false` (and
    /// changes nothing) for a ticket that is no longer the one in flight.
    pub fn succeeded(&mut self, ticket: Ticket, now: f64, jitter: f64) -> bool {
        if !self.is_current(ticket) {
            return false;
        }
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let span = self.config.refresh_max_seconds - self.config.refresh_min_seconds;
        self.in_flight = None;
        self.failures = 0;
        self.has_keys = true;
        self.due_at = now + self.config.refresh_min_seconds + jitter * span;
        true
    }

    /// The fetch of `ticket` failed (network, status, or a body that is not a
    /// usable JWKS): keep the keys held, retry later with a doubling delay.
    pub fn failed(&mut self, ticket: Ticket, now: f64) -> bool {
        if !self.is_current(ticket) {
            return false;
        }
        self.in_flight = None;
        self.failures = self.failures.saturating_add(1);
        let doubling = 2f64.powi(self.failures.min(30) as i32 - 1);
        let delay = (self.config.retry_seconds * doubling).min(self.config.refresh_min_seconds);
        self.due_at = now + delay;
        true
    }

    fn is_current(&self, ticket: Ticket) -> bool {
        self.in_flight.is_some_and(|(current, _)| current == ticket)
    }

    fn start(&mut self, now: f64) -> Ticket {
        self.issued += 1;
        self.fetches += 1;
        let ticket = Ticket(self.issued);
        self.in_flight = Some((ticket, now));
        ticket
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3600.0;

    fn started() -> (JwksPolicy, f64) {
        let mut policy = JwksPolicy::new(PolicyConfig::default());
        let Decision::Fetch(ticket) = policy.poll(0.0) else {
            panic!("the first poll must fetch")
        };
        assert!(policy.succeeded(ticket, 1.0, 0.5));
        (policy, 1.0)
    }

    #[test]
    fn first_use_fetches_once_then_steady_state_never_fetches() {
        let (mut policy, now) = started();
        for i in 0..10_000 {
            assert_eq!(policy.poll(now + f64::from(i)), Decision::Skip);
        }
        assert_eq!(policy.fetches(), 1);
    }

    #[test]
    fn schedule_lies_between_12_and_24_hours_with_jitter() {
        for (jitter, expected) in [
            (0.0, 12.0),
            (0.5, 18.0),
            (1.0, 24.0),
            (7.0, 24.0),
            (-1.0, 12.0),
        ] {
            let mut policy = JwksPolicy::new(PolicyConfig::default());
            let Decision::Fetch(t) = policy.poll(0.0) else {
                panic!()
            };
            policy.succeeded(t, 0.0, jitter);
            assert_eq!(policy.due_at(), expected * HOUR, "jitter {jitter}");
            assert_eq!(policy.poll(expected * HOUR - 1.0), Decision::Skip);
            assert!(matches!(policy.poll(expected * HOUR), Decision::Fetch(_)));
        }
    }

    #[test]
    fn single_flight() {
        let mut policy = JwksPolicy::new(PolicyConfig::default());
        let Decision::Fetch(first) = policy.poll(0.0) else {
            panic!()
        };
        assert_eq!(policy.poll(0.1), Decision::Wait);
        assert_eq!(policy.on_unknown_kid(0.2), Decision::Wait);
        assert!(policy.succeeded(first, 0.3, 0.0));
        assert_eq!(policy.fetches(), 1);
    }

    #[test]
    fn unknown_kid_fetches_at_most_once_per_cooldown() {
        let (mut policy, now) = started();
        let Decision::Fetch(t) = policy.on_unknown_kid(now) else {
            panic!("an unknown kid fetches")
        };
        policy.succeeded(t, now + 0.5, 0.5);
        for i in 0..100 {
            assert_eq!(
                policy.on_unknown_kid(now + 1.0 + f64::from(i)),
                Decision::Skip
            );
        }
        assert_eq!(policy.fetches(), 2);
        assert!(matches!(
            policy.on_unknown_kid(now + 300.0),
            Decision::Fetch(_)
        ));
    }

    #[test]
    fn a_lost_fetch_frees_the_flight_after_the_timeout() {
        let mut policy = JwksPolicy::new(PolicyConfig::default());
        let Decision::Fetch(lost) = policy.poll(0.0) else {
            panic!()
        };
        assert_eq!(policy.poll(29.0), Decision::Wait);
        let Decision::Fetch(next) = policy.poll(30.0) else {
            panic!("a lost fetch must not block forever")
        };
        assert!(
            !policy.succeeded(lost, 31.0, 0.0),
            "a stale ticket is ignored"
        );
        assert!(!policy.has_keys());
        assert!(policy.succeeded(next, 31.0, 0.0));
    }

    #[test]
    fn failures_keep_keys_and_back_off() {
        let (mut policy, now) = started();
        let mut at = now + 24.0 * HOUR;
        let mut delays = Vec::new();
        for _ in 0..4 {
            let Decision::Fetch(t) = policy.poll(at) else {
                panic!()
            };
            assert!(policy.failed(t, at));
            assert!(policy.has_keys(), "last good keys are kept");
            delays.push(policy.due_at() - at);
            assert_eq!(policy.poll(at + 1.0), Decision::Skip);
            at = policy.due_at();
        }
        assert_eq!(delays, vec![30.0, 60.0, 120.0, 240.0]);
    }

    #[test]
    fn backoff_is_capped_at_the_refresh_interval() {
        let mut policy = JwksPolicy::new(PolicyConfig::default());
        let mut at = 0.0;
        for _ in 0..64 {
            let Decision::Fetch(t) = policy.poll(at) else {
                panic!()
            };
            policy.failed(t, at);
            assert!(policy.due_at() - at <= 12.0 * HOUR);
            at = policy.due_at();
        }
    }

    #[test]
    fn settings_are_checked() {
        let bad = [
            PolicyConfig {
                refresh_min_seconds: 1.0,
                ..PolicyConfig::default()
            },
            PolicyConfig {
                refresh_max_seconds: 100.0,
                ..PolicyConfig::default()
            },
            PolicyConfig {
                unknown_kid_cooldown_seconds: f64::NAN,
                ..PolicyConfig::default()
            },
            PolicyConfig {
                fetch_timeout_seconds: 0.0,
                ..PolicyConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
        assert!(PolicyConfig::default().validate().is_ok());
    }
}
