#!/usr/bin/env bash
# Crash safety. `ward backup run` and `ward backup prune` killed with SIGKILL at random
# moments of a run that writes ~80 MB of new data into a ~120 MB tree (and prune at each
# of its steps) leave a repository that `check --read-data` accepts, whose stale lock (a
# dead process of this host) the next command clears, and that restores every snapshot
# bit-exact, as does a new backup. A prune started while a backup holds its shared lock
# is refused naming the holder; two backups at once both succeed.
# WARD_CRASH_ROUNDS (20), WARD_CRASH_PRUNE_ROUNDS (4), WARD_CRASH_MB (120, the tree) and
# WARD_CRASH_CHANGE_MB (80, rewritten each round) size it; the backup rounds stop after
# WARD_CRASH_BUDGET seconds (100; 10 rounds at least), the random prune rounds after
# WARD_CRASH_PRUNE_BUDGET (50; 2 at least), for slow machines.
#
# Why those sizes: what a killed run can leave behind depends on what it writes, not on
# what it skips. 80 MB of new, incompressible data is more than two 32 MiB packs
# (WARD_BACKUP_PACK_TARGET), so each of the two workers seals a pack in the middle of the
# run as well as at its end, and a kill can land before, during or after either. The
# unchanged rest of the tree only makes every round's check --read-data, restore and
# comparison slower (the test used 300 MB with a quarter rewritten: the same 75 MB
# written, two and a half times the reading).
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CMP=$SRC/tests/integ/treecmp.py
export WARD_BACKUP_KDF=1:8192
ROUNDS=${WARD_CRASH_ROUNDS:-20}
PRUNE_ROUNDS=${WARD_CRASH_PRUNE_ROUNDS:-4}
BUDGET=${WARD_CRASH_BUDGET:-100}
PRUNE_BUDGET=${WARD_CRASH_PRUNE_BUDGET:-50}
MB=${WARD_CRASH_MB:-120}
CHANGE_MB=${WARD_CRASH_CHANGE_MB:-80}
NFILES=$(( MB / 10 ))
NCHANGE=$(( CHANGE_MB / 10 < NFILES ? CHANGE_MB / 10 : NFILES - 1 ))
printf 'correct horse battery staple\n' >"$TMP/pw"
R=$TMP/repo
T=$TMP/tree
BG=
trap 'for p in $BG; do kill -9 "$p" 2>/dev/null; done; cleanup' EXIT
b() { "$WARD" backup "$@" --repo "$R" --password-file "$TMP/pw"; }
bj() { "$WARD" --json backup "$@" --repo "$R" --password-file "$TMP/pw"; }
# In the background, ward itself (not a subshell) being $!.
bg() { "$WARD" backup "$@" --repo "$R" --password-file "$TMP/pw" & }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# A random time between 0 and $1 seconds.
rand_time() { awk -v d="$1" -v r="$RANDOM" 'BEGIN { printf "%.3f", d * r / 32767 }'; }
# Lock files (64 hex digits) in the repository.
locks() { find "$R/locks" -type f -regextype posix-extended -regex '.*/[0-9a-f]{64}' | wc -l; }

# ~MB of random files, and small ones in folders.
mkdir -p "$T/small/x" "$T/small/y/z"
for i in $(seq 1 "$NFILES"); do head -c 10000000 /dev/urandom >"$T/f$i"; done
for i in $(seq 1 100); do
	seq 1 $(( i * 37 )) >"$T/small/x/s$i"
	printf 'file %d\n' "$i" >"$T/small/y/z/t$i"
done
ln -s ../f1 "$T/small/link"

# Replaces NCHANGE of the big files with new content (new inodes: a copy made with cp -al
# keeps the old ones) and changes a small file.
mutate() {
	local k f
	for k in $(seq 0 $(( NCHANGE - 1 ))); do
		f=$T/f$(( ($1 * 7 + k) % NFILES + 1 ))
		head -c 10000000 /dev/urandom >"$f.new" && mv "$f.new" "$f"
	done
	f=$T/small/x/s$(( $1 % 100 + 1 ))
	{ cat "$f"; printf 'round %d\n' "$1"; } >"$f.new" && mv "$f.new" "$f"
}

# After a crash: check accepts the repository and clears the stale lock; a new backup
# succeeds and restores bit-exact.
after_crash() {
	expect_exit "$1: check --read-data" 0 b check --read-data
	expect_eq "$1: no lock left" "$(locks)" 0
	expect_exit "$1: a new backup" 0 b run "$T"
	rm -rf "$TMP/rs"
	expect_exit "$1: restore" 0 b restore latest --target "$TMP/rs"
	expect_exit "$1: bit-exact" 0 python3 "$CMP" "$T" "$TMP/rs$T"
}

expect_exit "init" 0 "$WARD" backup init --repo "$R" --password-file "$TMP/pw"
expect_exit "a first backup of $MB MB" 0 b run "$T"
mutate 0
start=$(now)
expect_exit "a backup of $(( NCHANGE * 10 )) MB changed, timed" 0 b run "$T"
D=$(since "$start")
echo "# such a run takes $D s"

# --- backups killed at random moments ---
killed=0
stale=0
begin=$(now)
done_rounds=0
for round in $(seq 1 "$ROUNDS"); do
	if [ "$round" -gt 10 ] && [ "$(awk -v s="$(since "$begin")" -v b="$BUDGET" 'BEGIN { print (s > b) }')" = 1 ]; then
		echo "# stopping after $done_rounds rounds: over the time budget of $BUDGET s"
		break
	fi
	done_rounds=$round
	mutate "$round"
	bg run "$T" >/dev/null 2>&1
	pid=$!
	BG=$pid
	sleep "$(rand_time "$D")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	BG=
	[ "$rc" = 137 ] && killed=$(( killed + 1 ))
	# Done before the kill: the timed run was slower than they are (the machine was
	# busier then), so aim within a shorter time from now on.
	[ "$rc" = 0 ] && D=$(awk -v d="$D" 'BEGIN { printf "%.3f", d * 0.75 }')
	[ "$(locks)" -gt 0 ] && stale=$(( stale + 1 ))
	after_crash "backup killed, round $round (exit $rc)"
	# Keep the repository small: prune what the rounds leave (unindexed packs too).
	expect_exit "round $round: forget --prune" 0 b forget --keep-last 2 --prune
done
echo "# $killed of $done_rounds backups were killed while running; $stale left a stale lock"
expect_eq "some backups were killed while running" "$(( killed >= done_rounds / 5 ))" 1
expect_eq "some killed backups left a stale lock to clear" "$(( stale >= 1 ))" 1

# --- prunes killed at random moments, and at each of their steps ---
# Each round starts from one snapshot A of the tree. The tree changes and is backed up
# (X, kept as prev), changes again and is backed up (B); forget keeps X and B, so what
# only A had (the files the first change replaced) goes unused, and prune is killed
# repacking it.
prune_round() {
	expect_exit "prune round $1: one snapshot to start from" 0 b forget --keep-last 1
	mutate "$1"
	expect_exit "prune round $1: backup" 0 b run "$T"
	rm -rf "$TMP/prev"
	cp -al "$T" "$TMP/prev"
	mutate $(( $1 + 1000 ))
	expect_exit "prune round $1: another backup" 0 b run "$T"
	expect_exit "prune round $1: forget" 0 b forget --keep-last 2
}

# After a killed prune: check accepts the repository and clears the stale lock, a new
# backup succeeds, and both snapshots the prune worked on restore bit-exact: the older
# one as prev, the newer as the tree.
after_prune() {
	local old new
	expect_exit "$1: check --read-data" 0 b check --read-data
	expect_eq "$1: no lock left" "$(locks)" 0
	old=$(bj snapshots | jq -r '.[0].id')
	new=$(bj snapshots | jq -r '.[1].id')
	expect_exit "$1: a new backup" 0 b run "$T"
	rm -rf "$TMP/rs"
	expect_exit "$1: restore the older snapshot" 0 b restore "$old" --target "$TMP/rs"
	expect_exit "$1: bit-exact" 0 python3 "$CMP" "$TMP/prev" "$TMP/rs$T"
	rm -rf "$TMP/rs"
	expect_exit "$1: restore the newer snapshot" 0 b restore "$new" --target "$TMP/rs"
	expect_exit "$1: bit-exact" 0 python3 "$CMP" "$T" "$TMP/rs$T"
}

prune_round 100
start=$(now)
expect_exit "a prune, timed" 0 bj prune --max-unused 0%
expect_eq "it had what the first change replaced to repack or delete" \
	"$(printf '%s' "$OUT" | jq --argjson q $(( NCHANGE * 10000000 * 4 / 5 )) '.deleted.bytes + .repacked.dropped_bytes > $q')" true
DP=$(since "$start")
echo "# a prune takes $DP s"
killed=0
begin=$(now)
done_rounds=0
for round in $(seq 101 $(( 100 + PRUNE_ROUNDS ))); do
	if [ "$done_rounds" -ge 2 ] &&
		[ "$(awk -v s="$(since "$begin")" -v b="$PRUNE_BUDGET" 'BEGIN { print (s > b) }')" = 1 ]; then
		echo "# stopping after $done_rounds prune rounds: over the time budget of $PRUNE_BUDGET s"
		break
	fi
	done_rounds=$(( done_rounds + 1 ))
	prune_round "$round"
	bg prune --max-unused 0% >/dev/null 2>&1
	pid=$!
	BG=$pid
	sleep "$(rand_time "$DP")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	BG=
	[ "$rc" = 137 ] && killed=$(( killed + 1 ))
	after_prune "prune killed, round $round (exit $rc)"
done
echo "# $killed of $done_rounds prunes were killed while running"
round=200
for point in repacked indexed index-removed pack-removed; do
	round=$(( round + 1 ))
	prune_round "$round"
	expect_exit "prune killed at '$point'" 137 env WARD_BACKUP_PRUNE_CRASH="$point" \
		"$WARD" backup prune --repo "$R" --password-file "$TMP/pw" --max-unused 0%
	after_prune "killed at '$point'"
done
expect_exit "a prune to the end cleans up what the killed ones left" 0 b prune --max-unused 0%
expect_exit "check --read-data" 0 bj check --read-data
expect_eq "no warnings: no pack left unindexed" "$(printf '%s' "$OUT" | jq '.warnings | length')" 0
expect_eq "packs hold only used blobs" "$(bj prune --dry-run --max-unused 0% | jq -c '[.deleted.packs, .repacked.packs, .unindexed.packs]')" '[0,0,0]'

# --- locks: prune against a running backup, two backups at once ---
mutate 300
find "$T" -type f -exec touch {} +
bg run "$T" --threads 1 >"$TMP/bg.out" 2>&1
pid=$!
BG=$pid
for _ in $(seq 1 500); do
	[ "$(locks)" -gt 0 ] && break
	sleep 0.01
done
expect_exit "prune while a backup runs" 1 b prune
expect_match "is refused naming the holder" "$ERR" "cannot prune: .*locked \(shared\) by pid $pid on host"
expect_exit "forget likewise" 1 b forget --keep-last 1
expect_match "too" "$ERR" "locked \(shared\) by pid $pid"
wait "$pid"
expect_eq "the backup finished" "$?" 0
BG=
find "$T" -type f -exec touch {} +
n=$(bj snapshots | jq length)
bg run "$T" >"$TMP/bg1.out" 2>&1
p1=$!
bg run "$T/small" >"$TMP/bg2.out" 2>&1
p2=$!
BG="$p1 $p2"
wait "$p1"
rc1=$?
wait "$p2"
rc2=$?
BG=
expect_eq "two backups at once both succeed" "$rc1 $rc2" "0 0"
check_sanitizers "$TMP/bg.out"
check_sanitizers "$TMP/bg1.out"
check_sanitizers "$TMP/bg2.out"
expect_eq "with two new snapshots" "$(bj snapshots | jq length)" $(( n + 2 ))
expect_exit "check after them" 0 b check --read-data
rm -rf "$TMP/rs"
expect_exit "restore the first" 0 b restore "$(bj snapshots | jq -r --arg t "$T" '[.[] | select(.paths == [$t])][-1].id')" \
	--target "$TMP/rs"
expect_exit "bit-exact" 0 python3 "$CMP" "$T" "$TMP/rs$T"

# An exclusive lock of a live process of this host holds; once it is gone, it is stale.
sleep 60 &
holder=$!
BG=$holder
printf '{"host":"%s","pid":%d,"exclusive":true,"time":"%s"}' "$(hostname)" "$holder" \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$R/locks/$(printf 'b%.0s' $(seq 1 64))"
expect_exit "a backup against an exclusive lock" 1 b run "$T"
expect_match "is refused naming the holder" "$ERR" "locked \(exclusive\) by pid $holder"
kill -9 "$holder"
wait "$holder" 2>/dev/null
BG=
expect_exit "once its process is gone, the backup runs" 0 b run "$T"
expect_eq "and the stale lock is gone" "$(locks)" 0

finish
