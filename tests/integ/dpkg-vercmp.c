/*
 * dpkg-vercmp.c: the oracle t0020-vercmp.sh checks ward vercmp against: dpkg's own
 * code (libdpkg, from libdpkg-dev) comparing "A<tab>B" lines from stdin, printing -1, 0
 * or 1 for each, or "error" when dpkg refuses a version (its warnings are compared
 * anyway, as dpkg --compare-versions does). Built by the test when libdpkg is there.
 */
#define LIBDPKG_VOLATILE_API 1
#include <dpkg/dpkg-db.h>
#include <dpkg/dpkg.h>
#include <dpkg/version.h>
#include <stdio.h>
#include <string.h>

static int parse(struct dpkg_version *v, const char *s)
{
	struct dpkg_error err = {0};
	int r = parseversion(v, s, &err);
	bool fatal = r < 0 && err.type != DPKG_MSG_WARN;
	dpkg_error_destroy(&err);
	return fatal ? -1 : 0;
}

int main(void)
{
	static char line[8192];
	while (fgets(line, sizeof(line), stdin)) {
		struct dpkg_version a, b;
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab) {
			puts("error");
			continue;
		}
		*tab = '\0';
		if (parse(&a, line) < 0 || parse(&b, tab + 1) < 0) {
			puts("error");
			continue;
		}
		int c = dpkg_version_compare(&a, &b);
		puts(c < 0 ? "-1" : c > 0 ? "1" : "0");
	}
	return 0;
}
