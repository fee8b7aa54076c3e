#!/usr/bin/env bash
# t0020-vercmp.sh: ward vercmp agrees with dpkg --compare-versions: every relation and
# its exit status, dpkg's errors and warnings for bad versions (same reason), and the
# order of a large corpus of real versions from this machine's apt lists and dpkg
# status (neighbours after sorting, random pairs, pairs within a package, edits of real
# versions). The corpus goes through libdpkg (dpkg's own code, when libdpkg-dev is
# installed) in full, and a spread of it through the dpkg binary, a process per pair.
# Without apt lists (or with WARD_TEST_APT_LISTS pointing elsewhere) the corpus comes
# from the dpkg status file alone.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
LISTS=${WARD_TEST_APT_LISTS:-/var/lib/apt/lists}

if ! command -v dpkg >/dev/null || ! command -v python3 >/dev/null; then
	echo "ok - skipped: needs dpkg and python3"
	finish
	exit
fi

# --- relations and exit statuses, empty versions included ---
mismatch=
for rel in lt le eq ne ge gt lt-nl le-nl ge-nl gt-nl '<<' '<=' '=' '>=' '>>' '<' '>'; do
	for pair in '1 2' '2 1' '1.0 1.0-0' ' 1' '1 ' ' ' '<unknown> 1' '1:0 0:9'; do
		a=${pair%% *}
		b=${pair#* }
		dpkg --compare-versions "$a" "$rel" "$b" 2>/dev/null
		want=$?
		"$WARD" vercmp "$a" "$rel" "$b" 2>/dev/null
		got=$?
		[ "$got" = "$want" ] || mismatch+=" [$a $rel $b: ward $got, dpkg $want]"
	done
done
expect_eq "every relation exits as dpkg's does" "$mismatch" ""
expect_exit "an unknown relation is a usage error" 2 "$WARD" vercmp 1 '=>' 2
expect_match "and says which relations there are" "$ERR" "relation '=>' is not known"
expect_exit "two arguments are a usage error" 2 "$WARD" vercmp 1 lt
expect_exit "four arguments are a usage error" 2 "$WARD" vercmp 1 lt 2 3
expect_exit "--json says the result" 0 "$WARD" --json vercmp 1.0~rc1 lt 1.0
expect_eq "--json result" "$(printf '%s' "$OUT" | jq -c .)" '{"result":true}'

# --- bad versions: dpkg's error or warning, and the same reason ---
# (the error class exits 2; the warning class is compared anyway)
mismatch=
while IFS= read -r v; do
	for args in "lt 1" "gt 1.0~"; do
		# shellcheck disable=SC2086
		dpkg --compare-versions "$v" $args 2>"$TMP/dpkg.err"
		want=$?
		# shellcheck disable=SC2086
		"$WARD" vercmp "$v" $args 2>"$TMP/ward.err"
		got=$?
		wr=$(grep -o 'bad syntax: .*' "$TMP/dpkg.err" | head -1)
		gr=$(grep -o 'bad syntax: .*' "$TMP/ward.err" | head -1)
		wk=$(grep -c 'warning' "$TMP/dpkg.err")
		gk=$(grep -c 'warning' "$TMP/ward.err")
		[ "$got/$gr/$gk" = "$want/$wr/$wk" ] ||
			mismatch+=" ['$v' $args: ward $got '$gr' warn=$gk, dpkg $want '$wr' warn=$wk]"
	done
done <<'EOF'
1:
:1
a:1
1a:1
-1:1
+1:1
-0:1
00:1
2147483647:1
2147483648:1
99999999999999999999:1
1.0-
-1
1-
1 2
 1.0 
1.0	x
a
~1
1_2
1.0-a_b
1:2:3
1:a
1.0-1-2
1.0-+~.
1-1:2
1:-1
1.0~
1é
é1
1:1 
0:0
EOF
expect_eq "bad versions: same exit, error or warning, and reason as dpkg" "$mismatch" ""
v=$'\n1:2'
dpkg --compare-versions "$v" eq 2 2>/dev/null
want=$?
"$WARD" vercmp "$v" eq 2 2>/dev/null
expect_eq "an epoch after a newline (strtol skips it) as dpkg" "$?" "$want"

# --- a corpus of real versions ---
mkdir -p "$TMP/corpus"
if [ -d "$LISTS" ] && compgen -G "$LISTS/*_Packages*" >/dev/null; then
	have_lists=1
else
	have_lists=0
fi
have_oracle=0
if command -v cc >/dev/null && pkg-config --exists libdpkg 2>/dev/null &&
	cc -O2 -o "$TMP/oracle" "$HERE/dpkg-vercmp.c" $(pkg-config --cflags --libs libdpkg) 2>"$TMP/cc.err"; then
	have_oracle=1
fi
# With libdpkg the binary checks a spread; without it, the binary is the only judge.
sample=6000
[ $have_oracle = 1 ] || sample=12000
stats=$(python3 "$HERE/vercorpus.py" pairs "$TMP/corpus" --lists "$LISTS" --sample $sample)
echo "# corpus: $stats (apt lists: $have_lists, libdpkg oracle: $have_oracle)"
npairs=$(wc -l <"$TMP/corpus/pairs.tsv")
if [ $have_lists = 1 ]; then
	expect_match "the corpus comes from the apt lists" "$stats" "lists [1-9]"
	[ "$npairs" -ge 50000 ] && pass "the corpus holds $npairs pairs" || fail "only $npairs pairs from the apt lists"
else
	[ "$npairs" -ge 1000 ] && pass "the corpus (status file only) holds $npairs pairs" ||
		fail "only $npairs pairs from the status file"
fi

start=$(date +%s%N)
"$WARD" vercmp --batch <"$TMP/corpus/pairs.tsv" >"$TMP/corpus/ward.out" 2>"$TMP/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "ward vercmp --batch takes every real version" "$rc" 0
expect_eq "one answer per pair" "$(wc -l <"$TMP/corpus/ward.out")" "$npairs"
echo "# ward compared $npairs pairs in $ms ms"

if [ $have_oracle = 1 ]; then
	"$TMP/oracle" <"$TMP/corpus/pairs.tsv" >"$TMP/corpus/dpkg.out"
	paste "$TMP/corpus/kinds.txt" "$TMP/corpus/pairs.tsv" "$TMP/corpus/ward.out" "$TMP/corpus/dpkg.out" |
		awk -F'\t' '$4 != $5 { n++; if (n <= 10) print "# " $1 ": " $2 " vs " $3 ": ward " $4 ", dpkg " $5 }
			END { print "# libdpkg disagreements: " n + 0; exit n > 0 }' >"$TMP/diff.txt"
	rc=$?
	cat "$TMP/diff.txt"
	expect_eq "libdpkg orders all $npairs pairs as ward does" "$rc" 0
	expect_match "and the kinds of pair are all there" "$(sort -u "$TMP/corpus/kinds.txt" | tr '\n' ' ')" \
		"^edit neighbour (package )?random self $"
else
	echo "# no libdpkg (apt-get install libdpkg-dev): the dpkg binary checks $sample pairs only"
fi

"$WARD" vercmp --batch <"$TMP/corpus/sample.tsv" >"$TMP/corpus/sample.out"
start=$(date +%s)
out=$(python3 "$HERE/vercorpus.py" dpkg "$TMP/corpus/sample.tsv" "$TMP/corpus/sample.out")
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
expect_eq "dpkg --compare-versions agrees on every sampled pair ($(($(date +%s) - start)) s)" "$rc" 0

# --- the status-file-only corpus, as on a machine without apt lists ---
python3 "$HERE/vercorpus.py" pairs "$TMP/corpus" --lists "$TMP/no-lists" --sample 300 >"$TMP/stats2"
expect_match "without apt lists the corpus comes from the status file" "$(cat "$TMP/stats2")" "lists 0"
"$WARD" vercmp --batch <"$TMP/corpus/sample.tsv" >"$TMP/corpus/sample.out"
python3 "$HERE/vercorpus.py" dpkg "$TMP/corpus/sample.tsv" "$TMP/corpus/sample.out" >"$TMP/out2"
expect_eq "and dpkg agrees on its sample" "$?" 0

finish
