#!/usr/bin/env bash
# Fails when a tracked file looks like it holds a secret: a JWT (the seed document leaked a Supabase service key),
# a postgres:// URL with a real-looking password, or a private key. Placeholder passwords (pass, password, secret,
# changeme, xxx) and hostile-input corpora under tests/ are allowed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pattern='eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.|postgres(ql)?://[^:/@ ]+:(?!(pass|password|secret|changeme|PASSWORD|xxx+)@)[^@*<$ {]{3,}@|BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY'
found=$(git ls-files -z 2>/dev/null | xargs -0 grep -l -I -P "$pattern" 2>/dev/null | grep -v -E '(^|/)(tests?|e2e)/.*(Hostile|Corpus|corpus)')
if [ -n "$found" ]; then
  echo "secret scan: these tracked files look like they hold a secret (JWT, password URL or private key):" >&2
  echo "$found" | sed 's/^/  /' >&2
  exit 1
fi
echo "secret scan: no secret in tracked files"
