/*
 * vercmp-bench.c: Ward's side of bench/versions: reads "A<tab>B" lines, compares every
 * pair with vercmp() (src/software/vercmp.c, compiled in) in a loop for at least
 * --seconds of CPU time (the process's, not the wall clock's: the machine is shared),
 * and prints "pairs N comparisons N seconds S per_second R"; with --out FILE it also
 * writes -1, 0 or 1 per pair there, for the answers check.
 * usage: vercmp-bench PAIRS.tsv [--seconds S] [--out FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "software/vercmp.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 1.0;
	const char *out = NULL;
	if (argc < 2) {
		fprintf(stderr, "usage: vercmp-bench PAIRS.tsv [--seconds S] [--out FILE]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = strtod(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--out") == 0)
			out = argv[i + 1];
	}
	FILE *f = fopen(argv[1], "re");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	size_t n = 0, size = 1 << 16;
	char **a = malloc(size * sizeof(*a)), **b = malloc(size * sizeof(*b));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		if (n == size) {
			size *= 2;
			a = realloc(a, size * sizeof(*a));
			b = realloc(b, size * sizeof(*b));
		}
		a[n] = strdup(line);
		b[n] = strdup(tab + 1);
		n++;
	}
	free(line);
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "vercmp-bench: no pairs in %s\n", argv[1]);
		return 1;
	}
	/* One pass for the answers (and a warm cache), then the timed loop. */
	long sum = 0;
	FILE *o = out ? fopen(out, "we") : NULL;
	for (size_t i = 0; i < n; i++) {
		int c = vercmp(a[i], b[i]);
		c = c < 0 ? -1 : c > 0;
		sum += c;
		if (o)
			fprintf(o, "%d\n", c);
	}
	if (o)
		fclose(o);
	unsigned long long done = 0;
	double start = now(), t;
	do {
		for (size_t i = 0; i < n; i++)
			sum += vercmp(a[i], b[i]) > 0;
		done += n;
	} while ((t = now() - start) < seconds);
	printf("pairs %zu comparisons %llu seconds %.6f per_second %.0f checksum %ld\n", n, done, t, (double)done / t,
	       sum);
	for (size_t i = 0; i < n; i++) {
		free(a[i]);
		free(b[i]);
	}
	free(a);
	free(b);
	return 0;
}
