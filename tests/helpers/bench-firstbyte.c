/*
 * bench-firstbyte: when did a player write its first samples, for the
 * start-error rows of tests/bench/b30-compare.sh.
 *
 *   bench-firstbyte [-t COPY] FIFO GAP_MS
 *
 * Reads the named pipe FIFO for ever (until a signal ends it), reopening it
 * each time the writer closes it. A read that returns data after the pipe
 * was (re)opened, or after more than GAP_MS without data, starts a burst:
 * its wall-clock time (CLOCK_REALTIME, seconds since the epoch) goes to
 * stdout, one line per burst. Everything read is thrown away.
 *
 * With -t, everything read is appended to COPY instead, and every read is
 * a line "TIME END" (END: bytes read in all, this read included), so that
 * the wall time at which any byte of the stream was written can be found.
 *
 * The reader is already blocked in read() when the writer's first bytes
 * arrive, so a burst's time is the writer's write(2) plus one wake-up of
 * this process: the same small cost for every player measured with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double firstbyte_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	double gap, last = 0;
	long long total = 0;
	FILE *copy = NULL;
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't') {
			fprintf(stderr, "usage: bench-firstbyte [-t COPY] FIFO GAP_MS\n");
			return 2;
		}
		copy = fopen(optarg, "ae");
		if (!copy) {
			perror(optarg);
			return 1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: bench-firstbyte [-t COPY] FIFO GAP_MS\n");
		return 2;
	}
	gap = strtod(argv[optind + 1], &end) / 1000;
	if (*end != '\0' || gap <= 0) {
		fprintf(stderr, "bench-firstbyte: GAP_MS: not a positive number: %s\n",
		        argv[optind + 1]);
		return 2;
	}
	for (;;) {
		bool fresh = true;
		int fd = open(argv[optind], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror(argv[optind]);
			return 1;
		}
		for (;;) {
			ssize_t n = read(fd, buf, sizeof buf);
			double now;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			now = firstbyte_now();
			total += n;
			if (copy) {
				if (fwrite(buf, 1, (size_t)n, copy) != (size_t)n || fflush(copy)) {
					perror("bench-firstbyte: copy");
					return 1;
				}
				printf("%.6f %lld\n", now, total);
				fflush(stdout);
			} else if (fresh || now - last > gap) {
				printf("%.6f\n", now);
				fflush(stdout);
			}
			fresh = false;
			last = now;
		}
		close(fd);
	}
}
