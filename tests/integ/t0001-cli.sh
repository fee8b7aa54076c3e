#!/usr/bin/env bash
# The command line: dispatch, help, exit codes, init, users, tokens, --json.
. "$(dirname "$0")/lib.sh"

expect_exit "ward version" 0 "$WARD" version
expect_match "version prints" "$OUT" '^ward [0-9]+\.[0-9]+\.[0-9]+$'
expect_exit "ward --json version" 0 "$WARD" --json version
expect_eq "version as JSON" "$(printf '%s' "$OUT" | jq -r .version)" "$("$WARD" version | cut -d' ' -f2)"
expect_exit "ward help" 0 "$WARD" help
expect_match "help lists nouns" "$OUT" 'user +add list show passwd disable enable'
expect_exit "ward help user" 0 "$WARD" help user
expect_match "help user lists verbs" "$OUT" 'ward user passwd NAME'
expect_exit "ward user --help" 0 "$WARD" user --help
expect_match "noun --help lists verbs" "$OUT" 'ward user add NAME'
expect_exit "verb --help" 0 "$WARD" user add --help
expect_match "verb --help shows usage" "$OUT" '^usage: ward user add NAME --role'
expect_exit "no command is a usage error" 2 "$WARD"
expect_exit "unknown noun exits 2" 2 "$WARD" frobnicate
expect_match "unknown noun named" "$ERR" "unknown command 'frobnicate'"
expect_exit "unknown verb exits 2" 2 "$WARD" user frob
expect_exit "unknown option exits 2" 2 "$WARD" --data "$TMP/x" user list --bogus
expect_match "unknown option named" "$ERR" "unknown option '--bogus'"
expect_exit "missing option value exits 2" 2 "$WARD" --data "$TMP/x" user add bob --role

# Not initialised: a clear error, exit 1.
expect_exit "uninitialised data dir fails" 1 "$WARD" --data "$TMP/none" user list
expect_match "uninitialised is explained" "$ERR" "not initialised; run 'ward init'"

# init: a generated password shown once; re-running changes nothing.
expect_exit "init" 0 "$WARD" --data "$TMP/gen" init
expect_match "init prints the generated password" "$OUT" 'admin password: [A-Za-z0-9]{20}'
before=$(sha256sum "$TMP/gen/ward.db" | cut -d' ' -f1)
expect_exit "init again" 0 "$WARD" --data "$TMP/gen" init --admin other
expect_match "init again says so" "$OUT" 'already initialised; nothing changed'
expect_eq "init again changes nothing" "$(sha256sum "$TMP/gen/ward.db" | cut -d' ' -f1)" "$before"
expect_eq "no second admin" "$("$WARD" --data "$TMP/gen" --json user list | jq -r '[.[].name] | join(",")')" admin
expect_eq "data dir is private" "$(stat -c %a "$TMP/gen")" 700
expect_eq "database is private" "$(stat -c %a "$TMP/gen/ward.db")" 600
WARD_DATA="$TMP/gen" expect_exit "WARD_DATA selects the data dir" 0 "$WARD" user show admin
printf 'short\n' >"$TMP/short.pw"
expect_exit "init refuses a weak password" 1 "$WARD" --data "$TMP/weak" init --admin-password-file "$TMP/short.pw"
expect_eq "and leaves no database" "$(ls "$TMP/weak" 2>/dev/null | wc -l)" 0

D=$(new_data)
# Users.
printf 'a fine password\n' >"$TMP/pw"
expect_exit "user add" 0 "$WARD" --data "$D" user add alice --role support --email Alice@Example.COM --password-file "$TMP/pw"
expect_exit "user show --json" 0 "$WARD" --data "$D" --json user show alice
expect_eq "role stored" "$(printf '%s' "$OUT" | jq -r .role)" support
expect_eq "e-mail lower-cased" "$(printf '%s' "$OUT" | jq -r .email)" alice@example.com
expect_exit "duplicate name" 1 "$WARD" --data "$D" user add alice --role employee --password-file "$TMP/pw"
expect_match "duplicate name explained" "$ERR" "user 'alice' already exists"
expect_exit "duplicate e-mail" 1 "$WARD" --data "$D" user add alice2 --role employee --email alice@example.com --password-file "$TMP/pw"
expect_match "duplicate e-mail explained" "$ERR" "belongs to another user"
for bad in 'Bob' "bob'; DROP TABLE users;--" 'b"ob' '1bob' '' "$(printf 'x%.0s' $(seq 65))"; do
	expect_exit "bad name rejected: $bad" 1 "$WARD" --data "$D" user add "$bad" --role employee --password-file "$TMP/pw"
done
for bad in 'no-at-sign' 'a@b' '"quoted"@example.com' "x@example.com'; DROP TABLE users;--" 'a@-x.com'; do
	expect_exit "bad e-mail rejected: $bad" 1 "$WARD" --data "$D" user add carol --role employee --email "$bad" --password-file "$TMP/pw"
done
expect_exit "bad role is a usage error" 2 "$WARD" --data "$D" user add carol --role boss --password-file "$TMP/pw"
printf 'carolcarol\n' >"$TMP/same.pw"
expect_exit "password equal to the name refused" 1 "$WARD" --data "$D" user add carolcarol --role employee --password-file "$TMP/same.pw"
expect_match "policy explained" "$ERR" 'must not be the user name'
printf '123456789\n' >"$TMP/nine.pw"
expect_exit "nine characters refused" 1 "$WARD" --data "$D" user add carol --role employee --password-file "$TMP/nine.pw"
expect_match "length explained" "$ERR" 'at least 10 characters'
expect_eq "no failed add left a user" "$("$WARD" --data "$D" --json user list | jq length)" 2
expect_exit "user add with a generated password" 0 "$WARD" --data "$D" --json user add dave --role employee
expect_match "generated password shown once" "$(printf '%s' "$OUT" | jq -r .password)" '^[A-Za-z0-9]{20}$'
expect_exit "user list" 0 "$WARD" --data "$D" user list
expect_match "table has a header" "$OUT" '^NAME +ROLE +E-MAIL'
expect_exit "disable" 0 "$WARD" --data "$D" user disable dave
expect_eq "disabled" "$("$WARD" --data "$D" --json user show dave | jq .disabled)" true
expect_exit "enable" 0 "$WARD" --data "$D" user enable dave
expect_eq "enabled" "$("$WARD" --data "$D" --json user show dave | jq .disabled)" false
expect_exit "show a missing user" 1 "$WARD" --data "$D" user show nobody
expect_match "missing user named" "$ERR" "user 'nobody' does not exist"
expect_exit "passwd from a file" 0 "$WARD" --data "$D" user passwd dave --password-file "$TMP/pw"
printf 'another fine one\n' | expect_exit "passwd from stdin" 0 "$WARD" --data "$D" user passwd dave --password-file -

# Tokens.
expect_exit "token create" 0 "$WARD" --data "$D" token create ci --user alice
expect_match "token printed once" "$OUT" '^ward_[0-9a-f]{64}$'
expect_exit "duplicate token name" 1 "$WARD" --data "$D" token create ci --user alice
expect_exit "token for a missing user" 1 "$WARD" --data "$D" token create x --user nobody
expect_exit "token list --json" 0 "$WARD" --data "$D" --json token list
expect_eq "token listed without its secret" "$(printf '%s' "$OUT" | jq -c '[.[] | {name, user}]')" '[{"name":"ci","user":"alice"}]'
expect_eq "no secret in the listing" "$(printf '%s' "$OUT" | grep -c ward_)" 0
expect_exit "token revoke" 0 "$WARD" --data "$D" token revoke ci
expect_exit "revoke again fails" 1 "$WARD" --data "$D" token revoke ci
expect_exit "name reusable after revoke" 0 "$WARD" --data "$D" token create ci --user alice

# Every change above is in the activity log, by the local actor.
acts=$("$WARD" --data "$D" --json log list --limit 500 | jq -r '[.[].action] | unique | join(",")')
expect_eq "actions logged" "$acts" "dr.plan.create,system.init,token.create,token.revoke,user.create,user.disable,user.enable,user.password"
expect_match "actor is local" "$("$WARD" --data "$D" --json log list --limit 1 | jq -r '.[0].actor')" '^local:'
expect_exit "log verify" 0 "$WARD" --data "$D" log verify

# A database from a newer ward is refused.
sqlite3 "$D/ward.db" "INSERT INTO schema_migrations VALUES ('accounts', 9999, 'future', 0)"
expect_exit "newer schema refused" 1 "$WARD" --data "$D" user list
expect_match "newer schema explained" "$ERR" "from a newer ward .*upgrade ward"

finish
