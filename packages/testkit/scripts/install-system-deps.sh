#!/usr/bin/env bash
# Installs the Debian proxies the transport tests start on 127.0.0.1 (tinyproxy, squid).
#
# Idempotent: does nothing when both binaries are present. Otherwise installs the missing
# packages with apt-get, non-interactively, as root (or through sudo without a password).
# Squid's package starts a system service on port 3128 where an init system runs; the tests
# never use it, so service starts are blocked during the install when policy-rc.d is free.
# Exit status: 0 when both are available afterwards, 1 otherwise.
set -euo pipefail

has() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

missing=()
has tinyproxy || missing+=(tinyproxy-bin)
has squid || missing+=(squid)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: tinyproxy and squid already installed"
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

# Keep the package from starting squid as a service (policy-rc.d exit 101 = "not allowed").
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

has tinyproxy && has squid
echo "install-system-deps: tinyproxy and squid installed"
