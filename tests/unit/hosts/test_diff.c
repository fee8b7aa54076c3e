/*
 * Unit tests for hosts_diff: the history entries derived from two versions of a
 * section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hosts/hosts.h"

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The changes as "kind subject old>new" lines, sorted, for easy comparison. */
static char *diff_text(const char *section, const char *old, const char *cur)
{
	json_t *a = old ? json_loads(old, JSON_DECODE_ANY, NULL) : NULL, *b = json_loads(cur, JSON_DECODE_ANY, NULL);
	json_t *out = json_array();
	assert_int_equal(hosts_diff(section, a, b, out), 0);
	size_t n = json_array_size(out), i;
	char **lines = calloc(n + 1, sizeof(char *)), *text = calloc(1, 4096);
	json_t *c;
	json_array_foreach(out, i, c) {
		lines[i] = malloc(256);
		snprintf(lines[i], 256, "%s %s %s>%s", json_string_value(json_object_get(c, "kind")),
			 json_string_value(json_object_get(c, "subject")),
			 json_string_value(json_object_get(c, "old")) ?: "-", json_string_value(json_object_get(c, "new")) ?: "-");
	}
	qsort(lines, n, sizeof(char *), strcmp_ptr);
	for (i = 0; i < n; i++) {
		strncat(text, lines[i], 4000 - strlen(text));
		strncat(text, "\n", 4000 - strlen(text));
		free(lines[i]);
	}
	free(lines);
	json_decref(a);
	json_decref(b);
	json_decref(out);
	return text;
}

static void test_packages(void **state)
{
	const char *old = "{\"count\":3,\"items\":[{\"name\":\"openssl\",\"architecture\":\"amd64\",\"version\":\"3.0.11-1\"},"
			  "{\"name\":\"vim\",\"architecture\":\"amd64\",\"version\":\"2:9.0\"},"
			  "{\"name\":\"curl\",\"architecture\":\"amd64\",\"version\":\"7.88\"}]}";
	const char *cur = "{\"count\":3,\"items\":[{\"name\":\"openssl\",\"architecture\":\"amd64\",\"version\":\"3.0.13-1\"},"
			  "{\"name\":\"curl\",\"architecture\":\"amd64\",\"version\":\"7.88\"},"
			  "{\"name\":\"htop\",\"architecture\":\"amd64\",\"version\":\"3.2\"}]}";
	char *t = diff_text("packages", old, cur);
	assert_string_equal(t, "package.installed htop:amd64 ->3.2\n"
			       "package.removed vim:amd64 2:9.0>-\n"
			       "package.upgraded openssl:amd64 3.0.11-1>3.0.13-1\n");
	free(t);
	/* The same set: nothing. */
	t = diff_text("packages", cur, cur);
	assert_string_equal(t, "");
	free(t);
}

static void test_ports_users_disks(void **state)
{
	char *t = diff_text("sockets", "[{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\",\"port\":22,\"process\":\"sshd\"}]",
			    "[{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\",\"port\":22,\"process\":\"sshd\"},"
			    "{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\",\"port\":8080,\"process\":\"python3\"}]");
	assert_string_equal(t, "port.opened tcp/8080 0.0.0.0 ->python3\n");
	free(t);
	t = diff_text("accounts", "{\"users\":[{\"name\":\"root\"},{\"name\":\"bob\"}],\"groups\":[{\"name\":\"sudo\"}]}",
		      "{\"users\":[{\"name\":\"root\"},{\"name\":\"eve\"}],\"groups\":[{\"name\":\"sudo\"},{\"name\":\"docker\"}]}");
	assert_string_equal(t, "group.added docker ->-\nuser.added eve ->-\nuser.removed bob ->-\n");
	free(t);
	t = diff_text("filesystems", "[{\"mount_point\":\"/\",\"used_percent\":50}]",
		      "[{\"mount_point\":\"/\",\"used_percent\":93.4}]");
	assert_string_equal(t, "disk.nearly_full / ->93%\n");
	free(t);
	/* Still full: reported once, not every report. */
	t = diff_text("filesystems", "[{\"mount_point\":\"/\",\"used_percent\":92}]",
		      "[{\"mount_point\":\"/\",\"used_percent\":95}]");
	assert_string_equal(t, "");
	free(t);
	t = diff_text("network", "{\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"aa\",\"addresses\":[\"192.0.2.1/24\"]}]}",
		      "{\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"aa\",\"addresses\":[\"192.0.2.9/24\"]},"
		      "{\"name\":\"wg0\",\"mac\":\"\",\"addresses\":[]}]}");
	assert_string_equal(t, "interface.added wg0 ->\ninterface.addresses_changed eth0 [\"192.0.2.1/24\"]>[\"192.0.2.9/24\"]\n");
	free(t);
	/* Garbage shapes give no changes and no crash. */
	t = diff_text("packages", "42", "{\"items\":\"x\"}");
	assert_string_equal(t, "");
	free(t);
	t = diff_text("unknown", NULL, "[]");
	assert_string_equal(t, "");
	free(t);
}

static void test_upgrades_reboot(void **state)
{
	const char *old = "{\"upgrades\":[{\"name\":\"libssl3\",\"architecture\":\"amd64\",\"candidate\":\"3.0.15-1\"},"
			  "{\"name\":\"bash\",\"architecture\":\"amd64\",\"candidate\":\"5.2.15-2+b8\"}],\"held\":[]}";
	const char *cur = "{\"upgrades\":[{\"name\":\"libssl3\",\"architecture\":\"amd64\",\"candidate\":\"3.0.16-1\"},"
			  "{\"name\":\"tzdata\",\"architecture\":\"all\",\"candidate\":\"2025b-0\"}],\"held\":[]}";
	char *t = diff_text("upgrades", old, cur);
	assert_string_equal(t, "upgrade.available libssl3:amd64 3.0.15-1>3.0.16-1\n"
			       "upgrade.available tzdata:all ->2025b-0\n"
			       "upgrade.gone bash:amd64 5.2.15-2+b8>-\n");
	free(t);
	t = diff_text("reboot", "{\"reboot_required\":false,\"reasons\":[]}",
		      "{\"reboot_required\":true,\"reasons\":[\"/run/reboot-required exists\",\"kernel 6.1.0-29 is installed\"]}");
	assert_string_equal(t, "reboot.required reboot ->/run/reboot-required exists; kernel 6.1.0-29 is installed\n");
	free(t);
	/* Still needed: said once, not at every report. */
	t = diff_text("reboot", "{\"reboot_required\":true}", "{\"reboot_required\":true,\"reasons\":[\"x\"]}");
	assert_string_equal(t, "");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packages),
		cmocka_unit_test(test_ports_users_disks),
		cmocka_unit_test(test_upgrades_reboot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
