#!/bin/sh
# install-deps.sh - install the Debian packages the build, the tests and
# the benchmarks need, if any is missing.  Idempotent: does nothing (and
# prints nothing) when all are present; runs `apt-get update` only when an
# install fails without it.  Needs root to install.
set -eu

PACKAGES="gcc make libc6-dev pkg-config
libcmocka-dev
libxen-dev libxenstore4 xenstore-utils
systemtap-sdt-dev
clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev bpftrace
python3 util-linux binutils
sudo man-db
libclang-rt-14-dev
libdw-dev python3-dev python3-pyxs
chromium"
# chromium (~300 MB) is for the browser test of xenstore-snoop --html
# (tests/integration/timeline_browser.sh); libdw-dev and python3-pyxs
# for the client stacks of xenstore-snoop -U (python3-dev: the layout of
# the python3 whose frames it walks, from its headers).

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $missing >/tmp/install-deps.log 2>&1; then
	apt-get update -q >>/tmp/install-deps.log 2>&1
	apt-get install -y -q --no-install-recommends $missing >>/tmp/install-deps.log 2>&1 || {
		tail -n 30 /tmp/install-deps.log >&2
		exit 1
	}
fi
