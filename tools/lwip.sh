#!/bin/sh
# lwip.sh: fetches Debian's source package `lwip` (2.1.x, bookworm) with apt through a
# private sources list, and unpacks it where the Makefile builds it (docs/network.md):
#
#   sh tools/lwip.sh BUILD     BUILD/lwip/src/ holds lwIP's tree (src/, doc/, ...)
#
# The machine's apt configuration is never touched: the sources list, the package
# lists and the download cache all live under BUILD/lwip/apt/. apt checks what it
# downloads against the archive's signed Release file (debian-archive-keyring). The
# tarballs stay in BUILD/lwip/dl/, so a second run, or a `make` after a clean of the
# objects only, fetches nothing; once unpacked (BUILD/lwip/src/.unpacked) it does
# nothing at all. Debian's patches are not applied (docs/network.md says why).
set -eu

build=${1:-build}
top=$build/lwip
apt=$top/apt
dl=$top/dl
src=$top/src
suite=bookworm
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

[ -e "$src/.unpacked" ] && exit 0

mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dl"
echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $suite main" >"$apt/sources.list"
aptdir=$(cd "$apt" && pwd)
opts="-q -o Dir::Etc::SourceList=$aptdir/sources.list -o Dir::Etc::SourceParts=/dev/null"
opts="$opts -o Dir::State::Lists=$aptdir/lists -o Dir::Cache=$aptdir/cache"
opts="$opts -o APT::Sandbox::User=$(id -un)"

orig() {
	ls "$dl"/lwip_*.orig.tar.* 2>/dev/null | head -n 1
}

if [ -z "$(orig)" ]; then
	echo "  FETCH	Debian's source package lwip ($suite)"
	if [ ! -e "$keyring" ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "lwip.sh: needs apt-get and $keyring (make setup installs debian-archive-keyring)" >&2
		exit 1
	fi
	# shellcheck disable=SC2086 # $opts is a list of words
	if ! apt-get $opts update >"$top/fetch.log" 2>&1 ||
	   ! (cd "$dl" && apt-get $opts source --download-only lwip) >>"$top/fetch.log" 2>&1 ||
	   [ -z "$(orig)" ]; then
		cat "$top/fetch.log" >&2
		echo "lwip.sh: could not fetch Debian's source package lwip (the log: $top/fetch.log)." >&2
		echo "lwip.sh: it needs http://deb.debian.org; by hand, from $(pwd):" >&2
		echo "  apt-get $opts update && (cd $dl && apt-get $opts source --download-only lwip)" >&2
		exit 1
	fi
fi

rm -rf "$src"
mkdir -p "$src"
tar -xf "$(orig)" -C "$src" --strip-components=1
# The stack's version: the Makefile's file list and Cairn's port are lwIP 2.1's.
init=$src/src/include/lwip/init.h
if ! grep -q '^#define LWIP_VERSION_MAJOR  *2[[:space:]]*$' "$init" || ! grep -q '^#define LWIP_VERSION_MINOR  *1[[:space:]]*$' "$init"; then
	echo "lwip.sh: $(orig) is not lwIP 2.1 (see $init); Cairn's port is for 2.1" >&2
	exit 1
fi
touch "$src/.unpacked"
echo "  UNPACK	$(basename "$(orig)") in $src"
