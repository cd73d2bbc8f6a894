# Sourced by the other scripts: create .venv with Python 3.11 and install gridgov (and the example
# plugin in examples/gridgov-assessment) into it, again only when setup.cfg, requirements.lock or
# the example's pyproject changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.gridgov-installed"
want="$(sha256sum setup.cfg pyproject.toml requirements.lock examples/gridgov-assessment/pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # the exact versions of requirements.lock (scripts/lock.sh), so every machine runs what CI ran
  .venv/bin/python -m pip install --quiet -c requirements.lock -e '.[dev]'
  # the external example module, installed beside gridgov as a township's contractor would (its
  # own distribution; --no-deps: its one dependency, gridgov, is the checkout installed above)
  .venv/bin/python -m pip install --quiet --no-deps -e ./examples/gridgov-assessment
  echo "$want" > "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
