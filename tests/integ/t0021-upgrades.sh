#!/usr/bin/env bash
# t0021-upgrades.sh: ward upgrades against apt itself. On this machine: the same
# upgrades as apt-get -s upgrade (package, installed and new version, security or not),
# the same packages kept back, and, with the kept-back ones, what apt-get -s
# dist-upgrade upgrades. On the fixture tree tests/fixtures/upgrades (indexes plain,
# lz4, gz and zst; security, updates, backports, experimental, a pinned third-party
# archive, a foreign architecture, epochs, a hold, a kernel meta-package needing a new
# package, Breaks both ways): the answers written down here, and the same as apt-get -s upgrade run on
# that tree, with more pins and a default release in turn. Also the CLI's options and
# errors, ward needrestart on the fixture, and the agent reporting both to a server:
# the host's summary, its facts, and history when a new upgrade appears.
. "$(dirname "$0")/lib.sh"

FIXTURE=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/fixtures/upgrades

# ward_set JSON: "name[:arch] installed candidate" lines of .upgrades (arch shown unless
# native or all, as apt shows it), sorted.
ward_set() {
	jq -r '.native_architecture as $n | .upgrades[] |
		"\(.name)\(if .architecture == $n or .architecture == "all" then "" else ":" + .architecture end) \(.installed) \(.candidate)"' "$1" | sort
}
ward_security() {
	jq -r '.native_architecture as $n | .upgrades[] | select(.security) |
		"\(.name)\(if .architecture == $n or .architecture == "all" then "" else ":" + .architecture end)"' "$1" | sort
}
ward_held() { jq -r '.held[].name' "$1" | sort -u; }
# apt_set OUTPUT: the same from apt-get -s's "Inst name [old] (new ...)" lines.
apt_set() { sed -nE 's/^Inst ([^ ]+) \[([^]]+)\] \(([^ ]+) .*/\1 \2 \3/p' "$1" | sort; }
apt_security() { sed -nE 's/^Inst ([^ ]+) \[[^]]+\] \([^ ]+ (.*)\)( \[.*\])?$/\1 \2/p' "$1" | grep -E -- '-security|/updates' |
	cut -d' ' -f1 | sort; }
apt_held() { sed -n '/kept back:$/,/^[^ ]/p' "$1" | grep '^ ' | tr ' ' '\n' | grep -v '^$' | sed 's/:.*//' | sort -u; }

# --- this machine ---
if command -v apt-get >/dev/null && compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
	expect_exit "ward upgrades on this machine" 0 "$WARD" --json upgrades
	printf '%s\n' "$OUT" >"$TMP/live.json"
	apt-get -s -q upgrade >"$TMP/apt-upgrade.txt" 2>/dev/null
	apt-get -s -q dist-upgrade >"$TMP/apt-dist.txt" 2>/dev/null
	ward_set "$TMP/live.json" >"$TMP/w.set"
	apt_set "$TMP/apt-upgrade.txt" >"$TMP/a.set"
	n=$(wc -l <"$TMP/a.set")
	if diff "$TMP/a.set" "$TMP/w.set" >"$TMP/d.txt"; then
		pass "the same $n upgrades as apt-get -s upgrade"
	else
		fail "upgrades differ from apt-get -s upgrade (< apt, > ward): $(head -20 "$TMP/d.txt" | tr '\n' ' ')"
	fi
	expect_eq "the same ones are security upgrades" "$(ward_security "$TMP/live.json" | tr '\n' ' ')" \
		"$(apt_security "$TMP/apt-upgrade.txt" | tr '\n' ' ')"
	expect_eq "the same packages kept back" "$(ward_held "$TMP/live.json" | tr '\n' ' ')" \
		"$(apt_held "$TMP/apt-upgrade.txt" | tr '\n' ' ')"
	# dist-upgrade also takes what needs new packages, but never a held one.
	jq -r '.native_architecture as $n | (.upgrades[], (.held[] | select(.reason == "new-packages"))) |
		"\(.name)\(if .architecture == $n or .architecture == "all" then "" else ":" + .architecture end) \(.installed) \(.candidate)"' \
		"$TMP/live.json" | sort >"$TMP/w.dist"
	apt_set "$TMP/apt-dist.txt" >"$TMP/a.dist"
	if diff "$TMP/a.dist" "$TMP/w.dist" >"$TMP/d.txt"; then
		pass "upgrades and the kept-back ones are what apt-get -s dist-upgrade upgrades"
	else
		fail "differs from apt-get -s dist-upgrade: $(head -20 "$TMP/d.txt" | tr '\n' ' ')"
	fi
	expect_eq "counts match the lists" "$(jq '.counts.upgrades == (.upgrades | length) and .counts.held == (.held | length)' "$TMP/live.json")" true
else
	echo "ok - skipped on this machine: no apt-get or no apt lists"
fi

# --- the fixture: written-down answers ---
ROOT=$TMP/root
cp -a "$FIXTURE" "$ROOT"
L=$ROOT/var/lib/apt/lists
# The same indexes stored compressed, the ways apt may keep them.
if command -v lz4 >/dev/null; then
	lz4 -q --rm "$L/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages" \
		"$L/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"
fi
gzip -9n "$L/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
if command -v zstd >/dev/null; then
	zstd -q --rm "$L/deb.debian.org_debian_dists_bookworm-backports_main_binary-amd64_Packages"
fi

expect_exit "ward upgrades --root on the fixture" 0 "$WARD" --json upgrades --root "$ROOT"
printf '%s\n' "$OUT" >"$TMP/fx.json"
expect_eq "no warnings on the fixture" "$ERR" ""
expect_eq "the upgrades" "$(ward_set "$TMP/fx.json" | tr '\n' ';')" \
	"bash 5.2.15-2+b7 5.2.15-2+b8;baz-utils 1.0-1 1.1-1;epochy 3.0-1 1:1.0-1;htop 3.3.0-4~bpo12+1 3.3.0-5~bpo12+1;libbaz1 1.0-1 1.1-1;libc6 2.36-9+deb12u8 2.36-9+deb12u9;libc6:i386 2.36-9+deb12u8 2.36-9+deb12u9;libfoo1 1:2.0-1 1:2.0-2;libssl3 3.0.15-1~deb12u1 3.0.16-1~deb12u1;mail-client 1.0-1 1.1-1;nodejs 18.19.0+dfsg-6~deb12u2 18.20.2-1nodesource1;python3-idna 3.3-1 3.3-1+deb12u1;tzdata 2024a-0+deb12u1 2025b-0+deb12u1;"
expect_eq "security ones: offered by the security archive" "$(ward_security "$TMP/fx.json" | tr '\n' ' ')" \
	"libc6 libc6:i386 libfoo1 libssl3 python3-idna "
expect_eq "where each comes from" "$(jq -r '[.upgrades[] | .name + "=" + (.archives | join(","))] | join(" ")' "$TMP/fx.json")" \
	"bash=bookworm-updates baz-utils=bookworm epochy=bookworm htop=bookworm-backports libbaz1=bookworm libc6=bookworm-security libc6=bookworm-security libfoo1=bookworm-security libssl3=bookworm-security mail-client=bookworm nodejs=nodistro python3-idna=bookworm-security tzdata=bookworm-updates"
expect_eq "kept back, and why" \
	"$(jq -r '[.held[] | .name + "=" + .reason + (if .needs then "(" + (.needs | join(",")) + ")" elif .breaks then "(" + (.breaks | join(",")) + ")" else "" end)] | join(" ")' "$TMP/fx.json")" \
	"libbar1=conflicts(libbar1 1.1-1 Breaks bar-utils 1.0-1) linux-image-amd64=new-packages(linux-image-6.1.0-29-amd64 (= 6.1.123-1)) openssh-server=hold python3-requests=new-packages(python3-charset-normalizer | python3-chardet (>= 3.0.2)) qux=conflicts(qux-plugin 1.0-1 Breaks qux 2.0-1)"
expect_eq "counts" "$(jq -c .counts "$TMP/fx.json")" '{"upgrades":13,"security":5,"held":5}'
expect_eq "index priorities: backports 100, experimental 1, the rest 500" \
	"$(jq -r '[.sources[] | .codename + "=" + (.priority | tostring)] | join(" ")' "$TMP/fx.json")" \
	"bookworm-security=500 bookworm-security=500 bookworm-backports=100 bookworm-updates=500 bookworm=500 bookworm=500 rc-buggy=1 nodistro=500"
expect_eq "the native architecture comes from dpkg's own entry" "$(jq -r .native_architecture "$TMP/fx.json")" amd64

# --- the fixture against apt itself, with pins and a default release in turn ---
apt_on() { # ROOT OUT: apt-get -s upgrade on a tree, with the tree's own configuration
	mkdir -p "$1/var/cache/apt/archives/partial" "$1/var/lib/apt/lists/partial"
	cat >"$1/apt-test.conf" <<-EOF
		Dir "$1/";
		Dir::State::status "$1/var/lib/dpkg/status";
		APT::Architecture "amd64";
		APT::Architectures { "amd64"; "i386"; };
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
		Debug::NoLocking "true";
	EOF
	APT_CONFIG="$1/apt-test.conf" apt-get -s -q upgrade >"$2" 2>&1
}
compare_apt() { # DESC ROOT
	local desc=$1 root=$2
	"$WARD" --json upgrades --root "$root" >"$TMP/v.json" 2>"$TMP/v.err"
	apt_on "$root" "$TMP/v.apt"
	if grep -q '^E:' "$TMP/v.apt"; then
		fail "$desc: apt-get failed on the tree: $(grep '^E:' "$TMP/v.apt" | head -3 | tr '\n' ' ')"
		return
	fi
	local w a
	w=$(ward_set "$TMP/v.json" | tr '\n' ';')
	a=$(apt_set "$TMP/v.apt" | tr '\n' ';')
	expect_eq "$desc: upgrades as apt-get -s upgrade" "$w" "$a"
	expect_eq "$desc: kept back as apt-get" "$(ward_held "$TMP/v.json" | tr '\n' ' ')" "$(apt_held "$TMP/v.apt" | tr '\n' ' ')"
	expect_eq "$desc: security as apt-get" "$(ward_security "$TMP/v.json" | tr '\n' ' ')" \
		"$(apt_security "$TMP/v.apt" | tr '\n' ' ')"
	LAST_SET=$w
}
if command -v apt-get >/dev/null; then
	compare_apt "fixture" "$ROOT"
	# Backports pinned like the main archive: curl and bash come from it.
	cp -a "$ROOT" "$TMP/bpo"
	printf 'Package: *\nPin: release a=oldstable-backports\nPin-Priority: 500\n' >"$TMP/bpo/etc/apt/preferences.d/backports"
	compare_apt "backports at 500" "$TMP/bpo"
	expect_match "backports at 500: curl from backports" "$LAST_SET" "curl 7.88.1-10\+deb12u8 8.11.1-1~bpo12\+1"
	# A default release: the main archive at 990 beats updates and security.
	cp -a "$ROOT" "$TMP/dflt"
	printf 'APT::Default-Release "bookworm";\n' >"$TMP/dflt/etc/apt/apt.conf.d/99default"
	compare_apt "default release bookworm" "$TMP/dflt"
	case ";$LAST_SET" in
	*";libssl3 "*) fail "default release: libssl3 should stay (the main archive at 990 beats security)" ;;
	*) pass "default release: no security upgrade of libssl3 (apt's own pitfall)" ;;
	esac
	# Experimental pinned high, and a pin of 1001 that downgrades.
	cp -a "$ROOT" "$TMP/exp"
	printf 'Package: *\nPin: release n=rc-buggy\nPin-Priority: 990\n\nPackage: htop\nPin: release n=bookworm\nPin-Priority: 1001\n' \
		>"$TMP/exp/etc/apt/preferences"
	compare_apt "experimental at 990, htop pinned down at 1001" "$TMP/exp"
	expect_match "experimental at 990: mytool from experimental" "$LAST_SET" "mytool 1.0-1 9.0-1"
	expect_match "a pin at 1001 downgrades htop" "$LAST_SET" "htop 3.3.0-4~bpo12\+1 3.2.2-2"
else
	echo "ok - skipped the comparison with apt on the fixture: no apt-get"
fi

# --- the CLI ---
expect_exit "--security lists only security upgrades" 0 "$WARD" --json upgrades --root "$ROOT" --security
expect_eq "--security: names" "$(printf '%s' "$OUT" | jq -r '[.upgrades[].name] | join(" ")')" "libc6 libc6 libfoo1 libssl3 python3-idna"
expect_exit "the table" 0 "$WARD" upgrades --root "$ROOT"
expect_match "the table has a row per upgrade" "$OUT" "libssl3 +amd64 +3\.0\.15-1~deb12u1 +3\.0\.16-1~deb12u1 +yes +bookworm-security"
expect_match "and a summary" "$OUT" "13 upgrade\(s\), 5 of them security; 5 kept back"
expect_match "and the kept-back ones" "$OUT" "openssh-server +1:9\.2p1-2\+deb12u3 +1:9\.2p1-2\+deb12u5 +hold"
expect_match "with what they need" "$OUT" "linux-image-amd64 .* new-packages +linux-image-6\.1\.0-29-amd64 \(= 6\.1\.123-1\)"
expect_exit "a root that is not there" 1 "$WARD" upgrades --root "$TMP/nowhere"
expect_match "says what it could not read" "$ERR" "cannot open '$TMP/nowhere/var/lib/dpkg/status'"
expect_exit "an unknown option" 2 "$WARD" upgrades --frobnicate
expect_exit "a stray argument" 2 "$WARD" upgrades extra

# A damaged index is a warning; the other indexes still count.
cp -a "$ROOT" "$TMP/bad"
if [ -f "$TMP/bad/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4" ]; then
	head -c 100 "$ROOT/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4" \
		>"$TMP/bad/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"
	expect_exit "a truncated lz4 index" 0 "$WARD" --json upgrades --root "$TMP/bad"
	expect_match "is named in a warning" "$ERR" "warning: '.*bookworm_main_binary-amd64_Packages.lz4' is damaged"
	expect_match "and the security upgrades are still there" "$(printf '%s' "$OUT" | jq -r '[.upgrades[].name] | join(" ")')" "libssl3"
fi
printf 'not gzip at all' >"$TMP/bad/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.gz"
: >"$TMP/bad/var/lib/apt/lists/x_dists_y_main_binary-amd64_Packages.xz"
expect_exit "a corrupt gz index and an xz one" 0 "$WARD" --json upgrades --root "$TMP/bad"
expect_match "the gz one is named" "$ERR" "Packages.gz' is damaged"
expect_match "xz is not read, and says so" "$ERR" "Packages.xz' is compressed in a way Ward does not read"
rm -rf "$TMP/bad/var/lib/apt/lists"
expect_exit "no apt lists at all" 0 "$WARD" --json upgrades --root "$TMP/bad"
expect_eq "gives no upgrades" "$(printf '%s' "$OUT" | jq -c .counts)" '{"upgrades":0,"security":0,"held":0}'

# --- restart needs ---
expect_exit "ward needrestart on the fixture" 0 "$WARD" --json needrestart --root "$ROOT"
printf '%s\n' "$OUT" >"$TMP/nr.json"
expect_eq "a reboot is needed" "$(jq -c '[.reboot_required, .reasons]' "$TMP/nr.json")" \
	'[true,["/run/reboot-required exists","kernel 6.1.0-29-amd64 is installed, 6.1.0-28-amd64 is running"]]'
expect_eq "for the packages reboot-required.pkgs names" "$(jq -c .packages "$TMP/nr.json")" '["libssl3","linux-image-6.1.0-29-amd64"]'
expect_eq "kernels" "$(jq -c .kernel "$TMP/nr.json")" '{"running":"6.1.0-28-amd64","newest_installed":"6.1.0-29-amd64"}'
expect_eq "services using deleted libraries, by unit" "$(jq -c .services "$TMP/nr.json")" \
	'[{"unit":"nginx.service","pids":[4242,4243],"libraries":["/usr/lib/x86_64-linux-gnu/libssl.so.3","/usr/lib/x86_64-linux-gnu/libcrypto.so.3"]}]'
rm "$ROOT/run/reboot-required" "$ROOT/boot/vmlinuz-6.1.0-29-amd64"
expect_exit "after the reboot" 0 "$WARD" needrestart --root "$ROOT"
expect_match "no reboot needed" "$OUT" "reboot required: no"
expect_match "and the service is still named" "$OUT" "nginx\.service +4242, 4243 +/usr/lib/x86_64-linux-gnu/libssl\.so\.3, "
# A kernel the machine did not boot from this /boot (a container) says nothing.
echo 5.15.0-1-cloud >"$ROOT/proc/sys/kernel/osrelease"
: >"$ROOT/boot/vmlinuz-6.1.0-29-amd64"
expect_exit "a kernel from elsewhere" 0 "$WARD" --json needrestart --root "$ROOT"
expect_eq "is no reason to reboot" "$(printf '%s' "$OUT" | jq -c '[.reboot_required, .kernel.running]')" '[false,"5.15.0-1-cloud"]'
expect_exit "needrestart on this machine" 0 "$WARD" --json needrestart
expect_eq "reports the running kernel" "$(printf '%s' "$OUT" | jq -r .kernel.running)" "$(uname -r)"

# --- the agent reports them with the inventory ---
D=$(new_data)
start_ward "$D"
AROOT=$TMP/agent-root
cp -a "$FIXTURE" "$AROOT"
expect_exit "enroll-token" 0 "$WARD" --data "$D" host enroll-token --expires 1h
tok=$(printf '%s' "$OUT" | head -1)
expect_exit "enroll" 0 "$WARD" agent enroll --server "$URL" --token "$tok" --state "$TMP/state" --hostname fx1
expect_exit "first report" 0 "$WARD" agent run --once --root "$AROOT" --state "$TMP/state"
expect_exit "host show --json" 0 "$WARD" --data "$D" --json host show fx1
expect_eq "the summary: upgrades, reboot, services to restart" \
	"$(printf '%s' "$OUT" | jq -c '[.upgrades.upgrades, .upgrades.security, .upgrades.held, .reboot_required, .restart_services]')" \
	'[13,5,5,true,1]'
expect_eq "the facts: upgrades as ward upgrades gives them" \
	"$(printf '%s' "$OUT" | jq -c '[.facts.upgrades.upgrades[] | select(.security) | .name]')" \
	'["libc6","libc6","libfoo1","libssl3","python3-idna"]'
expect_eq "and the restart needs" "$(printf '%s' "$OUT" | jq -c '.facts.reboot.services[0].unit')" '"nginx.service"'
expect_exit "host show" 0 "$WARD" --data "$D" host show fx1
expect_match "shows the upgrades" "$OUT" "upgrades +13 \(5 security, 5 kept back\)"
expect_match "and the reboot" "$OUT" "reboot_required +yes"
expect_exit "unchanged report" 0 "$WARD" agent run --once --root "$AROOT" --state "$TMP/state"
expect_match "sends no section" "$ERR" "report delivered: 0 section"
expect_eq "the upgrades are cached in the state directory, keyed by their inputs" \
	"$(jq -r '[(.fingerprint | length), (.section.counts.upgrades)] | @tsv' "$TMP/state/upgrades-cache.json")" "64	13"
# apt update brings a new version (the cache must not hide it): history says so.
cat >>"$AROOT/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages" <<'PKG'

Package: curl
Version: 7.88.1-10+deb12u9
Architecture: amd64
Filename: pool/main/c/curl/curl_7.88.1-10+deb12u9_amd64.deb
PKG
expect_exit "next report" 0 "$WARD" agent run --once --root "$AROOT" --state "$TMP/state"
expect_match "only the upgrades section is sent" "$ERR" "report delivered: 1 section"
expect_eq "history: the new upgrade" \
	"$("$WARD" --data "$D" --json host history fx1 | jq -c '[.[] | select(.kind | startswith("upgrade")) | [.kind, .subject, .new]]')" \
	'[["upgrade.available","curl:amd64","7.88.1-10+deb12u9"]]'
expect_eq "and the activity log" "$("$WARD" --data "$D" --json log list --action host.upgrade_available | jq length)" 1
expect_eq "counts follow" "$("$WARD" --data "$D" --json host show fx1 | jq -c '.upgrades | [.upgrades, .security, .held]')" '[14,6,5]'

finish
