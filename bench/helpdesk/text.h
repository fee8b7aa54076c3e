/*
 * bench/helpdesk/text.h: what gen.c uses of text.c: random numbers, Zipf draws, growable
 * buffers, the topics, and sentences, titles and descriptions about a topic.
 */
#ifndef BENCH_HELPDESK_TEXT_H
#define BENCH_HELPDESK_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTOPICS 15 /* entries of topics[] */
#define NFIRST 100 /* entries of first_names[] */
#define NLAST 100  /* entries of last_names[] */

/* Prints "gen: <message>" and exits 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* xoshiro256**, seeded through splitmix64: the same seed, the same data. */
void rng_seed(uint64_t seed);
uint64_t rng_next(void);
double unit(void);	  /* [0, 1) */
int64_t below(int64_t n); /* [0, n); 0 when n <= 0 */
bool chance(double p);
double normal(void);				/* mean 0, deviation 1 */
int64_t lognormal(double median, double sigma); /* median * e^(sigma * normal()) */
int poisson(double mean);

/* Zipf: rank r (0-based) drawn with probability proportional to 1 / (r + 1)^s. */
struct zipf {
	int n;	     /* ranks */
	double *cdf; /* cdf[r]: probability of a rank <= r */
};

void zipf_init(struct zipf *z, int n, double s);
int zipf_draw(const struct zipf *z);

/* A growable string, always NUL-terminated once written; p is the caller's to free. */
struct buf {
	char *p;       /* the text, NUL-terminated; NULL until written */
	size_t n, cap; /* bytes used (without the NUL), bytes allocated */
};

void buf_add(struct buf *b, const char *s, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
char *xstrdup(const char *s); /* "" for NULL; exits when out of memory */

struct topic {
	const char *name, *category; /* "printer", and the ticket category "Printing" */
	double weight;		     /* how often tickets are about it, relatively */
	const char *const *words;    /* most frequent first; NULL-terminated */
	const char *const *codes;    /* error codes and the like; NULL-terminated */
	const char *const *fixes;    /* how such tickets end; NULL-terminated */
	int nwords, ncodes, nfixes;  /* entries of the three lists */
	struct zipf zw;		     /* draws from words */
};

extern struct topic topics[NTOPICS];
extern const char *const first_names[NFIRST], *const last_names[NLAST];

/* Sets up the Zipf tables; before anything else here. */
void vocab_init(void);
/* A topic, by the topics' weights. */
int pick_topic(void);
/* A shell command a knowledge-base article shows. */
const char *kb_command(void);

enum mix { MIX_BODY, MIX_TITLE, MIX_KB };

/* nwords words of sentences about t into b; paragraphs: blank lines now and then. */
void gen_text(struct buf *b, const struct topic *t, int nwords, enum mix mix, bool paragraphs);
/* A title of 4 to 10 words; ticket: sometimes opening with "Cannot", "Urgent:"... */
void gen_title(struct buf *b, const struct topic *t, bool ticket);
/* Words in a description or comment: 20 to 120, more of them short the larger shape is. */
int text_len(double shape);
/* s as a JSON string, quotes included. */
void json_escape(struct buf *b, const char *s);

#endif
