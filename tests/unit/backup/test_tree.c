/*
 * Unit tests for tree equality (node_equal, tree_equal), which lets a backup reuse the
 * parent snapshot's tree: a decoded tree equals the one encoded, and a change to any
 * field the format keeps makes them differ. And the fast decoder (tree_fast.c): it
 * reads what Ward writes, and whatever it accepts decodes exactly as with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
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

static void node_free_xattrs_for_test(struct node *n)
{
	for (size_t i = 0; i < n->nxattrs; i++) {
		free(n->xattrs[i].name);
		free(n->xattrs[i].value);
	}
	free(n->xattrs);
	n->xattrs = NULL;
	n->nxattrs = 0;
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

/* Decodes text both ways: when the fast way accepts it, the general one must give the
 * same tree (the same canonical text); returns what the fast way said. */
static int both_ways(const char *text)
{
	struct tree f, j;
	int rf = tree_decode_fast(text, strlen(text), &f);
	int rj = tree_decode_json(text, strlen(text), &j);
	assert_true(rf == 0 || rf == -EAGAIN);
	if (rf == 0) {
		assert_int_equal(rj, 0);
		char *a = NULL, *b = NULL;
		size_t al = 0, bl = 0;
		assert_true(tree_equal(&f, &j));
		assert_int_equal(tree_encode(&f, &a, &al), 0);
		assert_int_equal(tree_encode(&j, &b, &bl), 0);
		assert_int_equal(al, bl);
		assert_memory_equal(a, b, al);
		free(a);
		free(b);
		tree_free(&f);
	}
	if (rj == 0)
		tree_free(&j);
	struct tree d;
	int rd = tree_decode(text, strlen(text), &d); /* the two together */
	assert_int_equal(rd, rj);
	if (rd == 0)
		tree_free(&d);
	return rf;
}

static void test_fast_reads_what_ward_writes(void **state)
{
	struct tree t = {0};
	struct node n;
	static const enum node_type types[] = {NODE_FILE, NODE_DIR, NODE_SYMLINK, NODE_FIFO, NODE_CHARDEV};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%zu %s", i, node_type_name(types[i]));
		node_make(&n, name, types[i]);
		node_free_xattrs_for_test(&n);
		if (types[i] == NODE_CHARDEV)
			n.rdev = 0x0501;
		n.sparse = types[i] == NODE_FILE;
		n.mtime_ns = -1234567890123LL; /* before 1970 */
		assert_int_equal(tree_add(&t, &n), 0);
	}
	node_make(&n, "z-empty-file", NODE_FILE);
	node_free_xattrs_for_test(&n);
	n.ncontent = 0;
	snprintf(n.user, sizeof(n.user), "%s", "");
	assert_int_equal(tree_add(&t, &n), 0);
	tree_sort(&t);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(tree_encode(&t, &text, &len), 0);
	assert_int_equal(both_ways(text), 0);
	free(text);
	tree_free(&t);
	assert_int_equal(both_ways("{\"nodes\":[]}"), 0);
	assert_int_equal(both_ways(" { \"nodes\" : [ ] } \n"), 0);
}

static void test_fast_declines_the_rest(void **state)
{
	/* xattrs, escapes, non-ASCII and base64 names: jansson's. */
	struct tree t, back;
	make_pair(&t, &back);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(tree_encode(&t, &text, &len), 0);
	assert_int_equal(both_ways(text), -EAGAIN);
	free(text);
	tree_free(&t);
	tree_free(&back);
#define NODE(extra)                                                                                                    \
	"{\"nodes\":[{\"atime_ns\":1,\"content\":[],\"ctime_ns\":2,\"device\":3,\"gid\":4,\"group\":\"g\","            \
	"\"inode\":5,\"links\":1,\"mode\":420,\"mtime_ns\":6,\"size\":0,\"type\":\"file\",\"uid\":7,"                  \
	"\"user\":\"u\"" extra "}]}"
	assert_int_equal(both_ways(NODE(",\"name\":\"plain\"")), 0);
	static const char *const declined[] = {
	    NODE(",\"name\":\"tab\\there\""),	     /* an escape */
	    NODE(",\"name\":\"caf\\u00e9\""),	     /* \u */
	    NODE(",\"name\":\"caf\xc3\xa9\""),	     /* UTF-8 */
	    NODE(",\"name_b64\":\"YQ==\""),	     /* base64 */
	    NODE(",\"name\":\"a\",\"xattrs\":{}"),   /* xattrs */
	    NODE(",\"name\":\"a\",\"name\":\"b\""),  /* twice: jansson keeps the last */
	    NODE(",\"name\":\"a\",\"sparse\":null"), /* not a boolean */
	    NODE(",\"name\":\"a\",\"rdev\":-1"),     /* ignored there for a file */
	    NODE(",\"name\":\"a\",\"subtree\":5"),   /* likewise */
	    NODE(",\"name\":\"a\",\"future\":1"),    /* an unknown key */
	    NODE(",\"name\":\"a\",\"mode\":420"),    /* repeated */
	    NODE(",\"name\":\"a\",\"size\":1.0"),    /* a real */
	    NODE(",\"name\":\"a\",\"rdev\":-0"),     /* -0 */
	    NODE(",\"name\":\"\""),		     /* empty */
	    NODE(",\"name\":\"..\""),		     /* not a file name */
	    NODE(",\"name\":\"a/b\""),		     /* likewise */
	    NODE(",\"name\":\"a\"") " ",	     /* fine: whitespace after */
	    NODE(",\"name\":\"a\"") "x",	     /* trailing garbage */
	    "{\"nodes\":[],\"more\":1}",	     /* another root key */
	    "{\"nodes\":[{\"name\":\"a\"}]}",	     /* incomplete */
	    "{\"nodes\":["
	    "{\"name\":\"b\"},{\"name\":\"a\"}]}", /* unsorted */
	    "{\"nodes\":[}",			   /* not JSON */
	    "",
	};
	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		int r = both_ways(declined[i]);
		if (i == 16)
			assert_int_equal(r, 0);
		else
			assert_int_equal(r, -EAGAIN);
	}
	/* Integers at the edges: the largest fit, one more does not. */
	assert_int_equal(both_ways(NODE(",\"name\":\"a\",\"rdev\":9223372036854775807")), 0);
	assert_int_equal(both_ways(NODE(",\"name\":\"a\",\"rdev\":9223372036854775808")), -EAGAIN);
	assert_int_equal(
	    both_ways("{\"nodes\":[{\"atime_ns\":-9223372036854775808,\"content\":[],\"ctime_ns\":2,\"device\":3,"
		      "\"gid\":4294967295,\"inode\":5,\"links\":1,\"mode\":4095,\"mtime_ns\":6,\"name\":\"a\","
		      "\"size\":0,\"type\":\"file\",\"uid\":0}]}"),
	    0);
	assert_int_equal(
	    both_ways("{\"nodes\":[{\"atime_ns\":1,\"content\":[],\"ctime_ns\":2,\"device\":3,"
		      "\"gid\":4294967296,\"inode\":5,\"links\":1,\"mode\":4095,\"mtime_ns\":6,\"name\":\"a\","
		      "\"size\":0,\"type\":\"file\",\"uid\":0}]}"),
	    -EAGAIN);
#undef NODE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal_after_round_trip),
	    cmocka_unit_test(test_any_change_differs),
	    cmocka_unit_test(test_fast_reads_what_ward_writes),
	    cmocka_unit_test(test_fast_declines_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
