//! The Lua scripts of the Redis login guard. They live here once; front ends load them
//! (`SCRIPT LOAD`, then `EVALSHA`, reloading on `NOSCRIPT`). Each script's three keys
//! are one subject's ([`super::GuardKeyspace::subject`]), so they share a Cluster slot;
//! an attempt runs [`COUNT_ATTEMPT`] for the username and for the IP in one pipeline
//! (one round trip, never CROSSSLOT) and [`super::verdict`] combines the two replies.
//!
//! A success is `DEL` of the username's three keys and [`GIVE_BACK`] of the IP's
//! attempt, also in one pipeline. Every key a script writes has a TTL.

/// Count one attempt of a subject, atomically: refused (not counted) while the subject
/// is locked out; otherwise counted, and the attempt that reaches the threshold starts
/// a lockout (it is itself admitted: the threshold is the number of attempts allowed).
///
/// KEYS: failures, strikes, lock ([`super::SubjectKeys::to_array`]).
/// ARGV: [`super::LockoutPolicy::script_args`]: threshold, window seconds, strike
/// memory seconds, then the lockout schedule in seconds (strike 1, 2, ...; the last
/// entry serves every later strike).
///
/// Returns `{admitted, lock_ms, strike}` ([`super::Count::from_reply`]): refused
/// `{0, remaining_ms, 0}`; admitted `{1, 0, 0}`; admitted and starting the `strike`-th
/// lockout `{1, lockout_ms, strike}` (the lock key holds `strike`).
pub const COUNT_ATTEMPT: &str = r#"
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

/// Give back one attempt that [`COUNT_ATTEMPT`] admitted (a success from the IP, or an
/// attempt the other subject refused): the subject is as if it never came.
///
/// KEYS: failures, strikes, lock. ARGV: [`super::LockoutPolicy::give_back_args`]:
/// the strike the attempt started (0: none), threshold, window seconds.
///
/// An attempt that started no lockout takes one off the failures (the key goes when it
/// reaches 0). One that started the `strike`-th lockout ends it while the lock still
/// holds that strike (not a later lockout): the lock goes, the strike count goes back
/// by one, and the failures before it are restored (threshold - 1, for a new window).
/// Returns 1 when a lockout was ended, else 0.
pub const GIVE_BACK: &str = r#"
local strike = tonumber(ARGV[1])
if strike > 0 then
  if redis.call('GET', KEYS[3]) ~= ARGV[1] then
    return 0
  end
  redis.call('DEL', KEYS[3])
  if redis.call('DECR', KEYS[2]) <= 0 then
    redis.call('DEL', KEYS[2])
  end
  local before = tonumber(ARGV[2]) - 1
  if before > 0 then
    redis.call('SET', KEYS[1], before, 'EX', ARGV[3])
  end
  return 1
end
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures > 1 then
  redis.call('DECR', KEYS[1])
elseif failures == 1 then
  redis.call('DEL', KEYS[1])
end
return 0
"#;
