//! The local revocation mirror of a [`RedisStore`](super::RedisStore)
//! (`redis_local_mirror`, `NETRUN_AUTH_REDIS_LOCAL_MIRROR`): the Python
//! `netrun_auth.redis_mirror` semantics, in Rust.
//!
//! A copy, in this process, of the revocation keys under one prefix, kept current by the
//! announcements the engine's Lua scripts publish on `<prefix>revocations` (the same
//! scripts, whichever language wrote). While it is *live*, `check` decides from it without
//! a round trip; while it is not, `check` goes to Redis (and fails closed with 503 if
//! Redis is down). The entries and their rules (which keys are kept, how announcements
//! combine, the verdict) are the engine's [`MirrorEntries`], shared with Python.
//!
//! Life cycle (one background task, started on the first validation, re-armed after
//! every outage):
//!
//! 1. subscribe to the channel (a dedicated connection; the confirmation is awaited);
//! 2. load what is already there: `SCAN` of the prefix (every primary on Cluster), then
//!    `GET` + `PTTL` of each revocation key;
//! 3. apply the announcements queued meanwhile, go live, apply announcements as they
//!    arrive; a `PING` every [`HEARTBEAT`] proves the subscription alive.
//!
//! Pub/sub is at-most-once, so the mirror stops being live and starts over from step 1
//! when the subscription ends or errors, or when nothing (not even the heartbeat's
//! answer) has arrived for [`STALE_AFTER`] (a paused server, a cut network). Attempts are
//! retried every [`MAX_RETRY_DELAY`] at most. The writing process also applies the
//! announcements its own scripts return at once (read your own writes).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netrun_auth::revocation::{Keyspace, MirrorEntries, RevocationState};
use netrun_auth::Claims;
use redis::aio::ConnectionLike;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{RedisResult, Value};
use tokio::task::JoinHandle;

use super::redis::{Backend, Connection};

/// Time between two `PING`s on the subscription.
pub const HEARTBEAT: Duration = Duration::from_millis(500);
/// Time without any message or heartbeat answer after which the mirror is not trusted.
pub const STALE_AFTER: Duration = Duration::from_secs(2);
/// Time between two sweeps of expired entries.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Longest wait between two attempts to re-arm.
pub const MAX_RETRY_DELAY: Duration = Duration::from_millis(250);

/// Keys fetched per `GET`/`PTTL` pipeline while loading.
const LOAD_CHUNK: usize = 500;

/// What the background task and the validations share.
pub(crate) struct State {
    prefix: String,
    channel: String,
    timeout: Duration,
    /// Where to subscribe: the configured URLs (single node: one), tried in turn.
    subscribe_urls: Vec<String>,
    /// The entries and their rules (the engine's, shared with Python's mirror).
    entries: MirrorEntries,
    live: AtomicBool,
    /// Milliseconds since `epoch` when the subscription last proved alive.
    last_seen: AtomicU64,
    epoch: Instant,
}

/// The mirror of one store; its task stops when the store is dropped.
pub(crate) struct Mirror {
    state: Arc<State>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Mirror {
    fn drop(&mut self) {
        if let Ok(mut task) = self.task.lock() {
            if let Some(task) = task.take() {
                task.abort();
            }
        }
    }
}

impl Mirror {
    pub(crate) fn new(
        keys: Keyspace,
        prefix: String,
        channel: String,
        timeout: Duration,
        subscribe_urls: Vec<String>,
    ) -> Self {
        Mirror {
            state: Arc::new(State {
                prefix,
                channel,
                timeout,
                subscribe_urls,
                entries: MirrorEntries::new(keys),
                live: AtomicBool::new(false),
                last_seen: AtomicU64::new(0),
                epoch: Instant::now(),
            }),
            task: Mutex::new(None),
        }
    }

    /// Whether validations may be decided from the mirror now.
    pub(crate) fn live(&self) -> bool {
        self.state.live()
    }

    /// Start the background task (once), on the current tokio runtime.
    pub(crate) fn start(&self, backend: &Backend) {
        let Ok(mut task) = self.task.lock() else {
            return;
        };
        if task.is_none() {
            let state = self.state.clone();
            let backend = backend.clone();
            *task = Some(tokio::spawn(async move { state.run(backend).await }));
        }
    }

    /// What the mirror holds for `claims` (whose check keys are `keys`), `None` when it
    /// is not live.
    pub(crate) fn lookup(&self, claims: &Claims, keys: &[String; 3]) -> Option<RevocationState> {
        if !self.live() {
            return None;
        }
        Some(self.state.entries.lookup_keys(claims, keys, Instant::now()))
    }

    /// Apply what a write script of this process returned (one announcement or a list).
    pub(crate) fn apply_reply(&self, reply: &Value) {
        match reply {
            Value::Array(items) => items.iter().for_each(|v| self.apply_reply(v)),
            Value::BulkString(bytes) => {
                if let Ok(text) = std::str::from_utf8(bytes) {
                    self.state.apply_announcement(text);
                }
            }
            Value::SimpleString(text) => self.state.apply_announcement(text),
            _ => {}
        }
    }
}

impl State {
    fn millis(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn seen(&self) {
        self.last_seen.store(self.millis(), Ordering::Release);
    }

    fn live(&self) -> bool {
        self.live.load(Ordering::Acquire)
            && self
                .millis()
                .saturating_sub(self.last_seen.load(Ordering::Acquire))
                <= STALE_AFTER.as_millis() as u64
    }

    fn apply_announcement(&self, text: &str) {
        self.entries.apply_announcement(text, Instant::now());
    }

    /// Record that `key` holds `value` for `ttl` (if a validation reads it).
    fn apply(&self, key: &str, value: &str, ttl: Duration) {
        self.entries.apply(key, value, ttl, Instant::now());
    }

    fn clear(&self) {
        self.entries.clear();
    }

    async fn run(self: Arc<Self>, backend: Backend) {
        let mut delay = Duration::from_millis(50);
        let mut attempt = 0usize;
        loop {
            let url = &self.subscribe_urls[attempt % self.subscribe_urls.len().max(1)];
            attempt += 1;
            let outcome = self.session(&backend, url).await;
            self.live.store(false, Ordering::Release);
            self.clear();
            if outcome.is_ok() {
                delay = Duration::from_millis(50);
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RETRY_DELAY);
        }
    }

    /// One subscription, from subscribing to losing it (always ends in an error).
    async fn session(&self, backend: &Backend, url: &str) -> RedisResult<()> {
        use futures_util::{FutureExt, StreamExt};

        self.clear();
        let client = redis::Client::open(url)?;
        let mut pubsub = bounded(self.timeout, client.get_async_pubsub()).await?;
        bounded(self.timeout, pubsub.subscribe(&self.channel)).await?;
        // Confirmed: from here on every announcement reaches the stream.
        let (mut sink, mut stream) = pubsub.split();
        self.load(backend).await?;
        // Announcements made while loading: apply them before going live.
        while let Some(Some(message)) = stream.next().now_or_never() {
            self.handle(&message);
        }
        self.seen();
        self.live.store(true, Ordering::Release);
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        let mut swept = Instant::now();
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(message) => {
                        self.seen();
                        self.handle(&message);
                    }
                    None => return Err(closed("the subscription ended")),
                },
                _ = heartbeat.tick() => {
                    if !self.live() {
                        return Err(closed("no message or heartbeat in time"));
                    }
                    bounded(self.timeout, sink.ping::<Value>()).await?;
                    self.seen();
                    if swept.elapsed() > SWEEP_EVERY {
                        swept = Instant::now();
                        self.entries.sweep(swept);
                    }
                }
            }
        }
    }

    fn handle(&self, message: &redis::Msg) {
        if let Ok(text) = message.get_payload::<String>() {
            self.apply_announcement(&text);
        }
    }

    /// `SCAN` the prefix (every primary on Cluster), then `GET` + `PTTL` each revocation key.
    async fn load(&self, backend: &Backend) -> RedisResult<()> {
        let pattern = format!("{}*", glob_escape(&self.prefix));
        match backend {
            Backend::Single(manager) => {
                let mut connection = Connection::Single(manager.clone());
                let keys = self.scan(&mut connection, None, &pattern).await?;
                for chunk in keys.chunks(LOAD_CHUNK) {
                    let mut pipe = redis::pipe();
                    for key in chunk {
                        pipe.cmd("GET").arg(key).cmd("PTTL").arg(key);
                    }
                    let replies: Vec<(Option<String>, i64)> =
                        bounded(self.timeout, pipe.query_async(&mut connection)).await?;
                    for (key, (value, pttl)) in chunk.iter().zip(replies) {
                        self.apply_loaded(key, value, pttl);
                    }
                }
            }
            Backend::Cluster(cluster) => {
                let mut connection =
                    Connection::Cluster(bounded(self.timeout, cluster.connection()).await?);
                for (host, port) in self.primaries(&mut connection).await? {
                    let node = SingleNodeRoutingInfo::ByAddress { host, port };
                    for key in self.scan(&mut connection, Some(node), &pattern).await? {
                        // GET and PTTL of one key: one slot, one pipeline.
                        let (value, pttl): (Option<String>, i64) = bounded(
                            self.timeout,
                            redis::pipe()
                                .cmd("GET")
                                .arg(&key)
                                .cmd("PTTL")
                                .arg(&key)
                                .query_async(&mut connection),
                        )
                        .await?;
                        self.apply_loaded(&key, value, pttl);
                    }
                }
            }
        }
        Ok(())
    }

    fn apply_loaded(&self, key: &str, value: Option<String>, pttl: i64) {
        if let (Some(value), true) = (value, pttl > 0) {
            self.apply(key, &value, Duration::from_millis(pttl as u64));
        }
    }

    /// The revocation keys of the prefix on one node (`None`: the single node).
    async fn scan(
        &self,
        connection: &mut Connection,
        node: Option<SingleNodeRoutingInfo>,
        pattern: &str,
    ) -> RedisResult<Vec<String>> {
        let mut keys = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let mut command = redis::cmd("SCAN");
            command
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000);
            let reply = match (&node, &mut *connection) {
                (Some(node), Connection::Cluster(cluster)) => {
                    let routing = RoutingInfo::SingleNode(node.clone());
                    bounded(self.timeout, cluster.route_command(command, routing)).await?
                }
                (_, connection) => {
                    bounded(self.timeout, connection.req_packed_command(&command)).await?
                }
            };
            let (next, batch): (u64, Vec<String>) = redis::from_redis_value(reply)?;
            keys.extend(
                batch
                    .into_iter()
                    .filter(|k| self.entries.keyspace().checked_kind(k).is_some()),
            );
            if next == 0 {
                return Ok(keys);
            }
            cursor = next;
        }
    }

    /// `(host, port)` of every primary (`CLUSTER SLOTS`).
    async fn primaries(&self, connection: &mut Connection) -> RedisResult<Vec<(String, u16)>> {
        let Connection::Cluster(cluster) = connection else {
            return Ok(Vec::new());
        };
        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random);
        let reply = bounded(
            self.timeout,
            cluster.route_command(redis::cmd("CLUSTER").arg("SLOTS").clone(), routing),
        )
        .await?;
        let mut primaries: Vec<(String, u16)> = Vec::new();
        if let Value::Array(ranges) = reply {
            for range in ranges {
                let Value::Array(fields) = range else {
                    continue;
                };
                // [start, end, [host, port, id, ...], replicas...]
                let Some(Value::Array(primary)) = fields.get(2) else {
                    continue;
                };
                let (Some(host), Some(port)) = (primary.first(), primary.get(1)) else {
                    continue;
                };
                let host: String = redis::from_redis_value(host.clone())?;
                let port: u16 = redis::from_redis_value(port.clone())?;
                if !primaries.iter().any(|(h, p)| *h == host && *p == port) {
                    primaries.push((host, port));
                }
            }
        }
        Ok(primaries)
    }
}

/// `pattern` matching itself literally in `SCAN MATCH`.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '?' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn closed(why: &'static str) -> redis::RedisError {
    redis::RedisError::from((redis::ErrorKind::Io, why))
}

async fn bounded<T>(
    timeout: Duration,
    work: impl std::future::Future<Output = RedisResult<T>>,
) -> RedisResult<T> {
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(closed("timed out")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirror() -> Mirror {
        Mirror::new(
            Keyspace::new("p:".to_owned()),
            "p:".into(),
            "p:revocations".into(),
            Duration::from_secs(1),
            vec!["redis://127.0.0.1:1".into()],
        )
    }

    #[test]
    fn only_checked_keys_are_kept_and_the_later_logout_time_holds() {
        let m = mirror();
        m.state.apply_announcement("60 1 p:{u}:jti:a");
        m.state.apply_announcement("60 1 p:{u}:spent:a");
        m.state.apply_announcement("60 1 other:{u}:jti:a");
        m.state.apply_announcement("60 200 p:{u}:before");
        m.state.apply_announcement("60 100 p:{u}:before");
        assert_eq!(m.state.entries.len(), 2);
    }

    #[test]
    fn not_live_until_loaded_and_script_replies_apply() {
        let m = mirror();
        assert!(!m.live());
        m.apply_reply(&Value::Array(vec![
            Value::BulkString(b"60 1 p:{u}:sid:s".to_vec()),
            Value::BulkString(b"60 5 p:{u}:before".to_vec()),
        ]));
        assert_eq!(m.state.entries.len(), 2);
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
