/*
 * Unit tests for PostgreSQL dumps against a real server: this program starts its own
 * (initdb in a temporary folder, a unix socket only, run by an unprivileged user), fills
 * a database with awkward data, dumps it with dump_run, restores the dump into a second
 * database with psql and compares checksums; dumps a database another session keeps
 * writing and finds its invariant whole; and reads pg_dump's own errors. Skipped when
 * the PostgreSQL server is not installed (Debian: postgresql).
 */
#include "backup/dump.h"
#include "dump_test.h"

static struct srv pg;
static char psql[PATH_MAX];
static bool have_pg; /* the server is installed and running */
static char log_path[600];

/* psql -Atc sql on db as the server's user; the output in *out (may be NULL). */
static int sql(const char *db, const char *query, char **out)
{
	char *argv[] = {psql,	"-X", "-q",	  "-v",	  "ON_ERROR_STOP=1", "-h",
			pg.dir, "-d", (char *)db, "-Atc", (char *)query,     NULL};
	return srv_run(&pg, argv, NULL, out);
}

static void sql_ok(const char *db, const char *query)
{
	char *out = NULL;
	if (sql(db, query, &out) != 0)
		fail_msg("psql on %s failed: %s\nquery: %.300s", db, out, query);
	free(out);
}

/* One value from a query. */
static char *sql_value(const char *db, const char *query)
{
	char *out = NULL;
	if (sql(db, query, &out) != 0)
		fail_msg("psql on %s failed: %s\nquery: %.300s", db, out, query);
	return out;
}

static long long sql_int(const char *db, const char *query)
{
	char *v = sql_value(db, query);
	int64_t n = 0;
	if (parse_int64(v, INT64_MIN, INT64_MAX, &n) < 0)
		fail_msg("'%s' is not a number", v);
	free(v);
	return (long long)n;
}

static int setup(void **state)
{
	char initdb[PATH_MAX], postgres[PATH_MAX], data[600];
	if (test_setup(state) < 0)
		return -1;
	if (!srv_find("initdb", initdb) || !srv_find("postgres", postgres) || !srv_find("psql", psql))
		return 0; /* not installed: every test skips */
	if (srv_init(&pg, "postgres") < 0)
		return -1;
	snprintf(data, sizeof(data), "%s/data", pg.dir);
	snprintf(log_path, sizeof(log_path), "%s/server.log", pg.dir);
	/* peer: only the server's own user gets in, which as=USER is tested against */
	char *init_argv[] = {initdb, "-D",	   data,	"--auth=peer",	     "-E",
			     "UTF8", "--locale=C", "--no-sync", "--no-instructions", NULL};
	char *out = NULL;
	if (srv_run(&pg, init_argv, NULL, &out) != 0) {
		fprintf(stderr, "initdb failed: %s\n", out);
		free(out);
		return -1;
	}
	free(out);
	char *run_argv[] = {postgres,
			    "-D",
			    data,
			    "-k",
			    pg.dir,
			    "-c",
			    "listen_addresses=",
			    "-c",
			    "fsync=off",
			    "-c",
			    "full_page_writes=off",
			    NULL};
	pg.pid = srv_spawn(&pg, run_argv, log_path);
	for (int i = 0; i < 300; i++) {
		if (sql("postgres", "SELECT 1", NULL) == 0) {
			have_pg = true;
			return 0;
		}
		if (srv_exited(pg.pid))
			break;
		usleep(100000);
	}
	srv_show(log_path);
	return -1;
}

static int teardown(void **state)
{
	srv_stop(pg.pid, SIGINT); /* fast shutdown */
	return test_teardown(state);
}

/* The spec for db: through the server's socket, as its user (as=, when we are root). */
static struct dump_spec spec_for(const char *db, bool as_user, char *text, size_t size)
{
	struct dump_spec s;
	snprintf(text, size, "postgres%s%s:host=%s dbname=%s user=%s", as_user && pg.switch_user ? ",as=" : "",
		 as_user && pg.switch_user ? pg.user : "", pg.dir, db, pg.user);
	int code = dump_parse(text, &s);
	if (code < 0)
		fail_msg("dump_parse: %s", err_msg(code));
	return s;
}

static const char *const fingerprint =
    "SELECT concat_ws(' | ',"
    " (SELECT count(*) || ':' || md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM items t),"
    " (SELECT count(*) || ':' || md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM audit t),"
    " (SELECT last_value FROM items_id_seq),"
    " add_tax(10), (SELECT count(*) FROM cheap), obj_description('items'::regclass),"
    " (SELECT count(*) FROM pg_trigger WHERE tgname = 'items_audit'),"
    " (SELECT count(*) FROM pg_indexes WHERE indexname = 'items_name'))";

/* Awkward data round trips: text with quotes, backslashes, newlines, tabs and Unicode,
 * NULLs, arrays, jsonb, bytea, numerics, time stamps; a view, functions, a trigger, an
 * index, a sequence's position, a comment. */
static void test_pg_roundtrip(void **state)
{
	char text[1024], path[PATH_MAX], *out = NULL;
	if (!have_pg)
		skip();
	sql_ok("postgres", "CREATE DATABASE app");
	sql_ok("app",
	       "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, note text, price numeric(12,2),"
	       "  tags text[], attrs jsonb, raw bytea, at timestamptz NOT NULL);"
	       "CREATE TABLE audit (id serial PRIMARY KEY, item bigint, what text);"
	       "CREATE FUNCTION audit_fn() RETURNS trigger LANGUAGE plpgsql AS $$"
	       "  BEGIN INSERT INTO audit (item, what) VALUES (NEW.id, TG_OP); RETURN NEW; END $$;"
	       "CREATE TRIGGER items_audit AFTER INSERT OR UPDATE ON items"
	       "  FOR EACH ROW EXECUTE FUNCTION audit_fn();"
	       "INSERT INTO items (name, note, price, tags, attrs, raw, at)"
	       "  SELECT 'item ' || i || ' — ünïcödé 日本語',"
	       "    CASE WHEN i % 7 = 0 THEN NULL"
	       "      ELSE E'line1\\nline2\\ttab \\\\ back ''quote'' \"dq\"; $(id) `id` ' || repeat('x', i % 50) END,"
	       "    (i * 1.25)::numeric(12,2), ARRAY['a' || i % 3, 'b,c', NULL],"
	       "    jsonb_build_object('i', i, 'even', i % 2 = 0, 's', E'q\"\\\\'),"
	       "    decode(md5(i::text), 'hex') || '\\x00ff'::bytea,"
	       "    timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute 1.5 second'"
	       "  FROM generate_series(1, 20000) i;"
	       "UPDATE items SET price = price + 1 WHERE id % 1000 = 0;"
	       "CREATE INDEX items_name ON items (name);"
	       "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 100;"
	       "CREATE FUNCTION add_tax(p numeric) RETURNS numeric LANGUAGE sql IMMUTABLE"
	       "  AS $$ SELECT round(p * 1.2, 2) $$;"
	       "SELECT setval('items_id_seq', 50000);"
	       "COMMENT ON TABLE items IS 'the things we sell; ''quoted''';");
	char *before = sql_value("app", fingerprint);

	struct dump_spec s = spec_for("app", true, text, sizeof(text));
	int64_t t0 = time_mono_us();
	int code = dump_run(&s, test_dir, path);
	if (code < 0) {
		srv_show(log_path);
		fail_msg("dump_run: %s", err_msg(code));
	}
	fprintf(stderr, "# pg_dump of 20000 rows: %.2f s\n", (double)(time_mono_us() - t0) / 1e6);
	char want[700];
	snprintf(want, sizeof(want), "%s/postgres-app.sql", test_dir);
	assert_string_equal(path, want);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(st.st_size > 1000000);

	/* Restored into another database: the same. psql reads the dump on stdin, which we
	 * open, since the dump is ours alone. */
	sql_ok("postgres", "CREATE DATABASE restored");
	char *argv[] = {psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.dir, "-d", "restored", NULL};
	if (srv_run(&pg, argv, path, &out) != 0)
		fail_msg("restoring failed: %s", out);
	free(out);
	char *after = sql_value("restored", fingerprint);
	fprintf(stderr, "# %s\n", after);
	assert_string_equal(before, after);
	assert_true(test_contains(after, "20000:"));
	assert_true(test_contains(after, " | 50000 | 12.00 | "));
	free(before);
	free(after);
}

/* A database written by another session all through the dump: the dump is one snapshot,
 * so the counter row and the ledger agree, and it holds what was committed before it
 * started and not what came after it finished. */
static void test_pg_concurrent(void **state)
{
	char text[1024], path[PATH_MAX];
	if (!have_pg)
		skip();
	sql_ok("postgres", "CREATE DATABASE busy");
	sql_ok("busy", "CREATE TABLE ledger (id bigserial PRIMARY KEY, amount int NOT NULL);"
		       "CREATE TABLE totals (n bigint NOT NULL, sum bigint NOT NULL); INSERT INTO totals VALUES (0, 0);"
		       "CREATE TABLE stop (x int);"
		       "CREATE TABLE filler AS SELECT i, md5(i::text) AS h FROM generate_series(1, 300000) i;");
	/* The writer: a transaction per row until told to stop (or 60 s). */
	char *wargv[] = {psql,
			 "-X",
			 "-q",
			 "-h",
			 pg.dir,
			 "-d",
			 "busy",
			 "-c",
			 "DO $$ DECLARE i int := 0; t timestamptz := clock_timestamp(); BEGIN"
			 "  WHILE NOT EXISTS (SELECT 1 FROM stop) AND clock_timestamp() < t + interval '60 s' LOOP"
			 "    i := i + 1;"
			 "    INSERT INTO ledger (amount) VALUES (i % 97);"
			 "    UPDATE totals SET n = n + 1, sum = sum + i % 97;"
			 "    COMMIT;"
			 "  END LOOP; END $$",
			 NULL};
	char wlog[700];
	snprintf(wlog, sizeof(wlog), "%s/writer.log", pg.dir);
	pid_t writer = srv_spawn(&pg, wargv, wlog);
	for (int i = 0; i < 300; i++) {
		if (sql_int("busy", "SELECT n FROM totals") >= 200)
			break;
		usleep(20000);
	}
	struct dump_spec s = spec_for("busy", true, text, sizeof(text));
	long long before = sql_int("busy", "SELECT n FROM totals");
	int code = dump_run(&s, test_dir, path);
	long long after = sql_int("busy", "SELECT n FROM totals");
	sql_ok("busy", "INSERT INTO stop VALUES (1)");
	srv_stop(writer, 0); /* signal 0: it ends by itself; wait for it */
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	fprintf(stderr, "# rows committed: %lld when the dump started, %lld when it ended\n", before, after);
	assert_true(after > before); /* it did write all through */

	sql_ok("postgres", "CREATE DATABASE busy_restored");
	char *argv[] = {psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.dir, "-d", "busy_restored", NULL};
	char *out = NULL;
	if (srv_run(&pg, argv, path, &out) != 0)
		fail_msg("restoring failed: %s", out);
	free(out);
	char *check = sql_value("busy_restored", "SELECT (SELECT count(*) FROM ledger) = n"
						 " AND (SELECT coalesce(sum(amount), 0) FROM ledger) = sum"
						 " AND (SELECT max(id) FROM ledger) = n FROM totals");
	assert_string_equal(check, "t");
	free(check);
	long long got = sql_int("busy_restored", "SELECT n FROM totals");
	fprintf(stderr, "# the dump holds %lld\n", got);
	assert_true(got >= before && got <= after);
}

/* pg_dump's own words reach the message; nothing is left behind. */
static void test_pg_errors(void **state)
{
	char text[1024], path[PATH_MAX] = "unchanged";
	if (!have_pg)
		skip();
	struct dump_spec s = spec_for("nope", true, text, sizeof(text));
	int code = dump_run(&s, test_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "cannot dump postgres 'nope': pg_dump exited with status 1: ");
	assert_msg_has(code, "database \"nope\" does not exist");
	assert_string_equal(path, "unchanged");
	snprintf(text, sizeof(text), "%s/postgres-nope.sql", test_dir);
	assert_int_equal(access(text, F_OK), -1);
	snprintf(text, sizeof(text), "%s/.postgres-nope.sql.tmp", test_dir);
	assert_int_equal(access(text, F_OK), -1);

	if (!pg.switch_user)
		return;
	/* As root without as=: peer authentication says no. */
	s = spec_for("postgres", false, text, sizeof(text));
	code = dump_run(&s, test_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "Peer authentication failed");

	/* A server that is not there. */
	snprintf(text, sizeof(text), "postgres,as=%s:host=%s/none dbname=app", pg.user, test_dir);
	assert_int_equal(dump_parse(text, &s), 0);
	code = dump_run(&s, test_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pg_roundtrip),
	    cmocka_unit_test(test_pg_concurrent),
	    cmocka_unit_test(test_pg_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
