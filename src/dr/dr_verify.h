/*
 * dr_verify.h: checking a restored tree against its snapshot (dr_verify.c), the proof
 * a restore drill gives: the restore checks every chunk it reads, this checks what
 * landed on disk.
 */
#ifndef WARD_DR_VERIFY_H
#define WARD_DR_VERIFY_H

#include <jansson.h>
#include <stdint.h>

#include "backup/repo.h"

struct dr_verify_result {
	uint64_t files, dirs, others; /* entries checked */
	uint64_t bytes;		      /* file bytes re-read and hashed */
	uint64_t problems;	      /* differences found */
	json_t *list;		      /* the first problems as "path: what" strings (the caller's) */
};

/* Walks snapshot (an id or prefix) and checks each entry below root (the restore's
 * target: the snapshot path /a/b is root/a/b). Differences are counted and named in
 * ret, not returned as errors; an error means the check itself could not run (a
 * snapshot or tree unreadable). */
int dr_verify(struct repo *r, const char *snapshot, const char *root, struct dr_verify_result *ret);

#endif
