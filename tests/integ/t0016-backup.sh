#!/usr/bin/env bash
# Backups round trip bit-exact with their metadata: empty files, a 4 GiB sparse file,
# hard links, symlinks (dangling too), FIFOs, unicode and 255-byte names, a deep tree,
# extended attributes and ACLs; unchanged files are not read again; a wrong password
# is refused; damage is found by check and makes restore fail loudly, never write
# garbage.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CMP=$SRC/tests/integ/treecmp.py
export WARD_BACKUP_KDF=1:8192 # argon2id at test cost; the default is 3 passes over 256 MiB
printf 'correct horse battery staple\n' >"$TMP/pw"
printf 'wrong\n' >"$TMP/bad"
R=$TMP/repo
b() { "$WARD" backup "$@" --repo "$R" --password-file "$TMP/pw"; }
bj() { "$WARD" --json backup "$@" --repo "$R" --password-file "$TMP/pw"; }

T=$TMP/tree
mkdir -p "$T/docs/sub" "$T/empty-dir"
: >"$T/empty"
printf 'hello\n' >"$T/docs/a.txt"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$T/random.bin"
seq 1 200000 >"$T/docs/numbers.txt"
truncate -s 4G "$T/sparse.img"
printf 'start' | dd of="$T/sparse.img" conv=notrunc status=none
printf 'middle' | dd of="$T/sparse.img" bs=1 seek=$((2 * 1024 * 1024 * 1024)) conv=notrunc status=none
ln "$T/docs/a.txt" "$T/docs/sub/hard1"
ln "$T/docs/a.txt" "$T/hard2"
ln -s ../a.txt "$T/docs/sub/rel-link"
ln -s /etc/hostname "$T/abs-link"
ln -s does/not/exist "$T/dangling"
mkfifo "$T/fifo"
printf 'unicode\n' >"$T/Ünïcödé — 日本語.txt"
long=$(printf 'n%.0s' $(seq 1 255))
printf 'long\n' >"$T/docs/$long"
d=$T/deep
for i in $(seq 1 100); do d=$d/level$i; done
mkdir -p "$d" && printf 'bottom\n' >"$d/file"
chmod 0600 "$T/docs/a.txt"
chmod 2775 "$T/docs/sub"
chmod 1777 "$T/empty-dir"
# Modes and owners a restored file is not created with (restore.c sets them at the end).
for m in 4755 2711 0666 0444 0000; do printf 'mode %s\n' "$m" >"$T/docs/mode-$m" && chmod "$m" "$T/docs/mode-$m"; done
if [ "$(id -u)" = 0 ]; then
	printf 'owned\n' >"$T/docs/owned" && chown 65534:65534 "$T/docs/owned" && chmod 0640 "$T/docs/owned"
fi
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.note", b"kept \x00 binary"); os.setxattr(sys.argv[2], "user.empty", b"")' \
	"$T/random.bin" "$T/empty"
setfacl -m u:nobody:rw "$T/docs/numbers.txt"
setfacl -d -m g:nogroup:r "$T/docs"
touch -h -d '2001-02-03 04:05:06.123456789' "$T/dangling"
touch -d '1999-12-31 23:59:59.987654321' "$T/docs/numbers.txt"

# --- init, passwords ---
expect_exit "init" 0 "$WARD" backup init --repo "$R" --password-file "$TMP/pw"
expect_exit "init again refused" 1 "$WARD" backup init --repo "$R" --password-file "$TMP/pw"
expect_exit "wrong password" 1 "$WARD" backup snapshots --repo "$R" --password-file "$TMP/bad"
expect_match "says so" "$ERR" 'wrong password'
expect_exit "no password" 1 env -u WARD_BACKUP_PASSWORD "$WARD" backup snapshots --repo "$R"

# --- the round trip ---
expect_exit "first backup" 0 b run "$T" --tag first
expect_match "counted every file" "$OUT" 'files: [12][0-9] new, 0 changed, 0 unchanged'
expect_eq "one snapshot" "$(bj snapshots | jq 'length')" 1
expect_exit "restore" 0 b restore latest --target "$TMP/out1"
expect_exit "bit-exact with metadata, holes, links and ACLs" 0 python3 "$CMP" "$T" "$TMP/out1$T"
expect_eq "the sparse file is still sparse" "$(( $(stat -c %b "$TMP/out1$T/sparse.img") * 512 < 1024 * 1024 ))" 1
expect_eq "a 4 GiB file of holes stores almost nothing" "$(( $(du -sb "$R" | cut -f1) < 20 * 1024 * 1024 ))" 1

# On a terminal the run shows a progress line (its own thread, and a scanner for the
# ETA): it must not take a wake-up meant for a worker and hang the backup.
expect_exit "a backup with the progress line on a terminal" 0 timeout 120 script -qec \
	"'$WARD' backup run '$T' --repo '$R' --password-file '$TMP/pw'" /dev/null
expect_match "and finishes with its summary" "$OUT" "snapshot [0-9a-f]{16} saved"

# --- the next backup reads only what changed ---
expect_exit "second backup" 0 bj run "$T"
expect_eq "nothing read" "$(printf '%s' "$OUT" | jq -c '[.files_new, .files_changed, .bytes_read]')" '[0,0,0]'
printf 'changed\n' >>"$T/docs/numbers.txt"
printf 'new\n' >"$T/docs/new.txt"
expect_exit "third backup" 0 bj run "$T"
expect_eq "one new, one changed" "$(printf '%s' "$OUT" | jq -c '[.files_new, .files_changed]')" '[1,1]'
expect_exit "restore the newest" 0 b restore latest --target "$TMP/out3"
expect_exit "equal to the changed tree" 0 python3 "$CMP" "$T" "$TMP/out3$T"
first=$(bj snapshots | jq -r '.[0].id')
expect_exit "restore the first snapshot, one path" 0 b restore "$first" --target "$TMP/out-first" --include "$T/docs/numbers.txt"
expect_eq "the old content" "$(tail -1 "$TMP/out-first$T/docs/numbers.txt")" 200000
expect_eq "and only that path" "$(find "$TMP/out-first" -type f | wc -l)" 1
expect_match "ls lists it" "$(b ls latest "$T/docs")" 'new.txt'
expect_exit "excludes" 0 bj run "$T" --exclude '*.bin' --exclude "$T/deep"
expect_eq "leave out what they name" "$(bj ls latest | jq '[.[] | select(.path | test("random.bin|/deep"))] | length')" 0

# --- large files: written around the page cache (O_DIRECT), a large one in ranges
# whose edges fall inside blocks, chunks too large for a worker's buffer, the walker
# writing the first name of a hard link,
# holes at offsets that are not multiples of a block ---
L=$TMP/large
R2=$TMP/repo2
b2() { "$WARD" backup "$@" --repo "$R2" --password-file "$TMP/pw"; }
mkdir -p "$L"
seq 1 3000000 >"$L/big.txt"
head -c $((5 * 1024 * 1024)) /dev/urandom >>"$L/big.txt"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$L/odd.bin"
# Zeros written out (no holes): chunks of the 8 MiB maximum, larger than a worker's buffer.
{ head -c 777777 /dev/urandom; head -c $((20 * 1024 * 1024)) /dev/zero; } >"$L/zeros.bin"
chmod 0444 "$L/odd.bin"
head -c $((2 * 1024 * 1024 + 1)) /dev/urandom >"$L/linked.bin"
ln "$L/linked.bin" "$L/linked-too.bin"
truncate -s 64M "$L/holes.img"
printf 'x' | dd of="$L/holes.img" bs=1 seek=5000 conv=notrunc status=none
head -c 100000 /dev/urandom | dd of="$L/holes.img" bs=100000 seek=33554433 oflag=seek_bytes conv=notrunc status=none
expect_exit "init a second repository" 0 b2 init
expect_exit "backup of large files" 0 b2 run "$L"
expect_exit "restore them" 0 b2 restore latest --target "$TMP/out-large"
expect_exit "bit-exact with their metadata" 0 python3 "$CMP" "$L" "$TMP/out-large$L"
expect_eq "the holes are still holes" "$(( $(stat -c %b "$TMP/out-large$L/holes.img") * 512 < 4 * 1024 * 1024 ))" 1
expect_eq "the hard link is one file" "$(stat -c %h "$TMP/out-large$L/linked.bin")" 2

# --- large files the scout hands out ahead of the walk: in copies of one folder (the
# same tree in the snapshot: one path each, never one for both), deep in a read-only
# folder, a large hard link (the walk's), and only what --include names ---
S=$TMP/scouted
mkdir -p "$S/a/deep/er" "$S/z"
head -c $((17 * 1024 * 1024)) /dev/urandom >"$S/a/deep/er/image.img"
printf 'small\n' >"$S/a/deep/er/note.txt"
cp -a "$S/a" "$S/b"
cp -a "$S/a" "$S/z/c"
head -c $((18 * 1024 * 1024)) /dev/urandom >"$S/z/linked.img"
ln "$S/z/linked.img" "$S/z/linked-too.img"
chmod 0555 "$S/b/deep/er"
expect_exit "backup of the scouted files" 0 b2 run "$S"
expect_exit "restore them" 0 b2 restore latest --target "$TMP/out-scout"
expect_exit "every copy bit-exact with its metadata" 0 python3 "$CMP" "$S" "$TMP/out-scout$S"
expect_eq "the large hard link is one file" "$(stat -c %h "$TMP/out-scout$S/z/linked.img")" 2
expect_exit "restore only one copy's image" 0 b2 restore latest --target "$TMP/out-scout1" --include "$S/b/deep/er/image.img"
expect_exit "it is restored" 0 cmp "$S/b/deep/er/image.img" "$TMP/out-scout1$S/b/deep/er/image.img"
expect_eq "and nothing else" "$(cd "$TMP/out-scout1" && find . -type f | sort | tr '\n' ' ')" "./${S#/}/b/deep/er/image.img "
chmod 0755 "$S/b/deep/er" "$TMP/out-scout$S/b/deep/er" "$TMP/out-scout1$S/b/deep/er"

# --- damage is found and never restored as garbage ---
expect_exit "check" 0 b check --read-data
pack=$(find "$R/data" -type f -size +1M | head -1)
python3 - "$pack" <<'EOF'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    f.seek(1000)
    b = f.read(1)
    f.seek(1000)
    f.write(bytes([b[0] ^ 0x40]))
EOF
expect_exit "check without reading data trusts the structure" 0 b check
expect_exit "check --read-data finds the flipped byte" 1 b check --read-data
expect_match "and names what it affects" "$OUT$ERR" 'random.bin|numbers.txt|sparse.img'
expect_exit "restore of damaged data fails loudly" 1 b restore "$first" --target "$TMP/out-bad"
expect_match "naming the file" "$ERR" 'restoring'
expect_exit "the good files are still restored" 0 test -L "$TMP/out-bad$T/docs/sub/rel-link"
bad=0
while IFS= read -r -d '' f; do
	cmp -s "$f" "$TMP/out1$T${f#"$TMP/out-bad$T"}" || bad=$((bad + 1))
done < <(find "$TMP/out-bad$T" -type f -print0)
expect_eq "and every file written is as the first restore wrote it, none with garbage" "$bad" 0

finish
