-- wrk script: GET /me with a different bearer token on each request, cycling through
-- the tokens of the file named after "--" (one per line).
local tokens = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  -- Threads start at different places of the cycle.
  i = math.random(#tokens)
end

function request()
  i = i % #tokens + 1
  return wrk.format("GET", "/me", { ["Authorization"] = "Bearer " .. tokens[i] })
end
