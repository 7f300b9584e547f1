# Shared by scripts/run and scripts/test: a Python 3.11 virtualenv in .venv with TaskFlow installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m▸ %s\033[0m\n' "$*" >&2; }
die() { printf 'taskflow: %s\n' "$*" >&2; exit 1; }

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  local extras="$1"
  if [ ! -x .venv/bin/python ]; then
    local python
    python="$(find_python)" || die "Python 3.11 is needed: install it (e.g. 'apt-get install python3.11 python3.11-venv' or pyenv) and run this again"
    say "creating .venv with $python"
    "$python" -m venv .venv || die "could not create .venv: install the venv module (e.g. 'apt-get install python3.11-venv')"
  fi
  local stamp=".venv/.installed-$extras"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing TaskFlow and its dependencies into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras" ||
      die "pip could not install the dependencies (see above); check your network or package index"
    touch "$stamp"
  fi
}

build_web_app() {
  if [ ! -f frontend/package.json ]; then
    return 0  # no web app in this tree yet: the API alone is served
  fi
  if ! command -v npm >/dev/null 2>&1; then
    say "npm not found: skipping the web app build (install Node.js 20+ to get the web UI)"
    return 0
  fi
  if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules ]; then
    say "installing the web app's packages"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in frontend/ (see above)"
  fi
  say "building the web app"
  (cd frontend && npm run --silent build) || die "the web app build failed (see above)"
}
