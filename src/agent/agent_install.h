/*
 * agent_install.h: the agent's "install" job: apt-get install of a software request's
 * packages (src/catalog), non-interactive, under the agent's root.
 */
#ifndef WARD_AGENT_INSTALL_H
#define WARD_AGENT_INSTALL_H

#include <jansson.h>
#include <stdbool.h>

struct agent_install_result {
	char *output;	/* what apt-get and dpkg-query said, bounded; caller frees */
	int exit_code;	/* apt-get install's exit status */
	bool failed;	/* not every package is installed at the version asked for */
	json_t *result; /* {"installed": [{"name", "version"}], "missing": [...], "timed_out"} */
};

/* Checks params ({"packages": [{"name", "version"?}], "timeout"?}), refreshes the
 * package lists and installs the packages with apt-get under root ("/" or a directory
 * entered with chroot(8)), then reads the installed versions with dpkg-query. 0 once
 * apt-get ran, whatever it said (see ret->failed); -EINVAL for bad params; -errno when
 * nothing could run. */
int agent_install(const char *root, const json_t *params, struct agent_install_result *ret);

#endif
