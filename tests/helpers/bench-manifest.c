/*
 * bench-manifest: what one manifest check costs the station, for
 * tests/bench/b20-sync.sh.
 *
 *   bench-manifest [-n ENTRIES] [-t SECONDS] [-o DIR]
 *
 * Builds, in memory, a province manifest of ENTRIES programmes (default
 * 1000) shaped like the ones loaxa-province publishes, signs it with a
 * fresh key ("ED", prehashed, as minisign does by default), then repeats
 * the station's two steps over the same bytes for at least SECONDS of wall
 * time (default 2): minisig_verify, then manifest_parse + manifest_free.
 * Prints one line:
 *
 *   entries N bytes B iterations I verify_ms V parse_ms P check_ms C
 *
 * each *_ms the mean wall time of one call (check = verify + parse). A
 * check that does not succeed ends the run with status 1: a benchmark of
 * a failing check would measure the wrong thing. -o DIR also writes
 * manifest.json, manifest.json.minisig and province.pub there, so that the
 * same bytes can be checked by other tools for comparison.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "diag.h"
#include "manifest.h"
#include "minisig.h"
#include "util.h"

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One programme entry, with the fields and lengths a real publication has
 * (Vietnamese titles are mostly multi-byte UTF-8). */
static json_t *bench_entry(long i, time_t now)
{
	static const char *const klass[] = {"normal", "normal", "normal", "priority"};
	char seed[32], sha[65], id[96], path[96], until[16];
	time_t later = now + (time_t)(7 + i % 14) * 86400;
	struct tm tm;

	snprintf(seed, sizeof seed, "programme %ld", i);
	util_sha256_hex(seed, strlen(seed), sha);
	snprintf(id, sizeof id, "ban-tin-%04ld-2026-11-27", i);
	snprintf(path, sizeof path, "programmes/%s.ogg", sha);
	gmtime_r(&later, &tm);
	strftime(until, sizeof until, "%Y-%m-%d", &tm);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:s, s:[s]}", "id", id, "title",
	                 "Bản tin giảm nghèo: mô hình hộ sản xuất giỏi ở xã Tân Quang", "class",
	                 klass[i % 4], "path", path, "sha256", sha, "bytes",
	                 (json_int_t)(1000000 + i * 7919), "duration_s", 300.0 + (double)(i % 60),
	                 "loudness_lufs", -18.0 - (double)(i % 5) / 10, "valid_until", until,
	                 "stations", "*");
}

static char *bench_manifest(long n, time_t now)
{
	char issued[40], expires[40];
	json_t *root, *progs;
	char *text;

	util_format_time(issued, sizeof issued, (struct timespec){now - 3600, 0}, false);
	util_format_time(expires, sizeof expires, (struct timespec){now + 14 * 86400, 0}, false);
	progs = json_array();
	for (long i = 0; i < n; i++)
		json_array_append_new(progs, bench_entry(i, now));
	root = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:[]}", "format", MANIFEST_FORMAT,
	                 "province", "bac-giang", "version", (json_int_t)42, "issued", issued,
	                 "expires", expires, "programmes", progs, "schedules");
	if (!root) {
		fprintf(stderr, "bench-manifest: cannot build the manifest\n");
		exit(1);
	}
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text) {
		fprintf(stderr, "bench-manifest: cannot serialise the manifest\n");
		exit(1);
	}
	return text;
}

static void bench_write(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);

	if (util_write_atomic(path, text, strlen(text), 0644) < 0) {
		fprintf(stderr, "bench-manifest: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	free(path);
}

int main(int argc, char **argv)
{
	struct minisig_pubkey pk;
	struct minisig_seckey sk;
	struct manifest_check chk = {0};
	const char *outdir = NULL, *err = NULL;
	double seconds = 2, t0, verify_s = 0, parse_s = 0;
	long entries = 1000, iterations = 0;
	char *text, *sig;
	size_t len;
	int ch;

	while ((ch = getopt(argc, argv, "n:t:o:")) != -1) {
		switch (ch) {
		case 'n':
			entries = (long)util_option_number("bench-manifest", "-n", optarg, 1,
			                                   MANIFEST_MAX_ENTRIES);
			break;
		case 't':
			seconds =
			    (double)util_option_number("bench-manifest", "-t", optarg, 1, 3600);
			break;
		case 'o':
			outdir = optarg;
			break;
		default:
			fprintf(stderr,
			        "usage: bench-manifest [-n ENTRIES] [-t SECONDS] [-o DIR]\n");
			return 2;
		}
	}
	msg_init("bench-manifest", false, MSG_WARNING);
	chk.station_id = "tan-quang";
	chk.now = time(NULL);
	chk.clock_trusted = true;
	chk.max_bytes = 268435456;

	text = bench_manifest(entries, chk.now);
	len = strlen(text);
	minisig_keygen(&pk, &sk);
	sig = minisig_sign(&sk, text, len, NULL, "loaxa manifest 42");
	if (!sig) {
		fprintf(stderr, "bench-manifest: cannot sign\n");
		return 1;
	}
	if (outdir) {
		char *pub = minisig_format_pubkey(&pk, "bench province key");

		bench_write(outdir, "manifest.json", text);
		bench_write(outdir, "manifest.json.minisig", sig);
		bench_write(outdir, "province.pub", pub);
		free(pub);
	}

	t0 = bench_now();
	do {
		struct manifest m;
		struct diag why = {0};
		double a = bench_now(), b;

		if (minisig_verify(&pk, text, len, sig, strlen(sig), NULL, &err) < 0) {
			fprintf(stderr, "bench-manifest: signature: %s\n", err);
			return 1;
		}
		b = bench_now();
		if (manifest_parse(&m, text, len, "manifest.json", &chk, &why) < 0) {
			diag_print(&why, stderr);
			return 1;
		}
		if (m.nprogrammes != (size_t)entries) {
			fprintf(stderr, "bench-manifest: parsed %zu programmes of %ld\n",
			        m.nprogrammes, entries);
			return 1;
		}
		manifest_free(&m);
		diag_free(&why);
		verify_s += b - a;
		parse_s += bench_now() - b;
		iterations++;
	} while (bench_now() - t0 < seconds || iterations < 10);

	printf("entries %ld bytes %zu iterations %ld verify_ms %.3f parse_ms %.3f check_ms %.3f\n",
	       entries, len, iterations, verify_s * 1e3 / (double)iterations,
	       parse_s * 1e3 / (double)iterations, (verify_s + parse_s) * 1e3 / (double)iterations);
	free(sig);
	free(text);
	return 0;
}
