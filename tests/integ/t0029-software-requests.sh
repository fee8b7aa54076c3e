#!/usr/bin/env bash
# Software requests end to end: the catalogue, an employee's request through the API,
# roles (someone else's machine, an item not offered to them, approving), approval,
# a real agent installing a real .deb from a file:// apt repository in a throwaway
# root (an overlay over / in a private mount namespace), the ticket resolved with the
# installed version; a package that does not exist failing into an internal note and
# tier 2; a rejection. The machine running the test never gets the package.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null || ! command -v dpkg-deb >/dev/null ||
	! command -v apt-get >/dev/null; then
	echo "skipped: needs root, a private mount namespace, dpkg-deb and apt-get"
	exit 77
fi
PKG=ward-reqpkg
if dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -q installed; then
	echo "skipped: $PKG is installed on this machine already"
	exit 77
fi

# --- a tiny package in a flat file:// repository ---
REPO=$TMP/repo
chmod 755 "$TMP" # apt fetches as _apt
mkdir -p "$TMP/pkg/DEBIAN" "$TMP/pkg/usr/share/$PKG" "$REPO"
cat >"$TMP/pkg/DEBIAN/control" <<EOF
Package: $PKG
Version: 1.0
Architecture: all
Maintainer: Ward tests <tests@ward.invalid>
Description: a package Ward's tests install in a throwaway root
EOF
echo "installed by ward" >"$TMP/pkg/usr/share/$PKG/hello"
dpkg-deb --root-owner-group -Zgzip --build "$TMP/pkg" "$REPO/${PKG}_1.0_all.deb" >/dev/null
{
	dpkg-deb -f "$REPO/${PKG}_1.0_all.deb"
	echo "Filename: ./${PKG}_1.0_all.deb"
	echo "Size: $(stat -c %s "$REPO/${PKG}_1.0_all.deb")"
	echo "SHA256: $(sha256sum "$REPO/${PKG}_1.0_all.deb" | cut -d' ' -f1)"
	echo
} >"$REPO/Packages"

# --- the throwaway root: / under an overlay, apt pointed only at the repository ---
mkdir -p "$TMP/upper" "$TMP/work" "$TMP/merged"
# in_root CMD...: runs CMD chrooted in the overlay, in mount and UTS namespaces of its
# own (the machine is called pc-alice there).
in_root() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m -u sh -c 'hostname pc-alice && mount --make-rprivate / &&
		mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$1/merged" &&
		mount --bind /dev "$1/merged/dev" && mount -t proc proc "$1/merged/proc" &&
		M=$1/merged && shift && exec chroot "$M" "$@"' sh "$TMP" "$@"
}
in_root sh -c "echo pc-alice >/etc/hostname && rm -f /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] file:$REPO ./' >/etc/apt/sources.list" ||
	{ echo "cannot set up the throwaway root" >&2; exit 1; }
expect_eq "the root's apt knows only the repository" "$(in_root sh -c 'cat /etc/apt/sources.list; ls /etc/apt/sources.list.d | wc -l')" \
	"deb [trusted=yes] file:$REPO ./
0"

# --- people, machines, the catalogue ---
D=$(new_data)
for u in alice:employee bob:employee sam:support; do
	printf '%s password\n' "${u%%:*}" >"$TMP/${u%%:*}.pw"
	"$WARD" --data "$D" user add "${u%%:*}" --role "${u#*:}" --password-file "$TMP/${u%%:*}.pw" >/dev/null
done
tok() { "$WARD" --data "$D" token create "t-$1" --user "$1" | head -1; }
ALICE=$(tok alice) BOB=$(tok bob) SAM=$(tok sam)
start_ward "$D"
as() { local t=$1; shift; api "$@" -H "Authorization: Bearer $t" -H 'Content-Type: application/json'; }
STATE=$TMP/state
agent() { in_root "$WARD" agent "$@" --state "$STATE"; }
etok=$("$WARD" --data "$D" host enroll-token --uses 2 | head -1)
expect_exit "agent enrolls from the root" 0 agent enroll --server "$URL" --token "$etok" --hostname pc-alice
expect_exit "bob's machine enrolls" 0 "$WARD" agent enroll --server "$URL" --token "$etok" --hostname pc-bob --state "$TMP/state-bob"
expect_exit "the agent reports" 0 agent run --once
"$WARD" --data "$D" host set pc-alice --owner alice >/dev/null
"$WARD" --data "$D" host set pc-bob --owner bob >/dev/null

expect_exit "catalog add" 0 "$WARD" --data "$D" catalog add reqpkg --description "The request test package" --package "$PKG"
expect_exit "an item for bob only" 0 "$WARD" --data "$D" catalog add bobtool --description "Bob's tool" --package "$PKG" --allow users:bob
expect_exit "an item without approval" 0 "$WARD" --data "$D" catalog add ghost --description "Not in any repository" --package ward-nosuchpkg --no-approval
expect_exit "a bad package name" 1 "$WARD" --data "$D" catalog add bad --description x --package '-oAPT::Foo'
expect_match "says why" "$ERR" "package name '-oAPT::Foo' is not valid"
expect_exit "a taken name" 1 "$WARD" --data "$D" catalog add reqpkg --description x --package "$PKG"
expect_eq "catalog list --json" "$("$WARD" --data "$D" --json catalog list | jq -c '[.[] | [.name, .approval, .allow]]')" \
	'[["bobtool",true,"users"],["ghost",false,"all"],["reqpkg",true,"all"]]'
as "$ALICE" POST /api/v1/catalog -d '{"name":"x","description":"x","packages":["x1"]}'
expect_eq "an employee cannot add items" "$STATUS" 403

# --- an employee's view and request ---
as "$ALICE" GET /api/v1/catalog
expect_eq "alice sees what she may request, and her machine" "$(printf '%s' "$BODY" | jq -c '[[.items[].name], [.machines[].name]]')" \
	'[["ghost","reqpkg"],["pc-alice"]]'
as "$ALICE" GET /api/v1/catalog/bobtool
expect_eq "an item not offered to her is 404" "$STATUS" 404
as "$ALICE" POST /api/v1/software-requests -d '{"item":"bobtool"}'
expect_eq "nor can she request it" "$STATUS" 403
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg","host":"pc-bob"}'
expect_eq "not for bob's machine" "$STATUS" 404
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg","requester":"bob"}'
expect_eq "not for bob" "$STATUS" 403
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg","bogus":1}'
expect_eq "unknown fields refused" "$STATUS" 400
expect_eq "nothing was filed" "$(sqlite3 "$D/ward.db" 'SELECT count(*) FROM catalog_requests; SELECT count(*) FROM tickets' | tr '\n' ' ')" "0 0 "
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg","note":"for the report"}'
expect_eq "alice requests it for her only machine" "$STATUS" 201
R=$(printf '%s' "$BODY" | jq -r .request.id)
N=$(printf '%s' "$BODY" | jq -r .request.ticket)
expect_eq "pending, on pc-alice" "$(printf '%s' "$BODY" | jq -c '[.request.status, .request.host, .request.requester]')" '["pending","pc-alice","alice"]'
as "$ALICE" GET "/api/v1/tickets/$N"
expect_eq "a ticket for her, about the machine" "$(printf '%s' "$BODY" | jq -c '[.ticket.category, .ticket.host, .ticket.requester, .ticket.status]')" \
	'["software request","pc-alice","alice","new"]'
expect_match "the ticket says what and why" "$(printf '%s' "$BODY" | jq -r .ticket.description)" 'for the report'
as "$BOB" GET "/api/v1/software-requests/$R"
expect_eq "bob cannot see it" "$STATUS" 404
as "$ALICE" POST "/api/v1/software-requests/$R/approve" -d '{}'
expect_eq "alice cannot approve" "$STATUS" 403

# --- approval, the install in the root ---
as "$SAM" GET "/api/v1/software-requests?ticket=$N"
expect_eq "support finds it by ticket" "$(printf '%s' "$BODY" | jq -c '[.requests[].id]')" "[$R]"
as "$SAM" POST "/api/v1/software-requests/$R/approve" -d '{"note":"ok for finance"}'
expect_eq "support approves" "$STATUS" 200
JOB=$(printf '%s' "$BODY" | jq -r .request.job)
expect_eq "installing through a job" "$(printf '%s' "$BODY" | jq -c '[.request.status, .request.decided_by]')" '["installing","sam"]'
expect_eq "an install job with the packages" "$("$WARD" --data "$D" --json job show "$JOB" | jq -c '[.kind, .params.packages]')" \
	"[\"install\",[{\"name\":\"$PKG\"}]]"
as "$SAM" POST "/api/v1/software-requests/$R/approve" -d '{}'
expect_eq "approving twice is refused" "$STATUS" 400
expect_exit "the agent runs the install" 0 agent run --once
as "$ALICE" GET "/api/v1/software-requests/$R"
expect_eq "installed, with the version" "$(printf '%s' "$BODY" | jq -c '[.request.status, .request.result.installed]')" \
	"[\"installed\",[{\"name\":\"$PKG\",\"version\":\"1.0\"}]]"
as "$ALICE" GET "/api/v1/tickets/$N"
expect_eq "the ticket is resolved" "$(printf '%s' "$BODY" | jq -r .ticket.status)" resolved
expect_eq "the resolution names the version" "$(printf '%s' "$BODY" | jq -r .ticket.resolution)" "Installed on pc-alice: $PKG 1.0."
replies=$(printf '%s' "$BODY" | jq -c '[.ticket.timeline[] | select(.kind == "reply") | .body]')
expect_eq "the approval and the result are public replies" "$(printf '%s' "$replies" | jq -c --arg a "Approved: installing $PKG on pc-alice (job $JOB)." \
	'[(.[0] | startswith($a)), (.[0] | endswith("ok for finance")), .[1]]')" "[true,true,\"Installed on pc-alice: $PKG 1.0.\"]"
expect_eq "installed in the root" "$(in_root dpkg-query -W -f='${Version} ${db:Status-Status}' "$PKG")" "1.0 installed"
expect_eq "its file is there" "$(in_root cat "/usr/share/$PKG/hello")" "installed by ward"
expect_match "not on this machine" "$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>&1)" 'no packages found|not-installed'
expect_eq "nor its file" "$(test -e "/usr/share/$PKG" && echo yes || echo no)" no
expect_match "apt's output kept in the job" "$("$WARD" --data "$D" --json job show "$JOB" | jq -r .output)" "Setting up $PKG \\(1.0\\)"

# --- a package that does not exist: an internal note, tier 2 ---
as "$ALICE" POST /api/v1/software-requests -d '{"item":"ghost"}'
expect_eq "no approval needed: installing at once" "$(printf '%s' "$BODY" | jq -c '[.request.status, .request.decided_by]')" '["installing","system"]'
R2=$(printf '%s' "$BODY" | jq -r .request.id)
N2=$(printf '%s' "$BODY" | jq -r .request.ticket)
expect_exit "the agent tries" 0 agent run --once
as "$SAM" GET "/api/v1/tickets/$N2"
expect_eq "the ticket stays open and goes to tier 2" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, .ticket.tier]')" '["open",2]'
note=$(printf '%s' "$BODY" | jq -r '.ticket.timeline[] | select(.kind == "note" and .public == false) | .body')
expect_match "an internal note says what failed" "$note" '^Installing ghost on pc-alice failed \(job [0-9]+, failed\)'
expect_match "with apt's output" "$note" '^E: Unable to locate package ward-nosuchpkg$'
expect_match "the escalation says why" "$(printf '%s' "$BODY" | jq -r '.ticket.timeline[] | select(.kind == "escalate") | .body')" 'installation of ghost failed'
as "$ALICE" GET "/api/v1/tickets/$N2"
expect_eq "alice sees no internal note" "$(printf '%s' "$BODY" | jq '[.ticket.timeline[] | select(.kind == "note")] | length')" 0
expect_eq "request failed" "$("$WARD" --data "$D" --json request show "$R2" | jq -r .status)" failed

# --- a rejection ---
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg"}'
R3=$(printf '%s' "$BODY" | jq -r .request.id)
N3=$(printf '%s' "$BODY" | jq -r .request.ticket)
as "$SAM" POST "/api/v1/software-requests/$R3/reject" -d '{}'
expect_eq "a rejection needs a reason" "$STATUS" 400
as "$SAM" POST "/api/v1/software-requests/$R3/reject" -d '{"reason":"You have it already."}'
expect_eq "support rejects" "$(printf '%s' "$STATUS $BODY" | jq -Rr 'split(" ")[0]')/$(printf '%s' "$BODY" | jq -r .request.status)" "200/rejected"
as "$ALICE" GET "/api/v1/tickets/$N3"
expect_eq "the reason is a public reply, the ticket resolved" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, ([.ticket.timeline[] | select(.kind == "reply") | .body] | last)]')" \
	'["resolved","You have it already."]'

# --- the CLI and the activity log ---
expect_eq "request list" "$("$WARD" --data "$D" --json request list | jq -c '[.[] | .status]')" '["rejected","failed","installed"]'
expect_eq "request list --status open" "$("$WARD" --data "$D" --json request list --status open | jq -c '[.[].id]')" "[$R2]"
expect_exit "reject from the CLI needs --reason" 2 "$WARD" --data "$D" request reject "$R2"
expect_exit "a failed request is retried" 0 "$WARD" --data "$D" request approve "$R2"
expect_match "as installing again" "$OUT" 'status +installing'
expect_eq "every step logged" "$("$WARD" --data "$D" --json log list --action 'catalog.*' --limit 100 | jq -r '[.[].action] | reverse | join(" ")')" \
	"catalog.add catalog.add catalog.add catalog.request catalog.approve catalog.installed catalog.request catalog.approve catalog.install_failed catalog.request catalog.reject catalog.retry"
expect_exit "the log verifies" 0 "$WARD" --data "$D" log verify
expect_exit "the CLI files for a user" 0 "$WARD" --data "$D" --json request add bobtool --requester bob --note "for the audit"
expect_eq "on the user's machine, as the user" "$(printf '%s' "$OUT" | jq -c '[.status, .host, .requester]')" '["pending","pc-bob","bob"]'
RB=$(printf '%s' "$OUT" | jq -r .id)
expect_exit "approved from the CLI" 0 "$WARD" --data "$D" --json request approve "$RB"
JB=$(printf '%s' "$OUT" | jq -r .job)
expect_exit "not again while its job waits" 1 "$WARD" --data "$D" request approve "$RB"
sqlite3 "$D/ward.db" "UPDATE jobs SET expires_at = 1 WHERE id = $JB"
expect_exit "but once the job expired unfetched (pc-bob never polled)" 0 "$WARD" --data "$D" --json request approve "$RB"
expect_match "with a new job" "$(printf '%s' "$OUT" | jq -r '.status + " " + (.job | tostring)')" "^installing $((JB + 1))$"
expect_exit "not for a user the item is not offered to" 1 "$WARD" --data "$D" request add bobtool --requester alice
expect_match "says so" "$ERR" "catalogue item 'bobtool' is not offered to alice"
expect_exit "the CLI needs the requester" 2 "$WARD" --data "$D" request add bobtool
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg","requester":"alice"}'
expect_eq "an employee naming herself files for herself" "$STATUS $(printf '%s' "$BODY" | jq -r .request.requester)" "201 alice"
expect_exit "catalog remove" 0 "$WARD" --data "$D" catalog remove reqpkg
expect_eq "its requests keep its name" "$("$WARD" --data "$D" --json request show "$R" | jq -r .item)" reqpkg
as "$ALICE" POST /api/v1/software-requests -d '{"item":"reqpkg"}'
expect_eq "a removed item cannot be requested" "$STATUS" 404

finish
