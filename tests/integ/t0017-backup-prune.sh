#!/usr/bin/env bash
# forget, prune, diff and stats: forget keeps what the policy says and refuses to empty a
# group; dry runs change no file in the repository; prune deletes and repacks until no
# unused blob is left, check stays clean and every kept snapshot restores bit-exact;
# diff names what changed; stats add up.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CMP=$SRC/tests/integ/treecmp.py
export WARD_BACKUP_KDF=1:8192
printf 'correct horse battery staple\n' >"$TMP/pw"
R=$TMP/repo
b() { "$WARD" backup "$@" --repo "$R" --password-file "$TMP/pw"; }
bj() { "$WARD" --json backup "$@" --repo "$R" --password-file "$TMP/pw"; }
# Every file of the repository but the locks: name, size, mtime.
listing() { (cd "$R" && find . -path ./locks -prune -o -type f -printf '%p %s %T@\n' | LC_ALL=C sort); }
nsnaps() { bj snapshots | jq length; }
pack_bytes() { find "$R/data" -type f ! -name '*.tmp' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

T=$TMP/tree
mkdir -p "$T/a" "$T/b" "$T/deep/er"
head -c 3000000 /dev/urandom >"$T/a/a1"
head -c 2000000 /dev/urandom >"$T/a/a2"
head -c 4000000 /dev/urandom >"$T/b/b1"
seq 1 100000 >"$T/c.txt"
printf 'x\n' >"$T/deep/er/small"
ln -s a/a2 "$T/link"

expect_exit "init" 0 "$WARD" backup init --repo "$R" --password-file "$TMP/pw"
expect_exit "first backup" 0 b run "$T" --threads 1 --tag first
first=$(bj snapshots | jq -r '.[0].id')

# --- the second snapshot: one file gone, one new, one changed, one chmod-ed ---
rm "$T/a/a1"
mkdir "$T/d"
head -c 5000000 /dev/urandom >"$T/d/d1"
seq 1 100001 >"$T/c.txt"
chmod 0600 "$T/a/a2"
expect_exit "second backup" 0 b run "$T" --threads 1
second=$(bj snapshots | jq -r '.[1].id')

# --- diff ---
expect_exit "diff" 0 b diff "$first" "$second"
expect_match "names the removed file" "$OUT" "^-    $T/a/a1\$"
expect_match "the added folder and file" "$(printf '%s' "$OUT" | grep -c "^+    $T/d/\?d\?1\?/\?$")" '^2$'
expect_match "the modified file, content and time" "$OUT" "^M    $T/c.txt  \(content,mtime\)"
expect_match "a metadata-only change" "$OUT" "^U    $T/a/a2  \(mode\)"
expect_match "and sums up" "$OUT" '1 removed \(2.9 MiB\), 1 modified'
expect_exit "diff --json" 0 bj diff "$first" latest
expect_eq "as JSON" "$(printf '%s' "$OUT" | jq -c --arg p "$T/c.txt" '[.changes[] | select(.path == $p) | .change, .what]')" \
	'["M",["content","mtime"]]'
expect_eq "summary counts" "$(printf '%s' "$OUT" | jq -c '.summary | [.added, .removed, .modified]')" '[2,1,1]'
expect_exit "diff of a snapshot with itself" 0 b diff "$second" "$second"
expect_eq "is empty" "$(printf '%s' "$OUT" | grep -c '^[-+MUT] ')" 0
expect_exit "diff of an unknown snapshot" 1 b diff "$first" ffffffff
expect_exit "diff wants two snapshots" 2 b diff "$first"

# --- stats ---
size=$(find "$T" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
expect_exit "stats of the latest" 0 bj stats latest
expect_eq "restore size is the sum of the file sizes" "$(printf '%s' "$OUT" | jq .restore_size)" "$size"
expect_eq "and counts the files" "$(printf '%s' "$OUT" | jq .files)" "$(find "$T" -type f | wc -l)"
expect_exit "raw stats of every snapshot" 0 bj stats --mode raw
expect_eq "two snapshots" "$(printf '%s' "$OUT" | jq .snapshots)" 2
expect_eq "shared data counted once: dedup above 1" "$(printf '%s' "$OUT" | jq '.dedup_ratio > 1.3')" true
expect_eq "stored bytes are those of the packs, less their headers" \
	"$(printf '%s' "$OUT" | jq --argjson p "$(pack_bytes)" '.stored_size <= $p and .stored_size > $p - 65536')" true
expect_exit "stats in text" 0 b stats --mode raw "${second:0:8}"
expect_match "says the dedup ratio" "$OUT" 'dedup ratio: +1\.[0-9]+'
expect_exit "stats --mode bogus" 2 b stats --mode bogus

# --- forget: the refusals ---
expect_exit "forget without a policy" 2 b forget
expect_match "refuses" "$ERR" 'at least one --keep'
expect_exit "forget --keep-last 0 is no policy" 2 b forget --keep-last 0
expect_exit "a --keep-tag nobody has" 1 b forget --keep-tag nope
expect_match "would empty the group: refused" "$ERR" 'refusing to remove every snapshot'
expect_eq "nothing removed" "$(nsnaps)" 2
expect_exit "a bad count" 2 b forget --keep-last many

# --- forget --dry-run changes nothing ---
before=$(listing)
expect_exit "forget --dry-run" 0 b forget --keep-last 1 --dry-run
expect_match "says what it would remove" "$OUT" 'would remove 1 snapshots'
expect_match "and why it keeps the other" "$OUT" 'last snapshot'
expect_eq "no file changed" "$(listing)" "$before"
expect_exit "forget --dry-run --prune" 0 b forget --keep-last 1 --dry-run --prune
expect_match "plans the prune too" "$OUT" 'dry run: nothing was changed; pruning would free'
expect_eq "still no file changed" "$(listing)" "$before"
expect_exit "--keep-tag first keeps the tagged one" 0 bj forget --keep-last 1 --keep-tag first --dry-run
expect_eq "both kept" "$(printf '%s' "$OUT" | jq '[.groups[].keep[]] | length')" 2
expect_exit "--host of nobody" 0 bj forget --keep-last 1 --host nobody-here
expect_eq "selects nothing" "$(printf '%s' "$OUT" | jq '.removed')" 0

# --- forget ---
expect_exit "forget --keep-last 1" 0 bj forget --keep-last 1
expect_eq "removes the first" "$(printf '%s' "$OUT" | jq -r '.groups[0].remove[0].id')" "$first"
expect_eq "keeps the second, for being the last" \
	"$(printf '%s' "$OUT" | jq -c '.groups[0].keep[0] | [.id, .reasons]')" "[\"$second\",[\"last snapshot\"]]"
expect_eq "one snapshot left" "$(nsnaps)" 1

# --- prune --dry-run changes nothing ---
before=$(listing)
expect_exit "prune --dry-run" 0 bj prune --dry-run
expect_eq "no file changed" "$(listing)" "$before"
expect_eq "plans to delete and repack snapshot 1's packs" "$(printf '%s' "$OUT" | jq '.repacked.packs > 0 and .deleted.bytes + .repacked.dropped_bytes >= 3000000')" true
expect_exit "a bad --max-unused" 2 b prune --max-unused lots
expect_exit "--max-unused over 100%" 2 b prune --max-unused 101%

# --- prune ---
size_before=$(pack_bytes)
mkdir -p "$R/data/00"
printf 'left by a crash' >"$R/data/0123456789abcdef0123456789abcdef.tmp"
expect_exit "prune --max-unused 0%" 0 bj prune --max-unused 0%
expect_eq "freed a1 (3 MB) at least" "$(( size_before - $(pack_bytes) >= 3000000 ))" 1
expect_eq "reports it" "$(printf '%s' "$OUT" | jq '.repacked.dropped_bytes + .deleted.bytes >= 3000000 and .repacked.blobs > 0')" true
expect_eq "and the temporary file it removed" "$(printf '%s' "$OUT" | jq .tmp_removed)" 1
expect_exit "check --read-data" 0 b check --read-data
expect_eq "no warnings: no pack is left unindexed" "$(bj check | jq '.warnings | length')" 0
expect_exit "raw stats" 0 bj stats --mode raw
expect_eq "nothing unused is left: the packs hold only what the snapshot uses" \
	"$(printf '%s' "$OUT" | jq --argjson p "$(pack_bytes)" '.stored_size > $p - 65536')" true
expect_exit "restore after prune" 0 b restore latest --target "$TMP/out1"
expect_exit "bit-exact" 0 python3 "$CMP" "$T" "$TMP/out1$T"
expect_exit "prune again" 0 bj prune --max-unused 0%
expect_eq "has nothing to do" "$(printf '%s' "$OUT" | jq -c '[.deleted.packs, .repacked.packs, .unindexed.packs]')" '[0,0,0]'

# --- forget --prune in one go, and the unused share ---
head -c 6000000 /dev/urandom >"$T/b/b1"
expect_exit "third backup" 0 b run "$T" --threads 1
before=$(pack_bytes)
expect_exit "forget --keep-last 1 --prune --max-unused 100%" 0 b forget --keep-last 1 --prune --max-unused 100%
expect_match "prunes" "$OUT" 'pruned in'
expect_eq "unlimited unused share: nothing repacked, the old b1 stays" "$(( before - $(pack_bytes) < 1000000 ))" 1
expect_exit "prune at 5%" 0 bj prune
expect_eq "the old b1 goes at 5%: its pack is mostly unused" "$(printf '%s' "$OUT" | jq '.repacked.dropped_bytes + .deleted.bytes >= 4000000')" true
expect_exit "check --read-data" 0 b check --read-data
expect_exit "restore" 0 b restore latest --target "$TMP/out2"
expect_exit "bit-exact" 0 python3 "$CMP" "$T" "$TMP/out2$T"

# --- several hosts' groups: each keeps its own ---
expect_exit "a backup of another path set" 0 b run "$T/a" --threads 1
expect_exit "forget --keep-last 1 per group" 0 bj forget --keep-last 1
expect_eq "both groups keep one" "$(printf '%s' "$OUT" | jq '[.groups[] | .keep | length] | add')" 2
expect_eq "two snapshots left" "$(nsnaps)" 2

# --- locks ---
expect_exit "prune needs the exclusive lock" 0 b check
printf '{"host":"%s","pid":%d,"exclusive":false,"time":"%s"}' "$(hostname)" $$ "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	>"$R/locks/$(printf 'a%.0s' $(seq 1 64))"
expect_exit "prune while a live process holds a shared lock" 1 b prune
expect_match "says who holds it" "$ERR" "cannot prune: .*locked \(shared\) by pid $$"
expect_exit "forget likewise" 1 b forget --keep-last 1
expect_match "too" "$ERR" 'locked \(shared\) by pid'
expect_exit "a dry run takes only a shared lock" 0 b prune --dry-run
rm "$R/locks/"*

finish
