/*
 * backup_cli.h: what the `ward backup` commands share (backup_cli.c and
 * backup_run_cli.c): opening the repository with its password.
 */
#ifndef WARD_BACKUP_CLI_H
#define WARD_BACKUP_CLI_H

#include "backup/repo.h"

/* Opens repo (NULL: WARD_BACKUP_REPO) with the password from password_file (NULL:
 * WARD_BACKUP_PASSWORD). EXIT_OK, or the exit code after saying why on stderr. */
int backup_cli_open(const char *repo, const char *password_file, struct repo **ret);

#endif
