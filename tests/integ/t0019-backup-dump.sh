#!/usr/bin/env bash
# Database dumps in a backup: `ward backup run --dump` with a SQLite file, a real
# PostgreSQL and a real MariaDB (started here on private unix sockets, by unprivileged
# users) puts a dump of each into the snapshot; restored and loaded into fresh
# databases they hold the same rows. A failing dump fails the backup and takes no
# snapshot. Skipped (77) while `ward backup run` has no --dump; servers that are not
# installed are left out (Debian: postgresql, mariadb-server).
. "$(dirname "$0")/lib.sh"
export WARD_BACKUP_KDF=1:8192
printf 'correct horse battery staple\n' >"$TMP/pw"
R=$TMP/repo
D=$TMP/data
b() { "$WARD" --data "$D" backup "$@" --repo "$R" --password-file "$TMP/pw"; }
mkdir -p "$D" "$TMP/files"
echo hello >"$TMP/files/a.txt"
b init >/dev/null || { echo "cannot init the repository" >&2; exit 1; }

probe=$(b run --dump bogus "$TMP/files" 2>&1)
if printf '%s' "$probe" | grep -q "unknown option '--dump'"; then
	echo "ward backup run has no --dump yet: skipped"
	exit 77
fi

# Servers refuse root: as root they run as their own users, in a folder those can reach.
SRV=$TMP/srv
mkdir -p "$SRV"
chmod 755 "$TMP"
srv_as() { # srv_as USER COMMAND...
	local u=$1
	shift
	if [ "$(id -u)" = 0 ]; then runuser -u "$u" -- "$@"; else "$@"; fi
}
PG_USER=$(id -un)
MY_USER=$(id -un)
[ "$(id -u)" = 0 ] && PG_USER=postgres && MY_USER=mysql
id "$PG_USER" >/dev/null 2>&1 || PG_USER=nobody
id "$MY_USER" >/dev/null 2>&1 || MY_USER=nobody
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG=
MY=
MY_PID=
stop_servers() {
	[ -n "$PG" ] && srv_as "$PG_USER" "$PGBIN/pg_ctl" -D "$SRV/pg" -m fast -w stop >/dev/null 2>&1
	if [ -n "$MY_PID" ]; then
		kill "$MY_PID" 2>/dev/null
		wait "$MY_PID" 2>/dev/null
	fi
}
trap 'stop_servers; cleanup' EXIT

if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
	mkdir -p "$SRV/pg" && chown "$PG_USER" "$SRV/pg"
	if srv_as "$PG_USER" "$PGBIN/initdb" -D "$SRV/pg" --auth=trust -E UTF8 --locale=C --no-sync >/dev/null 2>&1 &&
		srv_as "$PG_USER" "$PGBIN/pg_ctl" -D "$SRV/pg" -l "$SRV/pg/log" -w \
			-o "-k $SRV/pg -c listen_addresses= -c fsync=off" start >/dev/null 2>&1; then
		PG="host=$SRV/pg user=$PG_USER"
	else
		fail "PostgreSQL did not start"
	fi
fi
pg() { psql -X -q -v ON_ERROR_STOP=1 -At "$PG dbname=$1" "${@:2}"; }

MYD=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null)
if [ -n "$MYD" ] && command -v mariadb-install-db >/dev/null; then
	mkdir -p "$SRV/my" && chown "$MY_USER" "$SRV/my"
	if srv_as "$MY_USER" mariadb-install-db --no-defaults --datadir="$SRV/my/data" \
		--auth-root-authentication-method=socket --auth-root-socket-user="$MY_USER" --skip-test-db \
		>"$SRV/my/install.log" 2>&1; then
		# run directly (it becomes --user itself), so that $! is the server
		"$MYD" --no-defaults --user="$MY_USER" --datadir="$SRV/my/data" --socket="$SRV/my/sock" \
			--skip-networking --log-error="$SRV/my/err.log" --pid-file="$SRV/my/pid" \
			--innodb-buffer-pool-size=32M >/dev/null 2>&1 &
		MY_PID=$!
		for _ in $(seq 100); do
			[ -S "$SRV/my/sock" ] && break
			sleep 0.1
		done
		[ -S "$SRV/my/sock" ] && MY="socket=$SRV/my/sock user=$MY_USER"
	fi
	[ -n "$MY" ] || fail "MariaDB did not start"
fi
my() { srv_as "$MY_USER" mariadb --no-defaults --default-character-set=utf8mb4 -S "$SRV/my/sock" -N -B "$@"; }

# The databases, each with rows that must come back the same.
sqlite3 "$TMP/app.db" "PRAGMA journal_mode=WAL;
	CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
	WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10000)
	INSERT INTO t (v) SELECT 'row ' || i || ' ''q'' ünï' FROM k;" >/dev/null
SQLITE_SUM=$(sqlite3 "$TMP/app.db" "SELECT count(*) || ':' || sum(length(v) * id) FROM t")
DUMPS=(--dump "sqlite:$TMP/app.db")
if [ -n "$PG" ]; then
	pg postgres -c "CREATE DATABASE app"
	pg app -c "CREATE TABLE t (id serial PRIMARY KEY, v text);
		INSERT INTO t (v) SELECT 'row ' || i || E' \\'q\\' ünï\\n' FROM generate_series(1, 10000) i"
	PG_SUM=$(pg app -c "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY id)) FROM t")
	DUMPS+=(--dump "postgres:$PG dbname=app")
fi
if [ -n "$MY" ]; then
	my -e "CREATE DATABASE shop CHARACTER SET utf8mb4"
	my shop -e "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB;
		SET SESSION max_recursive_iterations = 100000;
		INSERT INTO t (v) WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10000)
		SELECT CONCAT('row ', i, ' ''q'' ünï') FROM k"
	MY_SUM=$(my shop -e "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT(id, v)))) FROM t")
	AS=
	[ "$(id -u)" = 0 ] && AS=",as=$MY_USER" # its unix_socket login wants that user
	DUMPS+=(--dump "mariadb$AS:database=shop $MY")
fi

expect_exit "backup with $((${#DUMPS[@]} / 2)) dumps" 0 b run "${DUMPS[@]}" "$TMP/files"
expect_exit "snapshot listing" 0 b ls latest
expect_match "the SQLite dump is in the snapshot" "$OUT" 'sqlite-app\.db'
[ -n "$PG" ] && expect_match "the PostgreSQL dump is in the snapshot" "$OUT" 'postgres-app\.sql'
[ -n "$MY" ] && expect_match "the MariaDB dump is in the snapshot" "$OUT" 'mariadb-shop\.sql'
expect_match "the files are in the snapshot too" "$OUT" 'files/a\.txt'

expect_exit "restore" 0 b restore latest --target "$TMP/restore"
found() { find "$TMP/restore" -name "$1" -type f | head -1; }
f=$(found sqlite-app.db)
expect_eq "SQLite rows come back" "$(sqlite3 "$f" "SELECT count(*) || ':' || sum(length(v) * id) FROM t" 2>&1)" \
	"$SQLITE_SUM"
if [ -n "$PG" ]; then
	f=$(found postgres-app.sql)
	pg postgres -c "CREATE DATABASE back"
	if pg back -f - <"$f" >/dev/null 2>"$TMP/pg.err"; then pass "PostgreSQL dump loads"; else
		fail "PostgreSQL dump loads: $(head -3 "$TMP/pg.err")"; fi
	expect_eq "PostgreSQL rows come back" \
		"$(pg back -c "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY id)) FROM t")" "$PG_SUM"
fi
if [ -n "$MY" ]; then
	f=$(found mariadb-shop.sql)
	my -e "CREATE DATABASE back CHARACTER SET utf8mb4"
	if my back <"$f" 2>"$TMP/my.err"; then pass "MariaDB dump loads"; else
		fail "MariaDB dump loads: $(head -3 "$TMP/my.err")"; fi
	expect_eq "MariaDB rows come back" \
		"$(my back -e "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT(id, v)))) FROM t")" "$MY_SUM"
fi

# A dump that fails stops the backup: no snapshot without its databases.
count() { "$WARD" --json --data "$D" backup snapshots --repo "$R" --password-file "$TMP/pw" | jq length; }
before=$(count)
expect_exit "a missing database fails the backup" 1 b run --dump "sqlite:$TMP/missing.db" "$TMP/files"
expect_match "the error names the database" "$ERR" "cannot dump sqlite '$TMP/missing.db'"
if [ -n "$PG" ]; then
	expect_exit "a PostgreSQL error fails the backup" 1 b run --dump "postgres:$PG dbname=nope" "$TMP/files"
	expect_match "pg_dump's words are in the error" "$ERR" 'database "nope" does not exist'
fi
expect_eq "no snapshot was taken" "$(count)" "$before"
expect_exit "a spec with a password is refused" 2 b run --dump "postgres:dbname=x password=secret" "$TMP/files"
expect_match "and says where passwords go" "$ERR" 'pgpass'

finish
