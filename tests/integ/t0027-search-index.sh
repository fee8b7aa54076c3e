#!/usr/bin/env bash
# The ticket search index is merged by the server, not by the writes: tickets filed
# without a server leave a segment each; `ward serve` merges them once no one writes,
# and again after a burst through the API; every ticket is found before and after;
# `ward ticket index --merge` does it at once, and --optimize merges everything into one.
. "$(dirname "$0")/lib.sh"

D=$(new_data)
idx() { "$WARD" --data "$D" --json ticket index | jq -c "$1"; }
found() { "$WARD" --data "$D" --json ticket search "$1" | jq length; }
# true once the server has left nothing to merge, false after 10 s.
merged_within_10s() {
	for _ in $(seq 50); do
		[ "$(idx .needs_merge)" = false ] && { echo true; return; }
		sleep 0.2
	done
	echo false
}
search_rows() { sqlite3 "$D/ward.db" "SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH '$1'"; }

# --- writes without a server: a segment each, none merged ---
for i in $(seq 24); do
	"$WARD" --data "$D" ticket new --requester admin --title "Docking station $i flickers" \
		--text "The monitor on dock $i flickers; firmware quasar$i" >/dev/null || fail "ticket $i"
done
expect_eq "24 writes leave 24 segments on the first level" "$(idx '[.level_segments[0], .segments]')" '[24,24]'
expect_eq "and call for a merge" "$(idx .needs_merge)" true
expect_eq "every ticket is found before merging" "$(search_rows 'flickers')" 24
"$WARD" --data "$D" ticket index >"$TMP/index.txt"
expect_match "the CLI shows the levels" "$(cat "$TMP/index.txt")" 'level 0: 24 segments'
expect_match "and that a merge is due" "$(cat "$TMP/index.txt")" 'merging: due'

# --- the server merges them while no one writes ---
start_ward "$D"
expect_eq "the server merged the index in the background" "$(merged_within_10s)" true
expect_eq "into fewer than 16 segments" "$(idx '.segments < 16')" true
expect_eq "every ticket is still found once" "$(search_rows 'flickers')" 24
expect_eq "prefixes too" "$(search_rows 'quasar*')" 24
expect_eq "ward ticket search finds them" "$(found 'quasar7')" 1

# --- a burst through the API, then quiet ---
TOKEN=$("$WARD" --data "$D" token create burst --user admin | head -1)
pids=()
for i in $(seq 40); do
	curl -s -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d "{\"title\":\"Badge reader $i beeps\",\"description\":\"reader $i rejects badges; pulsar$i\"}" \
		"$URL/api/v1/tickets" &
	pids+=($!)
	if (( i % 8 == 0 )); then wait "${pids[@]}"; pids=(); fi
done
expect_eq "the burst filed its tickets" "$(sqlite3 "$D/ward.db" "SELECT count(*) FROM tickets WHERE title LIKE 'Badge reader %'")" 40
expect_eq "nothing is left to merge after the burst" "$(merged_within_10s)" true
expect_eq "every burst ticket is found" "$(search_rows 'pulsar*')" 40
expect_eq "and the earlier ones" "$(search_rows 'flickers')" 24
stop_ward

# --- ward ticket index --merge ---
for i in $(seq 20); do
	"$WARD" --data "$D" ticket new --requester admin --title "Headset $i crackles" --text "nebula$i" >/dev/null
done
expect_eq "20 more writes call for a merge" "$(idx .needs_merge)" true
out=$("$WARD" --data "$D" --json ticket index --merge)
expect_eq "--merge merges at once" "$(printf '%s' "$out" | jq -c '[.needs_merge, .merge_steps > 0]')" '[false,true]'
expect_eq "nothing lost" "$(search_rows 'nebula*')" 20

# --- ward ticket index --optimize: everything into one segment ---
for i in $(seq 5); do
	"$WARD" --data "$D" ticket new --requester admin --title "Webcam $i freezes" --text "comet$i" >/dev/null
done
expect_eq "more than one segment before" "$(idx '.segments > 1')" true
out=$("$WARD" --data "$D" --json ticket index --optimize)
expect_eq "--optimize leaves one segment" "$(printf '%s' "$out" | jq -c '[.segments, .needs_merge]')" '[1,false]'
expect_eq "every ticket found after it" "$(search_rows 'comet*') $(search_rows 'nebula*') $(search_rows 'flickers')" '5 20 24'
expect_exit "a stray argument is refused" 2 "$WARD" --data "$D" ticket index extra
finish
