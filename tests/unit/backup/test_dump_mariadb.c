/*
 * Unit tests for MariaDB dumps against a real server: this program starts its own
 * (mariadb-install-db in a temporary folder, a unix socket only, no network, run by an
 * unprivileged user), fills a database with awkward data, a trigger, routines, an event
 * and a view, dumps it with dump_run, restores the dump into a second database and
 * compares checksums; dumps a database another client keeps writing and finds its
 * invariant whole (--single-transaction); and reads mariadb-dump's own errors. Skipped
 * when the server is not installed (Debian: mariadb-server).
 */
#include "backup/dump.h"
#include "dump_test.h"

static struct srv my;
static char client[PATH_MAX], sock[600], log_path[600];
static bool have_my; /* the server is installed and running */

/* The client as the server's user (unix_socket authentication), on db. */
static int sql(const char *db, const char *query, char **out)
{
	char user[80];
	snprintf(user, sizeof(user), "--user=%s", my.user);
	char *argv[] = {client,
			"--no-defaults",
			"--default-character-set=utf8mb4",
			"-S",
			sock,
			user,
			"-N",
			"-B",
			"-e",
			(char *)query,
			(char *)db,
			NULL};
	return srv_run(&my, argv, NULL, out);
}

static char *sql_value(const char *db, const char *query)
{
	char *out = NULL;
	if (sql(db, query, &out) != 0)
		fail_msg("mariadb on %s failed: %s\nquery: %.300s", db, out, query);
	return out;
}

static void sql_ok(const char *db, const char *query)
{
	free(sql_value(db, query));
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

/* Restores a dump (read on stdin, opened by us) into db. */
static void restore(const char *path, const char *db)
{
	char user[80], *out = NULL;
	snprintf(user, sizeof(user), "--user=%s", my.user);
	char *argv[] = {client, "--no-defaults", "--default-character-set=utf8mb4", "-S", sock, user, (char *)db, NULL};
	if (srv_run(&my, argv, path, &out) != 0)
		fail_msg("restoring into %s failed: %s", db, out);
	free(out);
}

static int setup(void **state)
{
	char server[PATH_MAX], install[PATH_MAX], data[600], arg_data[700], arg_sock[700], arg_log[700], arg_pid[700],
	    arg_tmp[700];
	if (test_setup(state) < 0)
		return -1;
	if ((!srv_find("mariadbd", server) && !srv_find("mysqld", server)) ||
	    (!srv_find("mariadb-install-db", install) && !srv_find("mysql_install_db", install)) ||
	    (!srv_find("mariadb", client) && !srv_find("mysql", client)))
		return 0; /* not installed: every test skips */
	if (srv_init(&my, "mysql") < 0)
		return -1;
	snprintf(data, sizeof(data), "%s/data", my.dir);
	snprintf(sock, sizeof(sock), "%s/mysqld.sock", my.dir);
	snprintf(log_path, sizeof(log_path), "%s/server.log", my.dir);
	snprintf(arg_data, sizeof(arg_data), "--datadir=%s", data);
	snprintf(arg_sock, sizeof(arg_sock), "--socket=%s", sock);
	snprintf(arg_log, sizeof(arg_log), "--log-error=%s", log_path);
	snprintf(arg_pid, sizeof(arg_pid), "--pid-file=%s/mysqld.pid", my.dir);
	snprintf(arg_tmp, sizeof(arg_tmp), "--tmpdir=%s", my.dir);
	/* root@localhost and <user>@localhost, both by unix socket credentials */
	char arg_socket_user[100];
	snprintf(arg_socket_user, sizeof(arg_socket_user), "--auth-root-socket-user=%s", my.user);
	char *init_argv[] = {install,	      "--no-defaults",	arg_data, "--auth-root-authentication-method=socket",
			     arg_socket_user, "--skip-test-db", NULL};
	char *out = NULL;
	if (srv_run(&my, init_argv, NULL, &out) != 0) {
		fprintf(stderr, "mariadb-install-db failed: %s\n", out);
		free(out);
		return -1;
	}
	free(out);
	char *run_argv[] = {server,
			    "--no-defaults",
			    arg_data,
			    arg_sock,
			    arg_log,
			    arg_pid,
			    arg_tmp,
			    "--skip-networking",
			    "--innodb-buffer-pool-size=64M",
			    "--innodb-flush-log-at-trx-commit=0",
			    "--skip-innodb-doublewrite",
			    NULL};
	char out_path[700];
	snprintf(out_path, sizeof(out_path), "%s/stdout.log", my.dir); /* --log-error is the server's own */
	my.pid = srv_spawn(&my, run_argv, out_path);
	for (int i = 0; i < 300; i++) {
		if (access(sock, F_OK) == 0 && sql("mysql", "SELECT 1", NULL) == 0) {
			have_my = true;
			return 0;
		}
		if (srv_exited(my.pid))
			break;
		usleep(100000);
	}
	srv_show(log_path);
	return -1;
}

static int teardown(void **state)
{
	srv_stop(my.pid, SIGTERM);
	return test_teardown(state);
}

/* The spec for db through the server's socket: as root (unix_socket lets root in as
 * root) or, with as_user, as the server's user. */
static struct dump_spec spec_for(const char *db, bool as_user, char *text, size_t size)
{
	struct dump_spec s;
	bool as = as_user && my.switch_user;
	snprintf(text, size, "mariadb%s%s:database=%s socket=%s user=%s", as ? ",as=" : "", as ? my.user : "", db, sock,
		 as || !my.switch_user ? my.user : "root");
	int code = dump_parse(text, &s);
	if (code < 0)
		fail_msg("dump_parse: %s", err_msg(code));
	return s;
}

static const char *const fingerprint =
    "SELECT CONCAT_WS(' | ',"
    " (SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT_WS('#', id, name, IFNULL(note, '<null>'), price, HEX(raw),"
    "   at, IFNULL(doc, '<null>'))))) FROM items),"
    " (SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT_WS('#', id, item, what)))) FROM audit),"
    " add_tax(10), (SELECT COUNT(*) FROM cheap),"
    " (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()),"
    " (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()),"
    " (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()),"
    " (SELECT MAX(id) FROM items))";

/* Awkward data round trips: quotes, backslashes, newlines, tabs, Unicode beyond the
 * BMP, NULLs, binary with NUL bytes, decimals, times with fractions, JSON; a view,
 * a trigger, a function and a procedure, an event. */
static void test_mariadb_roundtrip(void **state)
{
	char text[1024], path[PATH_MAX];
	if (!have_my)
		skip();
	sql_ok("mysql", "CREATE DATABASE shop CHARACTER SET utf8mb4");
	sql_ok("shop",
	       "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL,"
	       "  note TEXT NULL, price DECIMAL(12,2), raw VARBINARY(64), at DATETIME(3), doc JSON)"
	       "  ENGINE=InnoDB;"
	       "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, item INT, what VARCHAR(10)) ENGINE=InnoDB;"
	       "CREATE TRIGGER items_audit AFTER INSERT ON items FOR EACH ROW"
	       "  INSERT INTO audit (item, what) VALUES (NEW.id, 'insert');"
	       "SET SESSION max_recursive_iterations = 1000000;"
	       "INSERT INTO items (name, note, price, raw, at, doc)"
	       "  WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20000)"
	       "  SELECT CONCAT('item ', i, ' — ünïcödé 日本語 🦆 ''q'' \\\\'),"
	       "    IF(i % 7 = 0, NULL, CONCAT('line1\\nline2\\ttab; $(id) `id` \"dq\" ', REPEAT('x', i % 50))),"
	       "    i * 1.25, CONCAT(UNHEX(MD5(i)), 0x00, 0x27, 0x5c),"
	       "    TIMESTAMP('2026-01-01') + INTERVAL i * 61500000 MICROSECOND,"
	       "    IF(i % 3 = 0, NULL, JSON_OBJECT('i', i, 's', 'q\"\\\\'))"
	       "  FROM k;"
	       "UPDATE items SET price = price + 1 WHERE id % 1000 = 0;"
	       "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 100;"
	       "CREATE FUNCTION add_tax(p DECIMAL(12,2)) RETURNS DECIMAL(12,2) DETERMINISTIC"
	       "  RETURN ROUND(p * 1.2, 2);"
	       "CREATE PROCEDURE cheap_count() SELECT COUNT(*) FROM cheap;"
	       "CREATE EVENT tidy ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE id < 0;");
	char *before = sql_value("shop", fingerprint);

	struct dump_spec s = spec_for("shop", false, text, sizeof(text));
	int64_t t0 = time_mono_us();
	int code = dump_run(&s, test_dir, path);
	if (code < 0) {
		srv_show(log_path);
		fail_msg("dump_run: %s", err_msg(code));
	}
	fprintf(stderr, "# mariadb-dump of 20000 rows: %.2f s\n", (double)(time_mono_us() - t0) / 1e6);
	char want[700];
	snprintf(want, sizeof(want), "%s/mariadb-shop.sql", test_dir);
	assert_string_equal(path, want);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(st.st_size > 1000000);

	sql_ok("mysql", "CREATE DATABASE restored CHARACTER SET utf8mb4");
	restore(path, "restored");
	char *after = sql_value("restored", fingerprint);
	fprintf(stderr, "# %s\n", after);
	assert_string_equal(before, after);
	assert_true(test_contains(after, "20000:"));
	assert_true(test_contains(after, " | 12.00 | "));
	assert_true(test_contains(after, " | 1 | 2 | 1 | 20000"));
	free(before);
	free(after);

	/* as=USER: the same through the server's own user. */
	if (my.switch_user) {
		s = spec_for("shop", true, text, sizeof(text));
		code = dump_run(&s, test_dir, path);
		if (code < 0)
			fail_msg("dump_run as %s: %s", my.user, err_msg(code));
		sql_ok("mysql", "CREATE DATABASE restored2 CHARACTER SET utf8mb4");
		restore(path, "restored2");
		after = sql_value("restored2", fingerprint);
		before = sql_value("shop", fingerprint);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
}

/* A database another client keeps writing through the dump: one transaction's snapshot,
 * so the counter row and the ledger agree. */
static void test_mariadb_concurrent(void **state)
{
	char text[1024], path[PATH_MAX], script[700], wlog[700], user[80];
	if (!have_my)
		skip();
	sql_ok("mysql", "CREATE DATABASE busy");
	sql_ok("busy", "CREATE TABLE ledger (id INT AUTO_INCREMENT PRIMARY KEY, amount INT NOT NULL) ENGINE=InnoDB;"
		       "CREATE TABLE totals (n BIGINT NOT NULL, s BIGINT NOT NULL) ENGINE=InnoDB;"
		       "INSERT INTO totals VALUES (0, 0);"
		       "SET SESSION max_recursive_iterations = 1000000;"
		       "CREATE TABLE filler ENGINE=InnoDB AS"
		       "  WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300000)"
		       "  SELECT i, MD5(i) AS h FROM k;");
	/* The writer: a client reading transactions, one row each, until it is killed. */
	snprintf(script, sizeof(script), "%s/writer.sql", my.dir);
	FILE *f = fopen(script, "w");
	assert_non_null(f);
	for (int i = 1; i <= 200000; i++)
		fprintf(f,
			"START TRANSACTION; INSERT INTO ledger (amount) VALUES (%d);"
			" UPDATE totals SET n = n + 1, s = s + %d; COMMIT;\n",
			i % 97, i % 97);
	fclose(f);
	snprintf(wlog, sizeof(wlog), "%s/writer.log", my.dir);
	snprintf(user, sizeof(user), "--user=%s", my.user);
	int in_fd = open(script, O_RDONLY | O_CLOEXEC);
	int log_fd = open(wlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	assert_true(in_fd >= 0 && log_fd >= 0);
	char *wargv[] = {client, "--no-defaults", "--default-character-set=utf8mb4", "-S", sock, user, "busy", NULL};
	pid_t writer = fork();
	if (writer == 0)
		srv_child(&my, wargv, in_fd, log_fd);
	close(in_fd);
	close(log_fd);
	for (int i = 0; i < 500 && sql_int("busy", "SELECT n FROM totals") < 200; i++)
		usleep(20000);

	struct dump_spec s = spec_for("busy", false, text, sizeof(text));
	long long before = sql_int("busy", "SELECT n FROM totals");
	int code = dump_run(&s, test_dir, path);
	long long after = sql_int("busy", "SELECT n FROM totals");
	srv_stop(writer, SIGKILL);
	if (code < 0)
		fail_msg("dump_run: %s", err_msg(code));
	fprintf(stderr, "# rows committed: %lld when the dump started, %lld when it ended\n", before, after);
	assert_true(after > before); /* it did write all through */

	sql_ok("mysql", "CREATE DATABASE busy_restored");
	restore(path, "busy_restored");
	char *check = sql_value("busy_restored", "SELECT (SELECT COUNT(*) FROM ledger) = n"
						 " AND (SELECT COALESCE(SUM(amount), 0) FROM ledger) = s"
						 " AND (SELECT MAX(id) FROM ledger) = n FROM totals");
	assert_string_equal(check, "1");
	free(check);
	long long got = sql_int("busy_restored", "SELECT n FROM totals");
	fprintf(stderr, "# the dump holds %lld\n", got);
	assert_true(got >= before && got <= after);
}

/* mariadb-dump's own words reach the message; nothing is left behind. */
static void test_mariadb_errors(void **state)
{
	char text[1024], path[PATH_MAX] = "unchanged";
	if (!have_my)
		skip();
	struct dump_spec s = spec_for("nope", false, text, sizeof(text));
	int code = dump_run(&s, test_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "cannot dump mariadb 'nope': mariadb-dump exited with status 2: ");
	assert_msg_has(code, "Unknown database 'nope'");
	assert_string_equal(path, "unchanged");
	snprintf(text, sizeof(text), "%s/mariadb-nope.sql", test_dir);
	assert_int_equal(access(text, F_OK), -1);
	snprintf(text, sizeof(text), "%s/.mariadb-nope.sql.tmp", test_dir);
	assert_int_equal(access(text, F_OK), -1);

	snprintf(text, sizeof(text), "mariadb:database=shop socket=%s/none.sock", test_dir);
	assert_int_equal(dump_parse(text, &s), 0);
	code = dump_run(&s, test_dir, path);
	assert_int_equal(code, -EIO);
	assert_msg_has(code, "none.sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mariadb_roundtrip),
	    cmocka_unit_test(test_mariadb_concurrent),
	    cmocka_unit_test(test_mariadb_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
