//! The Lua scripts of the Redis login guard. They live here once; front ends load them
//! (`SCRIPT LOAD`, then `EVALSHA`, reloading on `NOSCRIPT`). Each script's three keys
//! are one subject's ([`super::GuardKeyspace::subject`]), so they share a Cluster slot.
//! A login's outcome runs one script for the username and one for the IP, in one
//! pipeline (on a Cluster, both at once, each to its node): one round trip, never
//! CROSSSLOT; [`super::Guard::verdict`] combines the two replies. Every key a script
//! writes has a TTL.

/// Record a failed login for a subject, atomically: refused (not counted) while the
/// subject is locked out; otherwise counted, and the failure that reaches the threshold
/// starts a lockout (it is itself a normal failure: the threshold is the number of
/// failures answered).
///
/// KEYS: failures, strikes, lock ([`super::SubjectKeys::to_array`]).
/// ARGV: [`super::LockoutPolicy::failed_args`]: threshold, window seconds, strike
/// memory seconds, then the lockout schedule in seconds (strike 1, 2, ...; the last
/// entry serves every later strike).
///
/// Returns `{recorded, lock_ms, strike}` ([`super::Count::from_reply`]): refused
/// `{0, remaining_ms, 0}`; counted `{1, 0, 0}`; counted and starting the `strike`-th
/// lockout `{1, lockout_ms, strike}` (the lock key holds `strike`).
pub const FAILED: &str = r#"
local remaining = redis.call('PTTL', KEYS[3])
if remaining > 0 then
  return {0, remaining, 0}
end
local failures = redis.call('INCR', KEYS[1])
if failures == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if failures < tonumber(ARGV[1]) then
  return {1, 0, 0}
end
local strikes = redis.call('INCR', KEYS[2])
local last = #ARGV - 3
local seconds = tonumber(ARGV[3 + math.min(strikes, last)])
redis.call('SET', KEYS[3], strikes, 'EX', seconds)
redis.call('EXPIRE', KEYS[2], seconds + tonumber(ARGV[3]))
redis.call('DEL', KEYS[1])
return {1, seconds * 1000, strikes}
"#;

/// Record a successful login for a subject, atomically: refused while the subject is
/// locked out (the correct password of a guess made during a lockout is not revealed);
/// otherwise, when ARGV[1] is `1` (the username: [`super::LockoutPolicy::succeeded_args`]),
/// its failures, strikes and lock are deleted; an IP's counters are left alone.
///
/// KEYS: failures, strikes, lock. Returns `{0, remaining_ms, 0}` (refused) or
/// `{1, 0, 0}`, as [`FAILED`] does.
pub const SUCCEEDED: &str = r#"
local remaining = redis.call('PTTL', KEYS[3])
if remaining > 0 then
  return {0, remaining, 0}
end
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return {1, 0, 0}
"#;
