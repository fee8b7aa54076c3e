#!/usr/bin/env bash
# The activity log's hash chain: `ward log verify` catches an edited, a deleted, an
# inserted and a reordered entry, a truncated log and a missing head file, each made
# behind Ward's back with the sqlite3 CLI. Also `ward log list` filters. (`ward init`
# writes three entries: system.init, the admin's user.create and the default backup
# plan's dr.plan.create.)
. "$(dirname "$0")/lib.sh"

D=$(new_data base)
printf 'a fine password\n' >"$TMP/pw"
for u in ann ben cat dan eve; do
	"$WARD" --data "$D" user add "$u" --role employee --password-file "$TMP/pw" >/dev/null
done
"$WARD" --data "$D" user disable ben >/dev/null
expect_exit "intact log verifies" 0 "$WARD" --data "$D" log verify
expect_match "intact log counted" "$OUT" 'intact: 9 entries'

# copy NAME: a fresh copy of the data directory to tamper with.
copy() { rm -rf "$TMP/$1"; cp -a "$D" "$TMP/$1"; echo "$TMP/$1"; }
# sql DIR SQL: runs SQL with the append-only triggers out of the way, as an intruder would.
sql() {
	sqlite3 "$1/ward.db" "DROP TRIGGER activity_no_update; DROP TRIGGER activity_no_delete; $2"
}

C=$(copy trig)
expect_exit "the database itself refuses edits" 19 sqlite3 "$C/ward.db" "UPDATE activity SET actor = 'x' WHERE id = 3"
expect_match "append-only says so" "$ERR" 'append-only'

C=$(copy edit)
sql "$C" "UPDATE activity SET details = '{\"role\":\"admin\"}' WHERE id = 4"
expect_exit "edited entry caught" 1 "$WARD" --data "$C" log verify
expect_match "edited entry named" "$ERR" 'entry 4 was altered'

C=$(copy edit-actor)
sql "$C" "UPDATE activity SET actor = 'someone-else' WHERE id = 2"
expect_exit "edited actor caught" 1 "$WARD" --data "$C" log verify
expect_match "edited actor named" "$ERR" 'entry 2 was altered'

C=$(copy edit-rehash)
# A careful intruder recomputes nothing but copies a valid hash from elsewhere.
sql "$C" "UPDATE activity SET hash = (SELECT hash FROM activity WHERE id = 6) WHERE id = 5"
expect_exit "swapped hash caught" 1 "$WARD" --data "$C" log verify
expect_match "swapped hash named" "$ERR" 'entry 5 was altered'

C=$(copy delete)
sql "$C" "DELETE FROM activity WHERE id = 3"
expect_exit "deleted entry caught" 1 "$WARD" --data "$C" log verify
expect_match "deleted entry named" "$ERR" 'entry 3 is missing'

C=$(copy renumber)
# Delete and renumber the rest so the ids have no gap: the chain still breaks.
sql "$C" "DELETE FROM activity WHERE id = 3; UPDATE activity SET id = id - 1 WHERE id > 3"
expect_exit "deleted-and-renumbered caught" 1 "$WARD" --data "$C" log verify
expect_match "first bad entry named" "$ERR" 'entry 3 '

C=$(copy reorder)
sql "$C" "UPDATE activity SET id = 100 WHERE id = 4; UPDATE activity SET id = 4 WHERE id = 5; UPDATE activity SET id = 5 WHERE id = 100"
expect_exit "reordered entries caught" 1 "$WARD" --data "$C" log verify
expect_match "reordered entry named" "$ERR" 'entry 4 does not follow entry 3'

C=$(copy insert)
sql "$C" "INSERT INTO activity (id, at, actor, action, object, details, prev_hash, hash)
          SELECT 10, at, 'mallory', 'user.create', 'user:mallory', '{}', hash, hash FROM activity WHERE id = 9"
expect_exit "appended entry caught" 1 "$WARD" --data "$C" log verify
expect_match "appended entry named" "$ERR" 'entry 10 was altered'

C=$(copy insert-mid)
# Shift entries 4.. up by one and put a forged entry at 4, chained to entry 3.
sql "$C" "CREATE TEMP TABLE t AS SELECT * FROM activity WHERE id >= 4; DELETE FROM activity WHERE id >= 4;
          INSERT INTO activity SELECT id + 1, at, actor, action, object, details, prev_hash, hash FROM t;
          INSERT INTO activity VALUES (4, 0, 'mallory', 'user.create', 'user:mallory', '{}',
                                       (SELECT hash FROM activity WHERE id = 3), 'forged');"
expect_exit "inserted entry caught" 1 "$WARD" --data "$C" log verify
expect_match "inserted entry named" "$ERR" 'entry 4 was altered'

C=$(copy truncate)
sql "$C" "DELETE FROM activity WHERE id >= 7"
expect_exit "truncated log caught" 1 "$WARD" --data "$C" log verify
expect_match "truncation explained" "$ERR" 'truncated: the head file records entry 9 but the log ends at 6'

C=$(copy truncate-all)
sql "$C" "DELETE FROM activity"
expect_exit "emptied log caught" 1 "$WARD" --data "$C" log verify

C=$(copy nohead)
rm "$C/activity.head"
expect_exit "missing head file caught" 1 "$WARD" --data "$C" log verify
expect_match "missing head explained" "$ERR" 'head file .* is missing'

C=$(copy json)
sql "$C" "UPDATE activity SET object = 'user:zed' WHERE id = 6"
expect_exit "verify --json on a broken log" 1 "$WARD" --data "$C" --json log verify
expect_eq "JSON names the entry" "$(printf '%s' "$OUT" | jq -c '[.intact, .first_bad_entry]')" '[false,6]'

# After a failed (rolled back) change the head file still matches.
expect_exit "failed change" 1 "$WARD" --data "$D" user add ann --role employee --password-file "$TMP/pw"
expect_exit "still intact after a rolled-back change" 0 "$WARD" --data "$D" log verify

# Listing and filters.
expect_exit "log list --json" 0 "$WARD" --data "$D" --json log list
expect_eq "newest first" "$(printf '%s' "$OUT" | jq -c '[.[0].id, .[-1].id]')" '[9,1]'
expect_eq "filter by action" "$("$WARD" --data "$D" --json log list --action user.disable | jq -r '.[].object')" user:ben
expect_eq "filter by prefix" "$("$WARD" --data "$D" --json log list --action 'user.*' | jq length)" 7
expect_eq "filter by actor" "$("$WARD" --data "$D" --json log list --actor nobody | jq length)" 0
expect_eq "limit" "$("$WARD" --data "$D" --json log list --limit 2 | jq length)" 2
expect_eq "since an age" "$("$WARD" --data "$D" --json log list --since 1h | jq length)" 9
expect_eq "since the future" "$("$WARD" --data "$D" --json log list --since 2999-01-01 | jq length)" 0
expect_exit "bad since is a usage error" 2 "$WARD" --data "$D" log list --since yesterday-ish
expect_exit "bad limit is a usage error" 2 "$WARD" --data "$D" log list --limit 0

finish
