/*
 * Unit tests for tree equality (node_equal, tree_equal), which lets a backup reuse the
 * parent snapshot's tree: a decoded tree equals the one encoded, and a change to any
 * field the format keeps makes them differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/tree.h"

static void node_make(struct node *n, const char *name, enum node_type type)
{
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	n->type = type;
	n->mode = 0644;
	n->uid = 1000;
	n->gid = 1000;
	snprintf(n->user, sizeof(n->user), "u");
	snprintf(n->group, sizeof(n->group), "g");
	n->mtime_ns = 1700000000123456789LL;
	n->ctime_ns = n->mtime_ns + 1;
	n->atime_ns = n->mtime_ns + 2;
	n->inode = 42;
	n->device = 7;
	n->links = 1;
	if (type == NODE_FILE) {
		n->size = 3;
		n->ncontent = 2;
		n->content = calloc(2, TREE_ID_LEN);
		n->content[1][5] = 9;
	} else if (type == NODE_DIR) {
		n->subtree[0] = 1;
	} else if (type == NODE_SYMLINK) {
		n->target = strdup("over/there");
		n->size = 10;
	}
	n->xattrs = calloc(1, sizeof(*n->xattrs));
	n->xattrs[0].name = strdup("user.k");
	n->xattrs[0].value = (unsigned char *)strdup("v1");
	n->xattrs[0].len = 2;
	n->nxattrs = 1;
}

/* A tree of a file, a folder and a link, encoded and decoded again. */
static void make_pair(struct tree *t, struct tree *back)
{
	struct node n;
	memset(t, 0, sizeof(*t));
	node_make(&n, "a-file", NODE_FILE);
	assert_int_equal(tree_add(t, &n), 0);
	node_make(&n, "b-dir", NODE_DIR);
	assert_int_equal(tree_add(t, &n), 0);
	node_make(&n, "c-link", NODE_SYMLINK);
	assert_int_equal(tree_add(t, &n), 0);
	tree_sort(t);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(tree_encode(t, &text, &len), 0);
	assert_int_equal(tree_decode(text, len, back), 0);
	free(text);
}

static void test_equal_after_round_trip(void **state)
{
	struct tree t, back;
	make_pair(&t, &back);
	assert_true(tree_equal(&t, &back));
	assert_true(tree_equal(&back, &t));
	tree_free(&t);
	tree_free(&back);
}

static void test_any_change_differs(void **state)
{
	for (int what = 0; what < 12; what++) {
		struct tree t, back;
		make_pair(&t, &back);
		struct node *f = &t.nodes[0], *d = &t.nodes[1], *l = &t.nodes[2];
		switch (what) {
		case 0: f->atime_ns++; break;
		case 1: f->mode = 0600; break;
		case 2: f->content[1][0] ^= 1; break;
		case 3: f->sparse = true; break;
		case 4: d->subtree[31] ^= 1; break;
		case 5: l->target[0] = 'O'; break;
		case 6: f->xattrs[0].value[1] = '2'; break;
		case 7: f->nxattrs = 0; break;
		case 8: snprintf(f->group, sizeof(f->group), "h"); break;
		case 9: f->links = 2; break;
		case 10: f->ncontent = 1; break;
		case 11: node_free(&t.nodes[--t.n]); break;
		}
		assert_false(tree_equal(&t, &back));
		if (what == 7)
			f->nxattrs = 1; /* so tree_free frees it */
		if (what == 10)
			f->ncontent = 2;
		tree_free(&t);
		tree_free(&back);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal_after_round_trip),
	    cmocka_unit_test(test_any_change_differs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
