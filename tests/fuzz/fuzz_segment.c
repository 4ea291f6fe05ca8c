/*
 * fuzz_segment: what loaxa-province reads from a station's log folder. The
 * input is a bundle of files, each introduced by a line "=== NAME"; a file
 * named "X.minisig" is the signature of segment X. The segments go through
 * the verifier in name order (the fixed fuzz key is the station's, and the
 * seeds carry real signatures by it), and their lines through the cutter
 * the daemon uses to choose the next segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "segment.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_FILES 16

struct fuzz_seg {
	char *name;
	char *data;
	size_t len;
	char *sig;
	size_t sig_len;
};

struct fuzz_count {
	size_t problems;
	size_t lines;
};

static void on_problem(void *ctx, const char *text)
{
	struct fuzz_count *c = ctx;

	if (!text || !*text)
		abort();
	c->problems++;
}

static void on_line(void *ctx, const struct segment_line *l)
{
	struct fuzz_count *c = ctx;
	char buf[64];

	if (!l->prev || l->seq == 0)
		abort();
	segment_val_str(&l->station, buf, sizeof buf);
	if (strlen(buf) >= sizeof buf)
		abort();
	(void)segment_val_num(&l->played_s, 0);
	(void)segment_line_date(l);
	c->lines++;
}

/* A copy of exactly n bytes (no terminator: ASan sees reads past the end). */
static char *dup_bytes(const char *p, size_t n)
{
	char *s = xmalloc(n ? n : 1);

	memcpy(s, p, n);
	return s;
}

static size_t split(const char *p, size_t size, struct fuzz_seg *segs)
{
	const char *end = p + size;
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *body, *next;
		size_t namelen;

		if (end - p < 4 || memcmp(p, "=== ", 4) != 0 || !nl)
			break;
		namelen = (size_t)(nl - p - 4);
		body = nl + 1;
		next = body;
		while (next < end && !(end - next >= 4 && memcmp(next, "=== ", 4) == 0)) {
			const char *q = memchr(next, '\n', (size_t)(end - next));

			next = q ? q + 1 : end;
		}
		if (namelen > 8 && memcmp(p + 4 + namelen - 8, ".minisig", 8) == 0 && n > 0 &&
		    !segs[n - 1].sig) {
			segs[n - 1].sig = dup_bytes(body, (size_t)(next - body));
			segs[n - 1].sig_len = (size_t)(next - body);
		} else if (n < FUZZ_MAX_FILES) {
			segs[n].name = xmalloc(namelen + 1);
			memcpy(segs[n].name, p + 4, namelen);
			segs[n].name[namelen] = '\0';
			segs[n].data = dup_bytes(body, (size_t)(next - body));
			segs[n].len = (size_t)(next - body);
			n++;
		}
		p = next;
	}
	return n;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct fuzz_seg *x = a, *y = b;

	return segment_cmp_names(&x->name, &y->name);
}

/* The daemon's cutter over every line of the bundle, in any order. */
static void cut(const struct fuzz_seg *segs, size_t n)
{
	struct segment_ref *refs = NULL;
	size_t nrefs = 0, start, taken;
	uint64_t first, last, gap, prev = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = segs[i].data, *end = p + segs[i].len, *nl;

		for (; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
			uint64_t seq = segment_line_seq(p, (size_t)(nl - p + 1));

			refs = xreallocarray(refs, nrefs + 1, sizeof *refs);
			refs[nrefs] = (struct segment_ref){p, (size_t)(nl - p + 1),
			                                   seq ? seq : prev, seq == 0, nrefs};
			prev = seq ? seq : prev;
			nrefs++;
		}
	}
	for (uint64_t after = 0; after < 3; after++) {
		taken = segment_pick(refs, nrefs, after, after + 2, 4, &start, &first, &last, &gap);
		if (start > nrefs || taken > nrefs - start)
			abort();
		if (taken && (first <= after || first > last || refs[start].seq != first))
			abort();
		for (size_t k = start + 1; k < start + taken; k++)
			if (refs[k].seq < refs[k - 1].seq)
				abort();
	}
	free(refs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_seg segs[FUZZ_MAX_FILES] = {{0}};
	struct fuzz_count count = {0};
	struct segment_summary sum;
	struct segment_verifier *v;
	struct minisig_pubkey pk;
	size_t n;

	fuzz_key(&pk, NULL);
	n = split((const char *)data, size, segs);
	if (n > 1)
		qsort(segs, n, sizeof *segs, cmp_seg);
	v = segment_verifier_new(FUZZ_STATION, &pk, on_problem, &count);
	for (size_t i = 0; i < n; i++)
		segment_verify(v, segs[i].name, segs[i].data, segs[i].len, segs[i].sig,
		               segs[i].sig_len, on_line, &count);
	segment_verifier_summary(v, &sum);
	if (sum.problems < count.problems || sum.lines < count.lines)
		abort();
	segment_verifier_free(v);
	cut(segs, n);
	for (size_t i = 0; i < n; i++) {
		free(segs[i].name);
		free(segs[i].data);
		free(segs[i].sig);
	}
	return 0;
}
