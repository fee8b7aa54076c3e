/*
 * fuzz_backup_tree.c: tree_decode (a directory listing read back from a backup
 * repository) on arbitrary bytes. A tree that decodes must encode again, and the
 * encoding must decode to the same text: names stay file names, ids stay 32 bytes,
 * nothing is lost between the two. And the fast decoder (tree_fast.c) must either
 * decline or give exactly what the jansson one gives.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backup/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tree t, u, f;
	int rf = tree_decode_fast((const char *)data, size, &f);
	assert(rf == 0 || rf == -EAGAIN || rf == -ENOMEM);
	int rj = tree_decode_json((const char *)data, size, &t);
	if (rf == 0) {
		char *a = NULL, *b = NULL;
		size_t al = 0, bl = 0;
		assert(rj == 0 && tree_equal(&f, &t));
		assert(tree_encode(&f, &a, &al) == 0 && tree_encode(&t, &b, &bl) == 0);
		assert(al == bl && memcmp(a, b, al) == 0);
		free(a);
		free(b);
		tree_free(&f);
	}
	if (rj < 0)
		return 0;
	for (size_t i = 0; i < t.n; i++) {
		assert(t.nodes[i].name && *t.nodes[i].name && !strchr(t.nodes[i].name, '/'));
		assert(strcmp(t.nodes[i].name, ".") && strcmp(t.nodes[i].name, ".."));
		assert(i == 0 || strcmp(t.nodes[i - 1].name, t.nodes[i].name) < 0);
		assert(t.nodes[i].type != NODE_SYMLINK || t.nodes[i].target);
	}
	char *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	assert(tree_encode(&t, &text, &len) == 0);
	assert(tree_decode(text, len, &u) == 0);
	assert(u.n == t.n);
	assert(tree_encode(&u, &again, &len2) == 0);
	assert(len == len2 && memcmp(text, again, len) == 0);
	free(text);
	free(again);
	tree_free(&t);
	tree_free(&u);
	return 0;
}
