#!/usr/bin/env bash
# t0023-vuln.sh: ward vuln on tests/fixtures/vuln: the tracker's JSON and OSV files
# imported (and in the activity log), a truncated or malformed feed refused with the
# previous data kept, ward vuln check --root on a fixture machine giving every status
# (matched by source package and source version, an upgrade on hand that fixes one,
# the release's end of life), ward vuln show, and ward vuln list over hosts an agent
# reported to a server, with its filters.
. "$(dirname "$0")/lib.sh"

FX=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/fixtures/vuln
ROOT=$FX/root

# lib.sh's expect_match pipes printf into grep -q, which may exit before printf is done
# with a long table: pipefail then fails a match that succeeded. A here-string cannot.
expect_match() {
	if grep -qE -- "$3" <<<"$2"; then pass "$1"; else fail "$1: '$2' does not match /$3/"; fi
}

D=$(new_data)

# --- nothing imported yet ---
expect_exit "check before any import fails" 1 "$WARD" --data "$D" vuln check --root "$ROOT"
expect_match "and says to import" "$ERR" "no vulnerability data imported: run 'ward vuln import FILE' first"

# --- import ---
expect_exit "import the tracker's JSON" 0 "$WARD" --data "$D" --json vuln import "$FX/tracker.json"
expect_eq "its counts" "$(printf '%s' "$OUT" | jq -c '[.feed, .format, .issues, .entries]')" \
	'["debian-tracker","tracker",12,13]'
expect_exit "import an OSV directory" 0 "$WARD" --data "$D" --json vuln import "$FX/osv"
expect_eq "its counts, the npm package skipped" "$(printf '%s' "$OUT" | jq -c '[.feed, .format, .issues, .entries, .skipped]')" \
	'["osv","osv",4,5,1]'
expect_exit "feeds" 0 "$WARD" --data "$D" --json vuln feeds
expect_eq "two feeds" "$(printf '%s' "$OUT" | jq -c '[.[] | [.feed, .issues]]')" '[["debian-tracker",12],["osv",4]]'
expect_exit "log list" 0 "$WARD" --data "$D" --json log list
expect_eq "imports are in the activity log" "$(printf '%s' "$OUT" | jq -c '[.[] | select(.action == "vuln.import") | .object] | sort')" \
	'["debian-tracker","osv"]'

# --- check on the fixture machine ---
expect_exit "check --root" 0 "$WARD" --data "$D" --json vuln check --root "$ROOT"
printf '%s' "$OUT" >"$TMP/check.json"
got=$(jq -r '.findings[] | "\(.source) \(.version) \(.cve) \(.status) \(.fixed // "-") \(.upgrade_fixes)"' "$TMP/check.json")
want="bash 5.2.15-2 CVE-2024-0005 unfixed - null
bash 5.2.15-2 CVE-2024-0007 will-not-fix - null
bash 5.2.15-2 CVE-2024-0008 unfixed - null
bash 5.2.15-2 CVE-2024-0009 unfixed - null
bash 5.2.15-2 CVE-2024-0020 fixed-available 5.2.15-3 false
bash 5.2.15-2 CVE-2024-0022 unfixed - null
curl 7.88.1-10+deb12u5 CVE-2024-0002 fixed-available 7.88.1-10+deb12u8 false
openssl 3.0.11-1~deb12u2 CVE-2024-0001 fixed-available 3.0.13-1~deb12u1 true
util-linux 2.38.1-5+deb12u3 CVE-2024-0006 fixed-available 2.38.1-5+deb12u4 false
zlib 1:1.2.13.dfsg-1 CVE-2024-0011 end-of-life - null"
expect_eq "every status, by source package and source version" "$got" "$want"
expect_eq "the counts" "$(jq -c .counts "$TMP/check.json")" \
	'{"fixed-available":4,"unfixed":4,"will-not-fix":1,"end-of-life":1,"upgrade-fixes":1}'
expect_eq "binaries grouped under their source" "$(jq -c '[.findings[] | select(.source == "curl") | .binaries][0]' "$TMP/check.json")" \
	'["curl","libcurl4"]'
expect_eq "scope and urgency kept" "$(jq -c '[.findings[] | select(.cve == "CVE-2024-0001") | .scope, .urgency]' "$TMP/check.json")" \
	'["remote","high"]'
expect_eq "not reported: not-affected, other releases, removed packages, other distributions" \
	"$(jq -c '[.findings[] | select(.cve | test("000[34]|0012|0013|0021|0023"))] | length' "$TMP/check.json")" 0
expect_eq "the release's end of life" "$(jq -c '[.eol.status, .eol.eol, .eol.extended["eol-lts"]]' "$TMP/check.json")" \
	'["extended","2024-06-10","2099-06-30"]'
expect_eq "the release matched" "$(jq -c .release "$TMP/check.json")" '["bookworm","12"]'
expect_exit "check --status" 0 "$WARD" --data "$D" --json vuln check --root "$ROOT" --status fixed-available
expect_eq "only that status" "$(printf '%s' "$OUT" | jq -c '[.findings[].status] | unique')" '["fixed-available"]'
expect_exit "check --urgency" 0 "$WARD" --data "$D" --json vuln check --root "$ROOT" --urgency high
expect_eq "only that urgency" "$(printf '%s' "$OUT" | jq -c '[.findings[].cve]')" '["CVE-2024-0001"]'
expect_exit "check --status bad" 2 "$WARD" --data "$D" vuln check --root "$ROOT" --status vulnerable
expect_match "names the statuses" "$ERR" "unknown status 'vulnerable'"
expect_exit "check as a table" 0 "$WARD" --data "$D" vuln check --root "$ROOT"
expect_match "the end of life line" "$OUT" "debian bookworm reached its end of life on 2024-06-10"
expect_match "a row" "$OUT" "openssl +3.0.11-1~deb12u2 +CVE-2024-0001 +fixed-available +high +remote +3.0.13-1~deb12u1 +yes"
expect_match "the summary" "$OUT" "4 fixed-available, 4 unfixed, 1 will-not-fix, 1 end-of-life"
expect_exit "check on a missing root" 1 "$WARD" --data "$D" vuln check --root "$TMP/nowhere"

# --- an Ubuntu machine: OSV in a feed of its own, matched by VERSION_ID ---
expect_exit "import Ubuntu OSV into its own feed" 0 "$WARD" --data "$D" --json vuln import --feed ubuntu-osv \
	"$FX/osv-ubuntu/UBUNTU-CVE-2024-0030.json"
expect_eq "its counts" "$(printf '%s' "$OUT" | jq -c '[.feed, .issues, .entries]')" '["ubuntu-osv",1,2]'
UROOT=$(dirname "$FX")/ubuntu2204
expect_exit "check an Ubuntu 22.04 tree" 0 "$WARD" --data "$D" --json vuln check --root "$UROOT" \
	--distro-info "$ROOT/usr/share/distro-info"
expect_eq "curl by its source, for 22.04 only; bash fixed already" \
	"$(printf '%s' "$OUT" | jq -c '[.release, [.findings[] | [.source, .cve, .status, .urgency, .binaries]]]')" \
	'[["jammy","22.04"],[["curl","CVE-2024-0030","fixed-available","medium",["curl","libcurl4"]]]]'
expect_match "no end-of-life data for Ubuntu there is a warning, not a failure" "$ERR" "no end-of-life date"
expect_exit "the Debian machine is untouched by it" 0 "$WARD" --data "$D" --json vuln check --root "$ROOT"
expect_eq "same counts" "$(printf '%s' "$OUT" | jq -c '.counts["fixed-available"]')" 4

# --- show ---
expect_exit "show" 0 "$WARD" --data "$D" --json vuln show CVE-2024-0001
expect_eq "what the feed says" "$(printf '%s' "$OUT" | jq -c '[.scope, .debianbug, [.entries[] | [.release, .fixed]]]')" \
	'["remote",1060001,[["bookworm","3.0.13-1~deb12u1"],["bullseye","1.1.1w-0+deb11u2"]]]'
expect_exit "show an unknown issue" 1 "$WARD" --data "$D" vuln show CVE-1999-0001
expect_match "says so" "$ERR" "no imported feed knows 'CVE-1999-0001'"

# --- refused feeds keep the old data ---
before=$("$WARD" --data "$D" --json vuln show CVE-2024-0011 | jq -c .entries)
expect_exit "a truncated feed is refused" 1 "$WARD" --data "$D" vuln import "$FX/truncated.json"
expect_match "saying so, and that the old data stays" "$ERR" \
	"cannot import '.*truncated.json': the tracker's JSON is truncated at byte [0-9]+.*; the previous data is kept"
expect_exit "a malformed feed is refused" 1 "$WARD" --data "$D" vuln import "$FX/corrupt.json"
expect_match "naming the member" "$ERR" "a release without a status in 'zlib' CVE-2024-0011 bookworm"
expect_exit "a file that is not JSON" 1 "$WARD" --data "$D" vuln import "$FX/root/etc/os-release"
expect_exit "a missing file" 1 "$WARD" --data "$D" vuln import "$TMP/none.json"
expect_match "named" "$ERR" "cannot import '.*none.json': No such file"
printf '{"id": "X", "affected": {}}' >"$TMP/bad-osv.json"
mkdir "$TMP/osvdir" && cp "$FX/osv/more.json" "$TMP/bad-osv.json" "$TMP/osvdir/"
expect_exit "a directory with one bad OSV file is refused" 1 "$WARD" --data "$D" vuln import "$TMP/osvdir"
expect_match "naming the file" "$ERR" "cannot import '.*bad-osv.json': OSV record X: affected is not an array"
expect_exit "feeds after the failures" 0 "$WARD" --data "$D" --json vuln feeds
expect_eq "unchanged" "$(printf '%s' "$OUT" | jq -c '[.[] | [.feed, .issues, .entries]]')" \
	'[["debian-tracker",12,13],["osv",4,5],["ubuntu-osv",1,2]]'
expect_eq "the entries too" "$("$WARD" --data "$D" --json vuln show CVE-2024-0011 | jq -c .entries)" "$before"
expect_exit "check still gives the same" 0 "$WARD" --data "$D" --json vuln check --root "$ROOT"
expect_eq "findings" "$(printf '%s' "$OUT" | jq -c .counts)" '{"fixed-available":4,"unfixed":4,"will-not-fix":1,"end-of-life":1,"upgrade-fixes":1}'

# --- a new import replaces the feed ---
jq 'del(.bash)' "$FX/tracker.json" >"$TMP/smaller.json"
expect_exit "re-import a smaller tracker" 0 "$WARD" --data "$D" --json vuln import "$TMP/smaller.json"
expect_eq "the feed replaced, not added to" "$(printf '%s' "$OUT" | jq -c '[.issues, .entries]')" '[8,9]'
expect_exit "check after it" 0 "$WARD" --data "$D" --json vuln check --root "$ROOT"
expect_eq "bash's tracker issues gone, its OSV ones kept" \
	"$(printf '%s' "$OUT" | jq -c '[.findings[] | select(.source == "bash") | .cve]')" '["CVE-2024-0020","CVE-2024-0022"]'
expect_exit "import the full tracker again" 0 "$WARD" --data "$D" vuln import "$FX/tracker.json"
expect_exit "usage: two files" 2 "$WARD" --data "$D" vuln import a b
expect_exit "usage: bad format" 1 "$WARD" --data "$D" vuln import --format xml "$FX/tracker.json"

# --- the fleet ---
start_ward "$D"
AROOT=$TMP/agent-root
cp -a "$ROOT" "$AROOT"
expect_exit "enroll-token" 0 "$WARD" --data "$D" host enroll-token --expires 1h --uses 2
tok=$(printf '%s' "$OUT" | head -1)
expect_exit "enroll" 0 "$WARD" agent enroll --server "$URL" --token "$tok" --state "$TMP/state" --hostname vulnbox
expect_exit "report" 0 "$WARD" agent run --once --root "$AROOT" --state "$TMP/state"
expect_exit "vuln list" 0 "$WARD" --data "$D" --json vuln list --distro-info "$ROOT/usr/share/distro-info"
expect_eq "the host's findings as check gives them" \
	"$(printf '%s' "$OUT" | jq -r '.[0].findings[] | "\(.source) \(.version) \(.cve) \(.status) \(.fixed // "-") \(.upgrade_fixes)"')" "$want"
expect_eq "its name and end of life" "$(printf '%s' "$OUT" | jq -c '[.[0].host, .[0].eol.status]')" '["vulnbox","extended"]'
expect_exit "vuln list --cve" 0 "$WARD" --data "$D" --json vuln list --cve CVE-2024-0006
expect_eq "one finding" "$(printf '%s' "$OUT" | jq -c '[.[].findings[] | [.source, .binaries]]')" '[["util-linux",["bsdutils"]]]'
expect_exit "vuln list --host --urgency" 0 "$WARD" --data "$D" --json vuln list --host vulnbox --urgency medium
expect_eq "the medium ones" "$(printf '%s' "$OUT" | jq -c '[.[].findings[].cve]')" '["CVE-2024-0020","CVE-2024-0002","CVE-2024-0006"]'
expect_exit "vuln list --host unknown" 1 "$WARD" --data "$D" vuln list --host nosuch
expect_match "says so" "$ERR" "no host 'nosuch'"
expect_exit "vuln list as a table" 0 "$WARD" --data "$D" vuln list --distro-info "$ROOT/usr/share/distro-info"
expect_match "a row" "$OUT" "vulnbox +zlib +1:1.2.13.dfsg-1 +CVE-2024-0011 +end-of-life"
expect_match "the count" "$OUT" "10 finding\(s\) on 1 host\(s\)"
expect_match "the end of life line" "$OUT" "vulnbox: debian bookworm reached its end of life"
expect_exit "vuln list --summary" 0 "$WARD" --data "$D" vuln list --summary --distro-info "$ROOT/usr/share/distro-info"
expect_match "one line per host with its counts" "$OUT" "vulnbox +4 +1 +4 +1 +1 +extended"
expect_match "and the findings counted" "$OUT" "10 finding\(s\) on 1 host\(s\)"
expect_exit "vuln list --summary --status" 0 "$WARD" --data "$D" vuln list --summary --status unfixed
expect_match "counts what the filter keeps" "$OUT" "4 finding\(s\) on 1 host\(s\)"
expect_exit "vuln list --summary --json" 0 "$WARD" --data "$D" --json vuln list --summary
expect_eq "counts, no findings" "$(printf '%s' "$OUT" | jq -c '[.[0].counts["fixed-available"], .[0].findings]')" '[4,null]'

finish
