//! The Lua script of the Redis login guard. It lives here once; front ends load it
//! (`SCRIPT LOAD`, then `EVALSHA`, reloading on `NOSCRIPT`). Its three keys are one
//! subject's ([`super::GuardKeyspace::subject`]), so they share a Cluster slot.
//!
//! A check needs no script: it is `PTTL` of the username's and the IP's lock keys,
//! sent together (one round trip). A success is `DEL` of the username's failures and
//! strikes (one slot). Only recording a failure must be atomic.

/// Record one failure of a subject; lock it out when it reaches the threshold.
///
/// KEYS: failures, strikes, lock ([`super::SubjectKeys::to_array`]).
/// ARGV: [`super::LockoutPolicy::script_args`]: threshold, window seconds, strike
/// memory seconds, then the lockout schedule in seconds (strike 1, 2, ...; the last
/// entry serves every later strike).
///
/// Returns `{locked_now, lock_ms}`: `locked_now` is 1 when this failure started a
/// lockout; `lock_ms` is what remains of the subject's lockout (0 when not locked).
/// While locked, failures are not counted (the lockout already answers them).
/// Every key it writes has a TTL.
pub const RECORD_FAILURE: &str = r#"
local remaining = redis.call('PTTL', KEYS[3])
if remaining > 0 then
  return {0, remaining}
end
local failures = redis.call('INCR', KEYS[1])
if failures == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if failures < tonumber(ARGV[1]) then
  return {0, 0}
end
local strikes = redis.call('INCR', KEYS[2])
local last = #ARGV - 3
local seconds = tonumber(ARGV[3 + math.min(strikes, last)])
redis.call('SET', KEYS[3], strikes, 'EX', seconds)
redis.call('EXPIRE', KEYS[2], seconds + tonumber(ARGV[3]))
redis.call('DEL', KEYS[1])
return {1, seconds * 1000}
"#;
