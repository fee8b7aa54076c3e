/*
 * embed.h: files compiled into the binary by tools/embed.c (the web UI, migrations).
 */
#ifndef WARD_EMBED_H
#define WARD_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name;          /* path relative to the embedded folder */
	const unsigned char *data; /* contents, followed by a NUL */
	long size;                 /* bytes, without the NUL */
};

/* Both arrays end with an entry whose name is NULL. */
extern const struct embed_file web_assets[];
extern const struct embed_file schema_sql[];

#endif
