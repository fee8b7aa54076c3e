#!/bin/sh
# upgrade-repo.sh DIR LOCAL: builds the tiny packages the upgrade-run tests install, and a
# flat apt repository of them in DIR (Packages by dpkg-scanpackages):
#   ward-testpkg 1.0, 1.5: /usr/share/ward-testpkg/ok says "ok"
#   ward-testpkg 2.0:      it says "broken" (its compatibility test fails)
#   ward-testpkg-extra 1.1 (in the repository) and 1.0 (in LOCAL only: installed
#   with dpkg -i, so it can no longer be had for a rollback)
set -eu
dir=$1
local=$2
mkdir -p "$dir" "$local"
build() { # NAME VERSION OK-TEXT OUTDIR
	b=$(mktemp -d)
	mkdir -p "$b/DEBIAN" "$b/usr/share/$1"
	printf '%s\n' "$3" >"$b/usr/share/$1/ok"
	printf '%s\n' "$2" >"$b/usr/share/$1/version"
	cat >"$b/DEBIAN/control" <<CONTROL
Package: $1
Version: $2
Architecture: all
Maintainer: Ward tests <tests@ward.invalid>
Section: misc
Priority: optional
Description: Ward upgrade-run test package $2
 Installs /usr/share/$1/ok for the plan's compatibility test.
CONTROL
	dpkg-deb --root-owner-group -Zgzip --build "$b" "$4/${1}_${2}_all.deb" >/dev/null
	rm -rf "$b"
}
build ward-testpkg 1.0 ok "$dir"
build ward-testpkg 1.5 ok "$dir"
build ward-testpkg 2.0 broken "$dir"
build ward-testpkg-extra 1.1 ok "$dir"
build ward-testpkg-extra 1.0 ok "$local"
(cd "$dir" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null)
