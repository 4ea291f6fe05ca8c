/*
 * control: the operator's local control socket (a UNIX stream socket,
 * mode 0660, no network port).
 *
 * Protocol: the client connects, writes one JSON object on one line,
 *   {"cmd":"status"|"play"|"emergency"|"stop"|"reload"|"sync"|"load", "arg":"...",
 *    "by":"..."}
 * and reads one JSON object on one line back,
 *   {"ok":true|false, "message":"...", ...command-specific fields}
 * after which the daemon closes the connection. See loaxactl(1).
 *
 * The daemon serves every client from its one event loop without ever
 * waiting on one: the socket and its clients are non-blocking and sit in an
 * epoll set of their own (control_fd() is that set's descriptor, readable
 * when anything is to be done). A request is at most 512 KiB ("load"
 * carries the text of a schedule file in "text") and must be whole, and
 * its answer read, within 5 s of connecting; at most 32 clients are served
 * at once. A newcomer beyond that takes the place of the client that has
 * been silent longest without sending a whole request, once that one has
 * been silent 50 ms; until then newcomers wait in the kernel's queue of
 * the listening socket (64), where loaxactl's blocking connect waits and
 * writes its request. A client that connects without blocking may be told
 * EAGAIN while that queue is full, and should try again. A request too
 * large, or one over the memory all clients may hold together, is answered
 * {"ok":false} with the reason; a client past its deadline is disconnected.
 * Warnings about such clients reach the daemon's log at most once a minute
 * of each kind.
 *
 * "by" (optional) says who asks, for the daemon's journal and the as-run
 * log: "loaxactl:<unix user>" from loaxactl, "web:<operator>@<address>"
 * from loaxa-web. At most CONTROL_BY_MAX bytes, no control characters.
 */
#ifndef LOAXA_CONTROL_H
#define LOAXA_CONTROL_H

#include <jansson.h>
#include <stdbool.h>

/* Daemon side. */
struct control;
typedef json_t *(*control_handler)(const char *cmd, json_t *req, void *ctx);
/* Create the socket (removing a stale one), mode 0660. NULL + log. */
struct control *control_open(const char *path, control_handler fn, void *ctx);
/* Poll it for POLLIN. */
int control_fd(const struct control *c);
/* Do what is ready (accept, read, answer, let go of clients past their
 * deadline) without blocking; fn runs for each whole request. Call when
 * control_fd is readable. */
void control_serve(struct control *c);
void control_close(struct control *c);

#define CONTROL_BY_MAX 128

/* true when by is acceptable as a request's "by" (see above). */
bool control_by_valid(const char *by);

/* Client side: send one request to the socket at path and return the
 * answer, or NULL with errno set (the daemon is not there, or it did not
 * answer within timeout_ms). The caller owns both. */
json_t *control_request(const char *path, json_t *req, int timeout_ms);

/* Client side: run loaxactl's socket commands (argv[0] is the command);
 * prints the answer for a person; returns the exit status. */
int control_command(const char *conf_path, int argc, char **argv);

#endif
