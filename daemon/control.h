/*
 * control: the operator's local control socket (a UNIX stream socket,
 * mode 0660, no network port).
 *
 * Protocol: the client connects, writes one JSON object on one line,
 *   {"cmd":"status"|"play"|"emergency"|"stop"|"reload"|"sync"|"load", "arg":"...",
 *    "by":"..."}
 * and reads one JSON object on one line back,
 *   {"ok":true|false, "message":"...", ...command-specific fields}
 * after which the daemon closes the connection. Requests are at most 64 KiB
 * ("load" carries the schedule file's text in "text"). See loaxactl(1).
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
int control_fd(const struct control *c);
/* Accept and answer one client (call when control_fd is readable). */
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
