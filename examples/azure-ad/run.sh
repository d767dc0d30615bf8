#!/bin/sh
# Generate a key pair for the API's own tokens on first run, then serve on 127.0.0.1:8000.
set -e
cd "$(dirname "$0")"
if [ ! -f private_key.pem ]; then
    openssl genrsa -out private_key.pem 2048 2>/dev/null
    openssl rsa -in private_key.pem -pubout -out public_key.pem 2>/dev/null
    chmod 600 private_key.pem
fi
[ -f .env ] || cp env.example .env
exec "${PYTHON:-python3}" -m uvicorn main:app --host 127.0.0.1 --port "${PORT:-8000}" "$@"
