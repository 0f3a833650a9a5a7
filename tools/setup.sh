#!/bin/sh
# setup.sh: makes sure this machine has what Cairn's build, tests and QEMU runs need.
# On Debian 12 as root it installs what is missing with apt-get, saying what; without
# root it names the exact command to run and fails. Then it fetches Debian's source
# package lwip into build/ (tools/lwip.sh; the build does the same when it needs it).
# Called by `make run`, `make test` and `make iso`; cheap when everything is already
# there.
set -eu

# command-or-file : Debian package
NEEDS="
gcc:gcc
/usr/include/stdio.h:libc6-dev
ld:binutils
make:make
python3:python3
qemu-system-x86_64:qemu-system-x86
/usr/include/cmocka.h:libcmocka-dev
/usr/lib/grub/i386-pc/moddep.lst:grub-pc-bin
/usr/lib/grub/x86_64-efi/moddep.lst:grub-efi-amd64-bin
grub-mkrescue:grub-common
xorriso:xorriso
mformat:mtools
/usr/share/ovmf/OVMF.fd:ovmf
gdb:gdb
dot:graphviz
spin:spin
cloc:cloc
/usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
xz:xz-utils
"

missing=""
for need in $NEEDS; do
	what=${need%%:*}
	pkg=${need#*:}
	case "$what" in
	/*) [ -e "$what" ] && continue ;;
	*) command -v "$what" >/dev/null 2>&1 && continue ;;
	esac
	case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done

# Python 3.11 or later: the build tools read TOML with the standard tomllib.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import tomllib' 2>/dev/null; then
	echo "setup: python3 is older than 3.11 (no tomllib); Cairn needs Debian 12's python3" >&2
	exit 1
fi

if [ -z "$missing" ]; then
	exec sh "$(dirname "$0")/lwip.sh" build
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages:$missing" >&2
	echo "setup: install them with:  sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "setup: installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
$cmd
exec sh "$(dirname "$0")/lwip.sh" build
