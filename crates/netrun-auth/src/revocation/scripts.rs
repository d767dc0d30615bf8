//! Lua scripts for the Redis store. They live here once; front ends load them
//! (`SCRIPT LOAD`, then `EVALSHA`, reloading on `NOSCRIPT`). Every key a script
//! touches shares one user's hash tag, so they run on Redis Cluster.
//!
//! Every script that writes a revocation entry (a key the validation reads) also
//! announces it with `PUBLISH` on the channel given as its last argument, in the same
//! atomic step, so a write can never go unannounced. The message is
//! `"<ttl seconds> <value> <key>"` ([`parse_announcement`]); processes that keep a
//! local mirror of the revocation keys subscribe to it. (Classic `PUBLISH` reaches every
//! node's subscribers on Cluster.) Each script also *returns* the announcements it made,
//! so the writing process applies exactly what was written to its own mirror at once,
//! without waiting for pub/sub and without re-deriving the writes.

/// Set one revocation flag and announce it.
///
/// KEYS: the key. ARGV: value, TTL in seconds, channel.
/// Returns the announcement.
pub const SET_FLAG: &str = r#"
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local message = ARGV[2] .. ' ' .. ARGV[1] .. ' ' .. KEYS[1]
redis.call('PUBLISH', ARGV[3], message)
return message
"#;

/// Spend a refresh token atomically, apply the retry rule, or treat the attempt as reuse
/// (see the [module docs](super) of `revocation` for the rule).
///
/// The spent marker's value records the spend until it is delivered:
/// `"pending <first spend, Redis TIME in ms> <latest spend or retry, ms> <successor
/// refresh member> <successor access member>"` (the grace window runs from the first
/// spend; a completion counts if it runs within the caller's timeout of the latest, so a
/// retry that is answered in time is delivered and closes the window; members are [`Keyspace::member`](super::Keyspace::member) names of the
/// successor pair's `jti`s, issued before the spend); [`REGISTER_SESSION`] turns it into
/// `"done"` when the refresh completes. Any other value (`"done"`, `"superseded"`, an
/// older `"1"`) admits no retry.
///
/// KEYS: spent marker, session key. ARGV:
/// 1. TTL of the marker, 2. TTL of the session revocation (until the session's newest
///    refresh token expires), 3. channel, 4. grace seconds (0: no retry rule),
/// 5. successor refresh member, 6. successor access member,
/// 7. spent-marker prefix ([`Keyspace::spent_prefix`](super::Keyspace::spent_prefix)),
/// 8. token-key prefix ([`Keyspace::token_prefix`](super::Keyspace::token_prefix)),
/// 9. TTL of the successor refresh token's marker, 10. TTL of the successor access
///    token's revocation.
///
/// Returns `{1}` when spent now (or by this very request, sent again); `{2, announcement}`
/// for a retry (the previous successor's refresh token is marked spent and its access
/// token revoked and announced); `{0, announcement}` on reuse (the session is revoked and
/// announced).
pub const SPEND_REFRESH: &str = r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local prior = redis.call('GET', KEYS[1])
if not prior then
  redis.call('SET', KEYS[1], 'pending ' .. now .. ' ' .. now .. ' ' .. ARGV[5] .. ' ' .. ARGV[6], 'EX', ARGV[1])
  return {1}
end
local at, _, refresh, access = string.match(prior, '^pending (%d+) (%d+) (%S+) (%S+)$')
if at and refresh == ARGV[5] then
  return {1}
end
local grace = tonumber(ARGV[4]) * 1000
if at and grace > 0 and now >= tonumber(at) and now - tonumber(at) <= grace
    and redis.call('SET', ARGV[7] .. refresh, 'superseded', 'NX', 'EX', ARGV[9]) then
  local key = ARGV[8] .. access
  redis.call('SET', key, '1', 'EX', ARGV[10])
  local message = ARGV[10] .. ' 1 ' .. key
  redis.call('PUBLISH', ARGV[3], message)
  redis.call('SET', KEYS[1], 'pending ' .. at .. ' ' .. now .. ' ' .. ARGV[5] .. ' ' .. ARGV[6], 'KEEPTTL')
  return {2, message}
end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
local message = ARGV[2] .. ' 1 ' .. KEYS[2]
redis.call('PUBLISH', ARGV[3], message)
return {0, message}
"#;

/// Log a user out everywhere: revoke every live registered session and record the time.
///
/// KEYS: sessions sorted set, user key. ARGV: now, TTL of the user key,
/// session key prefix ([`Keyspace::session_prefix`](super::Keyspace::session_prefix)), channel.
/// Set members are [`Keyspace::session_member`](super::Keyspace::session_member) names.
/// Returns the announcements: one per revoked session, then the user key's.
pub const REVOKE_USER: &str = r#"
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
local messages = {}
for i = 1, #live, 2 do
  local ttl = tonumber(live[i + 1]) - tonumber(ARGV[1])
  if ttl > 0 then
    redis.call('SET', ARGV[3] .. live[i], '1', 'EX', ttl)
    local message = ttl .. ' 1 ' .. ARGV[3] .. live[i]
    redis.call('PUBLISH', ARGV[4], message)
    messages[#messages + 1] = message
  end
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
local message = ARGV[2] .. ' ' .. ARGV[1] .. ' ' .. KEYS[2]
redis.call('PUBLISH', ARGV[4], message)
messages[#messages + 1] = message
return messages
"#;

/// Register a live session so that logging its user out everywhere revokes it; for a
/// refresh, also mark its spend delivered.
///
/// KEYS: sessions sorted set, and for a refresh the spent marker of the refresh token
/// it replaces. ARGV: session member name, retained-until time, now, the most sessions
/// kept ([`MAX_SESSIONS_PER_USER`](super::MAX_SESSIONS_PER_USER): past it the ones
/// retained the shortest go first); for a refresh, the successor refresh member and the
/// caller's timeout in ms. The spend is marked `done` only if it is still pending for
/// this successor and this script runs within the timeout of its latest spend or retry
/// (Redis TIME): a
/// script that runs later (a paused server) may answer a caller that has given up, so
/// its spend stays open to a retry.
pub const REGISTER_SESSION: &str = r#"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[4]))
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], latest[2])
if KEYS[2] then
  local marker = redis.call('GET', KEYS[2]) or ''
  local last, refresh = string.match(marker, '^pending %d+ (%d+) (%S+) ')
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if last and refresh == ARGV[5] and now - tonumber(last) <= tonumber(ARGV[6]) then
    redis.call('SET', KEYS[2], 'done', 'KEEPTTL')
  end
end
return 1
"#;

/// One announcement of a revocation write, as published on the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcement<'a> {
    /// How long the entry lives from now, in seconds.
    pub ttl_seconds: i64,
    /// Its value (`1` for a flag, a time for the user key).
    pub value: &'a str,
    /// The key written.
    pub key: &'a str,
}

/// Read `"<ttl seconds> <value> <key>"`; `None` if it is not an announcement.
pub fn parse_announcement(text: &str) -> Option<Announcement<'_>> {
    let (ttl, rest) = text.split_once(' ')?;
    let (value, key) = rest.split_once(' ')?;
    let ttl_seconds = ttl.parse().ok()?;
    if value.is_empty() || key.is_empty() {
        return None;
    }
    Some(Announcement {
        ttl_seconds,
        value,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_parse() {
        assert_eq!(
            parse_announcement("60 1 p:{u}:jti:a b"),
            Some(Announcement {
                ttl_seconds: 60,
                value: "1",
                key: "p:{u}:jti:a b"
            })
        );
        assert_eq!(parse_announcement("x 1 k"), None);
        assert_eq!(parse_announcement("60 1"), None);
        assert_eq!(parse_announcement(""), None);
    }
}
