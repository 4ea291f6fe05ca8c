/*
 * netjob: one round of the station's network work (a province sync, a log
 * upload) run in a child process, loaxad-net, while the daemon's thread
 * waits for it. libcurl, TLS and the parsing of what the network brought
 * never live in the daemon: its resident memory stays that of a player,
 * and a fault in them costs one round, not the loudspeakers.
 *
 * The child is LOAXA_NET_HELPER when set, else loaxad-net in the folder of
 * the running program when there is one (a build tree), else
 * LIBEXECDIR/loaxad-net. It reads the input text on its standard input,
 * writes one JSON object on its standard output and exits 0; its standard
 * error is the daemon's.
 */
#ifndef LOAXA_NETJOB_H
#define LOAXA_NETJOB_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* The helper's path. */
const char *netjob_helper(void);
/* Where a helper program NAME is, found as loaxad-net is: env_var when
 * set, else beside the running program, else LIBEXECDIR/NAME. */
void netjob_find_program(const char *name, const char *env_var, char *path, size_t n);

/* posix_spawn path with args (NULL-terminated, after argv[0]); fds[i],
 * when not -1, becomes the child's descriptor i (the others are
 * inherited, but for close-on-exec ones). The child starts with no signal
 * blocked and SIGPIPE and SIGTERM at their defaults, whatever this process
 * set for its signalfd. 0 with *pid, or an errno value. The helpers
 * (loaxad-net, loaxad-relay, loaxad-speak) are all started here. */
int netjob_spawn_fds(const char *path, const char *const args[], const int fds[], size_t nfds,
                     pid_t *pid);

/* Start path (NULL: the helper) with args, its stdin and stdout on pipes
 * (close-on-exec in this process): 0 with *to_child, *from_child and
 * *pid, or an errno value. For a child that lives on (the alert watcher);
 * the caller reaps it. */
int netjob_spawn(const char *path, const char *const args[], int *to_child, int *from_child,
                 pid_t *pid);

/* Run the helper with args (NULL-terminated, after argv[0]) and input on
 * its stdin (NULL: none). When cancel_fd (an eventfd, or -1) becomes
 * readable, the child is sent SIGTERM. 0 with *out (the object it
 * printed), or -1 with why filled. */
int netjob_run(const char *const args[], const char *input, int cancel_fd, json_t **out, char *why,
               size_t why_len);

/* Seconds to wait after the given run of failures: min(interval,
 * first * 2^failures), of which a random half is added to half, so that
 * communes that failed together do not all come back at once. */
unsigned netjob_backoff_s(unsigned first, unsigned interval, unsigned failures);

#endif
