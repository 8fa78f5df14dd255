#!/usr/bin/env bash
# Set up minerscan in ./.venv on a fresh Debian machine (or any Linux with Python >= 3.11).
#
#   bash scripts/setup.sh          the tool and a browser
#   bash scripts/setup.sh --dev    also the test tools, and PostgreSQL and Redis running
#
# Idempotent: a second run only checks. Needs the network only for the package registries.
set -euo pipefail

cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1

say() { printf 'setup: %s\n' "$*" >&2; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else return 1
  fi
}
apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  # On a fresh machine another apt run (unattended-upgrades, cloud-init) may hold dpkg's
  # lock: wait for it (10 minutes by default) instead of failing at once.
  local wait=(-o "DPkg::Lock::Timeout=${MINERSCAN_APT_LOCK_TIMEOUT:-600}")
  if [ "$apt_updated" = 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" update -qq >/dev/null || return 1
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq "$@" >/dev/null
}

# 1. Python >= 3.11 with venv support (Debian's python3 needs python3-venv for ensurepip).
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=$candidate; break
  fi
done
if [ -z "$python" ]; then
  say "Python 3.11 or newer is required; install it (apt-get install python3) and run again"; exit 2
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    ver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    say "installing python${ver}-venv (Debian ships venv separately)"
    apt_install "python${ver}-venv" || apt_install python3-venv ||
      { say "cannot create a virtual environment: install python3-venv and run again"; exit 2; }
    "$python" -m venv .venv
  fi
fi

# 2. The package (editable, so the checkout is what runs) and, with --dev, the test tools.
extras=""
[ "$dev" = 1 ] && extras="[dev]"
stamp=".venv/.minerscan-installed$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing minerscan$extras into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
  touch "$stamp"
fi

# 3. Playwright's driver is a bundled Node.js binary; on a minimal Debian it lacks libatomic.
node=$(.venv/bin/python -c 'import pathlib, playwright; print(pathlib.Path(playwright.__file__).parent / "driver" / "node")')
if ! "$node" --version >/dev/null 2>&1; then
  say "Playwright's driver does not start; installing libatomic1"
  apt_install libatomic1 || { say "install libatomic1 (apt-get install libatomic1) and run again"; exit 2; }
fi

# 4. A browser: whatever minerscan already finds; else Playwright's own download; else Debian's.
if ! .venv/bin/minerscan doctor >/dev/null 2>&1; then
  say "no usable Chromium found; trying 'playwright install chromium'"
  if ! timeout 300 .venv/bin/python -m playwright install chromium >/dev/null 2>&1 ||
     ! .venv/bin/minerscan doctor >/dev/null 2>&1; then
    say "Playwright cannot download a browser here; installing Debian's chromium packages"
    apt_install chromium || { say "cannot install chromium: run 'apt-get install chromium' as root, or set MINERSCAN_CHROMIUM"; exit 2; }
    apt_install chromium-headless-shell || say "chromium-headless-shell not available; using full chromium"
  fi
  .venv/bin/minerscan doctor >&2 || { say "Chromium is installed but does not start; see 'minerscan doctor'"; exit 2; }
fi

# 5. For the tests: both Chromium builds, since every browser guarantee is tested with each
#    (headless-shell and full Chromium behave differently on hostile pages).
if [ "$dev" = 1 ]; then
  missing=""
  [ -x /usr/lib/chromium/chromium-headless-shell ] || missing="$missing chromium-headless-shell"
  if ! [ -x /usr/bin/chromium ] && ! [ -x /usr/bin/google-chrome ] && ! [ -x /usr/bin/chromium-browser ]; then
    missing="$missing chromium"
  fi
  if [ -n "$missing" ]; then
    say "installing the Chromium builds the tests need:$missing"
    # shellcheck disable=SC2086
    apt_install $missing || say "could not install$missing; the tests for that build will fail in CI"
  fi
fi

# 6. For the tests: PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) running, installed
#    from Debian's packages when missing. Tests that need them are marked postgres / redis.
if [ "$dev" = 1 ]; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    say "installing PostgreSQL (the postgres tests need it)"
    apt_install postgresql || say "could not install postgresql; the postgres tests will fail"
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    say "starting PostgreSQL"
    for v in /etc/postgresql/*/; do
      as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true
    done
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    say "installing Redis (the survey worker tests need it)"
    apt_install redis-server || say "could not install redis-server; the redis tests will fail"
  fi
  if command -v redis-server >/dev/null 2>&1 &&
     ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis || true
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ||
      say "could not start redis-server; the redis tests will fail"
  fi
fi
say "ready: .venv/bin/minerscan"
