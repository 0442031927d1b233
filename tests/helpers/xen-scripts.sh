#!/bin/bash
# tests/helpers/xen-scripts.sh - prints the directory holding Xen's start-up
# scripts (launch-xenstore, hotplugpath.sh) as Debian 12 ships them in
# xen-utils-common: /etc/xen/scripts when the package is installed, else
# an unpacked copy in build/peers/xen-utils-common (fetched once with
# `apt-get download`, never installed: its init script would start Xen's
# daemons).  Exit 1, with the reason on stderr, when it cannot be had.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${XS_PEERS_CACHE:-$TOP/build/peers}
DEST=$CACHE/xen-utils-common
SCRIPTS=etc/xen/scripts

if [ -x "/$SCRIPTS/launch-xenstore" ]; then
	echo "/$SCRIPTS"
	exit 0
fi
if [ ! -x "$DEST/$SCRIPTS/launch-xenstore" ]; then
	mkdir -p "$CACHE" || exit 1
	(
		flock 9
		[ -x "$DEST/$SCRIPTS/launch-xenstore" ] && exit 0
		tmp=$(mktemp -d "$CACHE/fetch.XXXXXX") || exit 1
		chmod 777 "$tmp"	# apt-get download runs as _apt where it can
		ver=$(dpkg-query -W -f='${Version}' libxenmisc4.17 2>/dev/null)
		if ! (cd "$tmp" && { apt-get download -q "xen-utils-common${ver:+=$ver}" ||
				     apt-get download -q xen-utils-common; }) >>"$CACHE/fetch.log" 2>&1; then
			apt-get update -q >>"$CACHE/fetch.log" 2>&1
			(cd "$tmp" && apt-get download -q xen-utils-common) >>"$CACHE/fetch.log" 2>&1
		fi
		for deb in "$tmp"/*.deb; do
			[ -f "$deb" ] && dpkg -x "$deb" "$tmp/root"
		done
		[ -x "$tmp/root/$SCRIPTS/launch-xenstore" ] && rm -rf "$DEST" && mv "$tmp/root" "$DEST"
		rm -rf "$tmp"
	) 9>"$CACHE/.lock-common"
fi
if [ -x "$DEST/$SCRIPTS/launch-xenstore" ]; then
	echo "$DEST/$SCRIPTS"
else
	echo "xen-scripts: cannot get xen-utils-common (see $CACHE/fetch.log)" >&2
	exit 1
fi
