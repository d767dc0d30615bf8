#!/bin/sh
# Log in, call the API, refresh, log out, against `uvicorn main:app` (port 8000).
set -eu
API=${API:-http://127.0.0.1:8000}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

# 1. Log in: a token pair.
LOGIN=$(curl -sf -X POST "$API/auth/login" -d username=alice -d "password=correct horse")
ACCESS=$(echo "$LOGIN" | field access_token)
REFRESH=$(echo "$LOGIN" | field refresh_token)

# 2. Call protected routes with the access token.
curl -sf -H "Authorization: Bearer $ACCESS" "$API/me"; echo
curl -sf -H "Authorization: Bearer $ACCESS" "$API/reports"; echo

# 3. Refresh: a new pair of the same session; the old refresh token is spent.
ACCESS=$(curl -sf -X POST "$API/auth/refresh" -d "refresh_token=$REFRESH" | field access_token)

# 4. Log out: the token and its session are revoked.
curl -sf -X POST -H "Authorization: Bearer $ACCESS" "$API/auth/logout"; echo
curl -s -w ' %{http_code}\n' -H "Authorization: Bearer $ACCESS" "$API/me"
