#!/usr/bin/env bash
# The RPM half of the packages section: a real RPM database, built here with rpmbuild
# and rpm, in a copy of the debian12 fixture; ward inventory reads it with librpm (same
# package objects as the `rpm -qa` parser, beside the dpkg ones), writes nothing in the
# tree, says why when WARD_NO_LIBRPM=1 or the database is garbage, and passes over a
# database that is a symlink out of the tree. As root with mount namespaces, the same
# database on "/" gives the same packages through librpm and through `rpm -qa`.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

if ! command -v rpmbuild >/dev/null || ! command -v rpm >/dev/null; then
	echo "SKIP: rpmbuild or rpm is missing (scripts/deps test installs the rpm package)"
	exit 77
fi

# Three tiny noarch packages: plain, with an epoch, and one whose source rpm has another name.
export HOME=$TMP/home # no ~/.rpmmacros of the user
mkdir -p "$HOME" "$TMP/specs"
spec() { # NAME VERSION RELEASE [EPOCH] [SUBPACKAGE]: a spec with an empty %files
	local epoch=${4:+"Epoch: $4"} files="%files"
	[ -n "${5:-}" ] && files="%package -n $5
Summary: a ward test package
%description -n $5
A ward test package.
%files -n $5"
	cat >"$TMP/specs/$1.spec" <<EOF
Name: $1
Version: $2
Release: $3
$epoch
Summary: a ward test package
License: MIT
BuildArch: noarch
%description
A ward test package.
$files
EOF
}
spec ward-plain 1.0 1
spec ward-epoch 2.5.1 4.el9 3
spec ward-suite 0.9 2 "" ward-tool
for s in "$TMP"/specs/*.spec; do
	rpmbuild --quiet --define "_topdir $TMP/rpmbuild" --nodeps -bb "$s" >>"$TMP/rpmbuild.log" 2>&1 ||
		{ cat "$TMP/rpmbuild.log"; fail "rpmbuild $(basename "$s")"; }
done
RPMS=$(find "$TMP/rpmbuild/RPMS" -name '*.rpm' | sort)
expect_eq "three packages built" "$(printf '%s\n' "$RPMS" | grep -c .)" 3

# The database in var/lib/rpm of a copy of the fixture, as `rpm --root` would leave it.
ROOT=$TMP/root
cp -a "$SRC/tests/fixtures/debian12" "$ROOT"
DB=$ROOT/var/lib/rpm
mkdir -p "$DB"
# shellcheck disable=SC2086
rpm --dbpath "$DB" -i --justdb --nodeps --noscripts $RPMS >"$TMP/rpm.log" 2>&1 || { cat "$TMP/rpm.log"; fail "rpm -i"; }
rpm --dbpath "$DB" --import "$SRC/tests/fixtures/rpm/ward-test-key.asc" || fail "rpm --import"
expect_eq "rpm sees them" "$(rpm --dbpath "$DB" -qa | sort | tr '\n' ' ')" \
	"gpg-pubkey-9d124a62-6b08dd64 ward-epoch-2.5.1-4.el9.noarch ward-plain-1.0-1.noarch ward-tool-0.9-2.noarch "
dpkg_only=$(WARD_NO_LIBRPM=1 "$WARD" --json inventory --root "$SRC/tests/fixtures/debian12" | jq .sections.packages.count)
expect_eq "the fixture's dpkg packages" "$dpkg_only" 40

snapshot() { (cd "$1" && find . -printf '%p %y\n' | LC_ALL=C sort); }
rpm_items() { printf '%s' "$1" | jq -c '[.sections.packages.items[] | select(.manager == "rpm")]'; }
WANT='[{"name":"gpg-pubkey","version":"9d124a62-6b08dd64","architecture":null,"source":"gpg-pubkey","source_version":"9d124a62-6b08dd64","status":"installed","manager":"rpm"},'\
'{"name":"ward-epoch","version":"3:2.5.1-4.el9","architecture":"noarch","source":"ward-epoch","source_version":"2.5.1-4.el9","status":"installed","manager":"rpm"},'\
'{"name":"ward-plain","version":"1.0-1","architecture":"noarch","source":"ward-plain","source_version":"1.0-1","status":"installed","manager":"rpm"},'\
'{"name":"ward-tool","version":"0.9-2","architecture":"noarch","source":"ward-suite","source_version":"0.9-2","status":"installed","manager":"rpm"}]'

# Read with librpm.
before=$(snapshot "$ROOT")
db_sum=$(sha256sum "$DB/rpmdb.sqlite")
expect_exit "inventory of the tree" 0 "$WARD" --json inventory --root "$ROOT"
expect_eq "the rpm packages, as the rpm -qa parser makes them" "$(rpm_items "$OUT")" "$WANT"
expect_eq "beside the dpkg ones" "$(printf '%s' "$OUT" | jq .sections.packages.count)" $((dpkg_only + 4))
expect_eq "dpkg's still say dpkg" "$(printf '%s' "$OUT" | jq '[.sections.packages.items[] | select(.manager == "dpkg")] | length')" "$dpkg_only"
expect_eq "no warning" "$(printf '%s' "$OUT" | jq -c .warnings)" "[]"
expect_eq "nothing on stderr (librpm is quiet)" "$ERR" ""
expect_eq "no file created or removed in the tree" "$(snapshot "$ROOT")" "$before"
expect_eq "the database unchanged" "$(sha256sum "$DB/rpmdb.sqlite")" "$db_sum"
expect_exit "the summary counts them" 0 "$WARD" inventory --root "$ROOT"
expect_match "summary" "$OUT" "packages +$((dpkg_only + 4))$"

# WARD_NO_LIBRPM=1: rpm -qa runs only on a live machine, so a tree's rpm packages are
# left out, and a warning says so.
expect_exit "WARD_NO_LIBRPM=1" 0 env WARD_NO_LIBRPM=1 "$WARD" --json inventory --root "$ROOT"
expect_eq "no rpm packages" "$(rpm_items "$OUT")" "[]"
expect_eq "dpkg ones only" "$(printf '%s' "$OUT" | jq .sections.packages.count)" "$dpkg_only"
expect_eq "the warning says why" "$(printf '%s' "$OUT" | jq -r '.warnings[] | select(.section == "packages") | .message')" \
	"rpm database '$DB' not read with librpm (WARD_NO_LIBRPM is set); its packages are left out (rpm -qa runs only on a live machine)"
expect_match "on stderr too" "$ERR" "ward: warning: packages: rpm database .* not read with librpm \(WARD_NO_LIBRPM is set\)"
expect_exit "WARD_NO_LIBRPM=0 is librpm again" 0 env WARD_NO_LIBRPM=0 "$WARD" --json inventory --root "$ROOT"
expect_eq "rpm packages back" "$(rpm_items "$OUT")" "$WANT"

# The newer place, usr/lib/sysimage/rpm (Fedora 36+, openSUSE), found first.
ROOT2=$TMP/root2
cp -a "$SRC/tests/fixtures/debian12" "$ROOT2"
mkdir -p "$ROOT2/usr/lib/sysimage"
cp -a "$DB" "$ROOT2/usr/lib/sysimage/rpm"
mkdir -p "$ROOT2/var/lib/rpm" # empty, as rpm's package leaves it on Debian
expect_exit "usr/lib/sysimage/rpm" 0 "$WARD" --json inventory --root "$ROOT2"
expect_eq "read there" "$(rpm_items "$OUT")" "$WANT"

# Garbage where the database should be: a warning, the dpkg packages, nothing written.
ROOT3=$TMP/root3
cp -a "$SRC/tests/fixtures/debian12" "$ROOT3"
mkdir -p "$ROOT3/var/lib/rpm"
head -c 65536 /dev/urandom >"$ROOT3/var/lib/rpm/rpmdb.sqlite"
before=$(snapshot "$ROOT3")
pkg_warnings() { printf '%s' "$OUT" | jq -r '.warnings[] | select(.section == "packages") | .message'; }
expect_exit "a garbage database" 0 "$WARD" --json inventory --root "$ROOT3"
expect_eq "dpkg packages still there" "$(printf '%s' "$OUT" | jq .sections.packages.count)" "$dpkg_only"
expect_eq "not given to librpm" "$(pkg_warnings)" \
	"rpm database '$ROOT3/var/lib/rpm' not read with librpm ('$ROOT3/var/lib/rpm/rpmdb.sqlite' is not a database rpm's sqlite backend reads); its packages are left out (rpm -qa runs only on a live machine)"
expect_eq "nothing created beside it" "$(snapshot "$ROOT3")" "$before"
# SQLite's magic number, garbage after it: librpm itself refuses it. (librpm 4.18 keeps the
# connection it failed to set up: a leak the collector allows once per unchanged file.)
{ printf 'SQLite format 3\0'; head -c 65520 /dev/urandom; } >"$ROOT3/var/lib/rpm/rpmdb.sqlite"
before=$(snapshot "$ROOT3")
expect_exit "a garbage database past its header" 0 env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
	"$WARD" --json inventory --root "$ROOT3"
expect_eq "dpkg packages still there, again" "$(printf '%s' "$OUT" | jq .sections.packages.count)" "$dpkg_only"
expect_match "librpm's reason given" "$(pkg_warnings)" \
	"^rpm database '$ROOT3/var/lib/rpm' not read with librpm \(librpm cannot open it: .*file is not a database\); its packages are left out"
expect_eq "nothing created beside it, again" "$(snapshot "$ROOT3")" "$before"
mkdir -p "$ROOT3/usr/lib/sysimage/rpm"
head -c 65536 /dev/urandom >"$ROOT3/usr/lib/sysimage/rpm/Packages"
expect_exit "a garbage Berkeley DB" 0 "$WARD" --json inventory --root "$ROOT3"
expect_eq "its reason given" "$(pkg_warnings)" \
	"rpm database '$ROOT3/usr/lib/sysimage/rpm' not read with librpm ('$ROOT3/usr/lib/sysimage/rpm/Packages' is not a database rpm's bdb_ro backend reads); its packages are left out (rpm -qa runs only on a live machine)"

# A database directory that is a symlink out of the tree belongs to another system.
ROOT4=$TMP/root4
cp -a "$SRC/tests/fixtures/debian12" "$ROOT4"
ln -s "$DB" "$ROOT4/var/lib/rpm"
expect_exit "a symlink out of the tree" 0 "$WARD" --json inventory --root "$ROOT4"
expect_eq "not followed" "$(rpm_items "$OUT")" "[]"
expect_eq "not a warning" "$(printf '%s' "$OUT" | jq -c .warnings)" "[]"

# On a live machine both ways give the same objects: the database is put over /var/lib/rpm
# in a private mount namespace (root only; skipped where an RPM database is already live).
if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/lib/sysimage/rpm ] && [ -d /var/lib/rpm ] && unshare -m true 2>/dev/null; then
	live() { # ENV...: ward --json inventory of "/" with the database, rpm packages only
		# shellcheck disable=SC2016 # expanded by the inner shell
		unshare -m sh -c 'mount --bind "$1" /var/lib/rpm && shift && exec env "$@" --json inventory' \
			sh "$DB" "$@" "$WARD" 2>"$TMP/live.err" | jq -c '{rpm: [.sections.packages.items[] | select(.manager == "rpm")], warnings: [.warnings[] | select(.section == "packages") | .message]}'
	}
	got=$(live WARD_NO_LIBRPM=)
	expect_eq "live, librpm" "$(printf '%s' "$got" | jq -c .rpm)" "$WANT"
	expect_eq "live, librpm: no warning" "$(printf '%s' "$got" | jq -c .warnings)" "[]"
	got=$(live WARD_NO_LIBRPM=1)
	expect_eq "live, rpm -qa: the same objects" "$(printf '%s' "$got" | jq -c .rpm)" "$WANT"
	expect_eq "live, rpm -qa: the warning says why" "$(printf '%s' "$got" | jq -c .warnings)" \
		'["rpm database '"'"'/var/lib/rpm'"'"' not read with librpm (WARD_NO_LIBRPM is set); listing packages with rpm -qa instead"]'
	check_sanitizers "$TMP/live.err"
else
	echo "# live checks skipped: they need root, a private mount namespace and no RPM database on this machine"
fi

finish
