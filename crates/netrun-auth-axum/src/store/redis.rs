//! [`RedisStore`]: revocation state in Redis or Redis Cluster, shared with the Python
//! `RedisStore` (same keyspace, same Lua scripts, same TTLs, same channel).
//!
//! - `check` is one round trip: `MGET` of the token, session and user keys, which share
//!   the user's hash tag and so one Cluster slot.
//! - Writes run the engine's scripts ([`netrun_auth::revocation::scripts`]) by
//!   `EVALSHA`, loading them on `NOSCRIPT`.
//! - Every operation is bounded by `redis_timeout_seconds`; an error, an unreachable
//!   server or a late answer is a 503 `store_unavailable` (fail closed). Connections are
//!   made lazily and remade by the client, so service resumes when Redis is back.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use netrun_auth::claims::now;
use netrun_auth::revocation::{
    decide, retain_until, scripts, Keyspace, RevocationState, SpendOutcome, MAX_SESSIONS_PER_USER,
};
use netrun_auth::token::IssuedPair;
use netrun_auth::Claims;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Script, Value};
use tokio::sync::OnceCell;

use super::mirror::Mirror;
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;

/// Script arguments, each as the bytes Redis receives.
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        vec![$(redis::ToRedisArgs::to_redis_args(&$arg).concat()),*]
    };
}

/// The engine's scripts, each hashed once.
struct Scripts {
    set_flag: Script,
    spend_refresh: Script,
    revoke_user: Script,
    register_session: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    set_flag: Script::new(scripts::SET_FLAG),
    spend_refresh: Script::new(scripts::SPEND_REFRESH),
    revoke_user: Script::new(scripts::REVOKE_USER),
    register_session: Script::new(scripts::REGISTER_SESSION),
});

#[derive(Clone)]
pub(crate) enum Backend {
    Single(ConnectionManager),
    Cluster(Arc<Cluster>),
}

/// A Cluster client and its connection, made on first use.
pub(crate) struct Cluster {
    client: ClusterClient,
    connection: OnceCell<ClusterConnection>,
}

/// A connection of either kind, for the `redis` crate's commands and scripts.
pub(crate) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl Cluster {
    /// The connection, made on first use.
    pub(crate) async fn connection(&self) -> RedisResult<ClusterConnection> {
        Ok(self
            .connection
            .get_or_try_init(|| self.client.get_async_connection())
            .await?
            .clone())
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}

/// Revocation store in Redis (single node) or Redis Cluster. Cheap to clone.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    keys: Keyspace,
    prefix: String,
    channel: String,
    timeout: Duration,
    refresh_grace_seconds: i64,
    /// `redis_local_mirror`: the pub/sub-fed copy of the revocation keys.
    mirror: Option<Mirror>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner.backend {
            Backend::Single(_) => "single node",
            Backend::Cluster(_) => "cluster",
        };
        write!(
            f,
            "RedisStore({kind}, prefix={:?}, timeout={:?})",
            self.inner.prefix, self.inner.timeout
        )
    }
}

impl RedisStore {
    /// A store on the single node at `config.redis_url` (connected on first use).
    pub fn single(config: &AuthConfig) -> Result<Self, ConfigError> {
        let client = redis::Client::open(config.redis_url.as_str())
            .map_err(|e| ConfigError(format!("redis_url: {}", redis_problem(&e))))?;
        let timeout = timeout_of(config);
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let manager = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|e| ConfigError(format!("redis_url: {}", redis_problem(&e))))?;
        let urls = vec![config.redis_url.clone()];
        Ok(Self::with_backend(Backend::Single(manager), config, urls))
    }

    /// A store on the Redis Cluster reachable at these node URLs (default: `config.redis_url`);
    /// the topology is discovered on first use.
    pub fn cluster(config: &AuthConfig, nodes: &[String]) -> Result<Self, ConfigError> {
        let urls: Vec<String> = if nodes.is_empty() {
            vec![config.redis_url.clone()]
        } else {
            nodes.to_vec()
        };
        let nodes: Vec<&str> = urls.iter().map(String::as_str).collect();
        let timeout = timeout_of(config);
        let client = ClusterClient::builder(nodes)
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .retries(2)
            .min_retry_wait(10)
            .max_retry_wait(200)
            .build()
            .map_err(|e| ConfigError(format!("redis_url: {}", redis_problem(&e))))?;
        let backend = Backend::Cluster(Arc::new(Cluster {
            client,
            connection: OnceCell::new(),
        }));
        Ok(Self::with_backend(backend, config, urls))
    }

    fn with_backend(backend: Backend, config: &AuthConfig, urls: Vec<String>) -> Self {
        let prefix = config.redis_key_prefix.clone();
        let channel = format!("{prefix}revocations");
        let mirror = config.redis_local_mirror.then(|| {
            let keys = Keyspace::new(prefix.clone());
            Mirror::new(
                keys,
                prefix.clone(),
                channel.clone(),
                timeout_of(config),
                urls,
            )
        });
        let inner = Inner {
            backend,
            keys: Keyspace::new(prefix.clone()),
            prefix,
            channel,
            timeout: timeout_of(config),
            refresh_grace_seconds: config.refresh_grace_seconds,
            mirror,
        };
        RedisStore {
            inner: Arc::new(inner),
        }
    }

    /// Whether `check` currently decides from the local mirror (`redis_local_mirror`).
    pub fn mirror_live(&self) -> bool {
        self.inner.mirror.as_ref().is_some_and(Mirror::live)
    }

    /// Read your own writes: apply what a write script announced to this process's mirror.
    fn own_writes(&self, reply: &Value) {
        if let Some(mirror) = &self.inner.mirror {
            mirror.apply_reply(reply);
        }
    }

    /// The pub/sub channel every revocation write is announced on.
    pub fn channel(&self) -> &str {
        &self.inner.channel
    }

    /// Run `operation` on a connection, bounded by the timeout; any failure is a 503.
    async fn run<T, F, Fut>(&self, operation: F) -> Result<T, AuthError>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let work = async {
            let connection = match &self.inner.backend {
                Backend::Single(manager) => Connection::Single(manager.clone()),
                Backend::Cluster(cluster) => Connection::Cluster(cluster.connection().await?),
            };
            operation(connection).await
        };
        match tokio::time::timeout(self.inner.timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            _ => Err(AuthError::store_unavailable()),
        }
    }

    /// The key names of the store (its prefix).
    pub fn keyspace(&self) -> &Keyspace {
        &self.inner.keys
    }

    /// `Err(token_revoked)` if the token, its session or its user is revoked. One `MGET`,
    /// none while the local mirror is live.
    pub async fn check(&self, claims: &Claims) -> Result<(), AuthError> {
        self.check_keys(claims, &self.inner.keys.check_keys(claims))
            .await
    }

    /// [`check`](Self::check) with the claims' [`Keyspace::check_keys`] of this store's
    /// [`keyspace`](Self::keyspace) made beforehand.
    pub async fn check_keys(&self, claims: &Claims, keys: &[String; 3]) -> Result<(), AuthError> {
        if let Some(mirror) = &self.inner.mirror {
            if let Some(state) = mirror.lookup(claims, keys) {
                return Ok(decide(claims, state)?);
            }
            mirror.start(&self.inner.backend);
        }
        let (token, session, before): (Option<String>, Option<String>, Option<String>) = self
            .run(|mut c| async move { redis::cmd("MGET").arg(&keys[..]).query_async(&mut c).await })
            .await?;
        let state = RevocationState {
            token_revoked: token.is_some(),
            session_revoked: claims.session_id.is_some() && session.is_some(),
            user_revoked_before: match before {
                None => None,
                Some(v) => Some(
                    v.parse::<i64>()
                        .map_err(|_| AuthError::store_unavailable())?,
                ),
            },
        };
        Ok(decide(claims, state)?)
    }

    /// Run one of the engine's scripts through [`run`](Self::run) (bounded, any failure a
    /// 503), apply the announcements it returns to this process's mirror (read your own
    /// writes), and give back its reply.
    async fn script(
        &self,
        script: &'static Script,
        keys: Vec<String>,
        args: Vec<Vec<u8>>,
    ) -> Result<Value, AuthError> {
        let reply = self
            .run(|mut c| async move {
                let mut invocation = script.key(keys);
                for arg in args {
                    invocation.arg(arg);
                }
                invocation.invoke_async::<Value>(&mut c).await
            })
            .await?;
        self.own_writes(&reply);
        Ok(reply)
    }

    /// Remember a live session for `revoke_user` (the `register_session` script).
    pub async fn register_session(
        &self,
        user_id: &str,
        session_id: &str,
        expires_at: i64,
    ) -> Result<(), AuthError> {
        let keys = vec![self.inner.keys.sessions(user_id)];
        let member = self.inner.keys.session_member(session_id);
        let args = args!(
            member,
            retain_until(expires_at),
            now(),
            MAX_SESSIONS_PER_USER
        );
        self.script(&SCRIPTS.register_session, keys, args).await?;
        Ok(())
    }

    /// Revoke one token for as long as it could be presented.
    pub async fn revoke_token(&self, claims: &Claims) -> Result<(), AuthError> {
        let key = self.inner.keys.token(&claims.subject, &claims.jti);
        self.set_flag(key, ttl(claims.expires_at, now())).await
    }

    /// Revoke every token of a session until `expires_at` (plus the margin).
    pub async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        expires_at: i64,
    ) -> Result<(), AuthError> {
        let key = self.inner.keys.session(user_id, session_id);
        self.set_flag(key, ttl(expires_at, now())).await
    }

    /// Revoke every token of `user_id` issued until now and each live session.
    pub async fn revoke_user(&self, user_id: &str, ttl_seconds: i64) -> Result<(), AuthError> {
        let now = now();
        let keys = vec![
            self.inner.keys.sessions(user_id),
            self.inner.keys.user(user_id),
        ];
        let args = args!(
            now,
            ttl(now + ttl_seconds, now),
            self.inner.keys.session_prefix(user_id),
            self.inner.channel
        );
        self.script(&SCRIPTS.revoke_user, keys, args).await?;
        Ok(())
    }

    /// Spend refresh token `claims`, recording `successor` (the `spend_refresh` script,
    /// with the engine's retry rule): spent, retried (the previous undelivered successor
    /// is superseded) or reused (the script revokes the session in the same atomic step).
    pub async fn spend_refresh(
        &self,
        claims: &Claims,
        successor: &IssuedPair,
        session_expires_at: i64,
    ) -> Result<SpendOutcome, AuthError> {
        let now = now();
        let keys_of = &self.inner.keys;
        let user = &claims.subject;
        let (access, refresh) = (&successor.access, &successor.refresh);
        let keys = vec![
            keys_of.spent(user, &claims.jti),
            keys_of.session(user, claims.session_id.as_deref().unwrap_or("")),
        ];
        let args = args!(
            ttl(claims.expires_at, now),
            ttl(session_expires_at, now),
            self.inner.channel,
            self.inner.refresh_grace_seconds,
            keys_of.member(&refresh.jti),
            keys_of.member(&access.jti),
            keys_of.spent_prefix(user),
            keys_of.token_prefix(user),
            ttl(refresh.expires_at, now),
            ttl(access.expires_at, now)
        );
        // `{code}` or `{code, announcement}`.
        match self.script(&SCRIPTS.spend_refresh, keys, args).await? {
            Value::Array(reply) => match reply.first() {
                Some(Value::Int(code)) => Ok(SpendOutcome::from_script(*code)),
                _ => Err(AuthError::store_unavailable()),
            },
            _ => Err(AuthError::store_unavailable()),
        }
    }

    /// The refresh of `claims` hands out `successor`: register its session and mark the
    /// spend delivered (the `register_session` script with the spent marker).
    pub async fn complete_refresh(
        &self,
        claims: &Claims,
        successor: &IssuedPair,
    ) -> Result<(), AuthError> {
        let keys_of = &self.inner.keys;
        let user = &claims.subject;
        let refresh = &successor.refresh;
        let keys = vec![keys_of.sessions(user), keys_of.spent(user, &claims.jti)];
        let args = args!(
            keys_of.session_member(refresh.session_id.as_deref().unwrap_or("")),
            retain_until(refresh.expires_at),
            now(),
            MAX_SESSIONS_PER_USER,
            keys_of.member(&refresh.jti),
            self.inner.timeout.as_millis() as i64
        );
        self.script(&SCRIPTS.register_session, keys, args).await?;
        Ok(())
    }

    async fn set_flag(&self, key: String, ttl: i64) -> Result<(), AuthError> {
        let args = args!("1", ttl, self.inner.channel);
        self.script(&SCRIPTS.set_flag, vec![key], args).await?;
        Ok(())
    }
}

fn timeout_of(config: &AuthConfig) -> Duration {
    Duration::from_secs_f64(config.redis_timeout_seconds)
}

/// Seconds an entry covering something that expires at `expires_at` must live (>= 1).
fn ttl(expires_at: i64, now: i64) -> i64 {
    (retain_until(expires_at) - now).max(1)
}

/// What is wrong with the URL, without repeating it (it may hold a password).
fn redis_problem(error: &redis::RedisError) -> String {
    format!("not a usable Redis URL ({:?})", error.kind())
}
