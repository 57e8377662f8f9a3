#!/usr/bin/env bash
# Installs the Debian packages the tests start on 127.0.0.1 or run as a reference: the proxies
# (tinyproxy, squid), the real servers (nginx; httpbin under gunicorn), the tools (curl, the
# reference client; openssl, which makes the test certificates) and the browser (chromium, which
# the browser tests drive headless through playwright-core; no test tool downloads a browser).
#
# Idempotent: does nothing when every binary (and the httpbin module) is present. Otherwise
# installs the missing packages with apt-get, non-interactively, as root (or through sudo without
# a password). squid's and nginx's packages start a system service (ports 3128 and 80) where an
# init system runs; the tests never use them, so service starts are blocked during the install
# when policy-rc.d is free.
# Exit status: 0 when all are available afterwards, 1 otherwise.
set -euo pipefail

has() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

# httpbin is a Python module: look for it with the interpreter Debian's gunicorn runs.
has_httpbin() {
  [ -x /usr/bin/python3 ] &&
    /usr/bin/python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('httpbin') is None)" \
      >/dev/null 2>&1
}

all_present() {
  has tinyproxy && has squid && has nginx && { has gunicorn || has gunicorn3; } && has_httpbin &&
    has curl && has openssl && has chromium
}

NAMES="tinyproxy, squid, nginx, gunicorn, httpbin, curl, openssl and chromium"

missing=()
has tinyproxy || missing+=(tinyproxy-bin)
has squid || missing+=(squid)
# bookworm's nginx-light is a transitional package for nginx: ask for nginx itself.
has nginx || missing+=(nginx)
has gunicorn || has gunicorn3 || missing+=(gunicorn)
has_httpbin || missing+=(python3-httpbin)
has curl || missing+=(curl)
has openssl || missing+=(openssl)
has chromium || missing+=(chromium)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: $NAMES already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: apt-get not found; install ${missing[*]} by hand" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-system-deps: need root (or passwordless sudo) to install ${missing[*]}" >&2
  exit 1
fi

# Keep the packages from starting squid and nginx as services (policy-rc.d exit 101 = "not
# allowed").
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  added_policy=1
fi
cleanup() {
  if [ "$added_policy" -eq 1 ]; then "${as_root[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}"

all_present
echo "install-system-deps: $NAMES installed"
