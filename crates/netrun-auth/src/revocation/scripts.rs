//! Lua scripts for the Redis store. They live here once; front ends load them
//! (`SCRIPT LOAD`, then `EVALSHA`, reloading on `NOSCRIPT`). Every key a script
//! touches shares one user's hash tag, so they run on Redis Cluster.
//!
//! Every script that writes a revocation entry (a key the validation reads) also
//! announces it with `PUBLISH` on the channel given as its last argument, in the same
//! atomic step, so a write can never go unannounced. The message is
//! `"<ttl seconds> <value> <key>"`; processes that keep a local mirror of the
//! revocation keys subscribe to it. (Classic `PUBLISH` reaches every node's
//! subscribers on Cluster.)

/// Set one revocation flag and announce it.
///
/// KEYS: the key. ARGV: value, TTL in seconds, channel.
pub const SET_FLAG: &str = r#"
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[2] .. ' ' .. ARGV[1] .. ' ' .. KEYS[1])
return 1
"#;

/// Spend a refresh token atomically, or treat the attempt as reuse.
///
/// KEYS: spent marker, session key. ARGV: TTL of the marker, TTL of the session
/// revocation (until the session's newest refresh token expires), in seconds, channel.
/// Returns 1 when spent now, 0 on reuse (the session is then revoked and announced).
pub const SPEND_REFRESH: &str = r#"
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 1
end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[2] .. ' 1 ' .. KEYS[2])
return 0
"#;

/// Log a user out everywhere: revoke every live registered session and record the time.
///
/// KEYS: sessions sorted set, user key. ARGV: now, TTL of the user key,
/// session key prefix ([`Keyspace::session_prefix`](super::Keyspace::session_prefix)), channel.
/// Set members are [`Keyspace::session_member`](super::Keyspace::session_member) names.
pub const REVOKE_USER: &str = r#"
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
for i = 1, #live, 2 do
  local ttl = tonumber(live[i + 1]) - tonumber(ARGV[1])
  if ttl > 0 then
    redis.call('SET', ARGV[3] .. live[i], '1', 'EX', ttl)
    redis.call('PUBLISH', ARGV[4], ttl .. ' 1 ' .. ARGV[3] .. live[i])
  end
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[2] .. ' ' .. ARGV[1] .. ' ' .. KEYS[2])
return #live / 2
"#;

/// Register a live session so that logging its user out everywhere revokes it.
///
/// KEYS: sessions sorted set. ARGV: session member name, retained-until time, now.
pub const REGISTER_SESSION: &str = r#"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], latest[2])
return 1
"#;
