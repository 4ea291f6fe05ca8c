/*
 * Unit tests for conf: defaults, a complete config, the shipped example, and
 * every kind of mistake reported at its exact FILE:LINE with the key named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

static char tmpdir[] = "/tmp/loaxa-test-conf.XXXXXX";
static char *conf_path;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	conf_path = xasprintf("%s/loaxad.conf", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	free(conf_path);
	rmdir(tmpdir);
	return 0;
}

static int load_text(const char *text, struct conf *c, struct diag *d)
{
	FILE *f = fopen(conf_path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(d, 0, sizeof *d);
	return conf_load(c, conf_path, d);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * Expect exactly one problem, "PATH:LINE: KEY..." (line 0: "PATH: KEY...")
 * whose text also holds want (if not NULL), and a zeroed struct.
 */
static void expect_error(const char *text, int line, const char *key, const char *want)
{
	struct conf c;
	struct diag d;
	char *prefix;
	int rc = load_text(text, &c, &d);

	if (rc != -1 || d.n != 1) {
		diag_print(&d, stderr);
		fail_msg("config should give one error:\n%s", text);
	}
	prefix = line > 0 ? xasprintf("%s:%d: %s", conf_path, line, key)
	                  : xasprintf("%s: %s", conf_path, key);
	if (strncmp(d.msgs[0], prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", want it to start with \"%s\"", d.msgs[0], prefix);
	if (want && !strstr(d.msgs[0], want))
		fail_msg("got \"%s\", want it to contain \"%s\"", d.msgs[0], want);
	assert_true(all_zero(&c, sizeof c));
	free(prefix);
	diag_free(&d);
}

static void expect_ok(const char *text, struct conf *c)
{
	struct diag d;

	if (load_text(text, c, &d) != 0 || d.n != 0) {
		diag_print(&d, stderr);
		fail_msg("config should load:\n%s", text);
	}
	diag_free(&d);
}

#define STATION "station: { id = \"tan-quang\"; };\n"

static void test_defaults(void **state)
{
	struct conf c;

	(void)state;
	expect_ok(STATION, &c);
	assert_string_equal(c.path, conf_path);
	assert_string_equal(c.station_id, "tan-quang");
	assert_string_equal(c.station_name, "tan-quang");
	assert_string_equal(c.state_dir, "/var/lib/loaxa");
	assert_string_equal(c.schedule_dir, "/etc/loaxa/schedules");
	assert_string_equal(c.audio_dir, "/var/lib/loaxa/local");
	assert_string_equal(c.control_socket, "/run/loaxa/control.sock");
	assert_null(c.timezone);
	assert_int_equal(c.quiet_start, 21 * 3600 + 30 * 60);
	assert_int_equal(c.quiet_end, 5 * 3600);
	assert_int_equal(c.catch_up_s, 300);
	assert_string_equal(c.audio.driver, "alsa");
	assert_int_equal(c.audio.noptions, 0);
	assert_int_equal(c.audio.rate, 48000);
	assert_int_equal(c.audio.channels, 2);
	assert_string_equal(c.audio.file, "");
	assert_true(c.audio.gain_db == 0.0);
	assert_true(c.audio.target_lufs == -16.0);
	assert_null(c.province.manifest_url);
	assert_null(c.province.public_key);
	assert_null(c.province.log_url);
	assert_null(c.province.ca_file);
	assert_null(c.province.pinned_public_key);
	assert_int_equal(c.province.sync_interval_s, 300);
	assert_int_equal(c.province.upload_interval_s, 300);
	assert_int_equal(c.province.upload_hold_s, 3600);
	assert_true(c.province.max_download_bytes == 268435456);
	assert_null(c.amplifier.on_command);
	assert_null(c.amplifier.off_command);
	assert_int_equal(c.amplifier.lead_s, 3);
	assert_int_equal(c.amplifier.tail_s, 5);
	assert_true(c.relay.silence_dbfs == -50.0 && c.relay.silence_s == 10.0);
	assert_true(c.relay.stall_s == 5.0 && c.relay.holdoff_s == 30.0);
	assert_int_equal(c.relay.connect_timeout_s, 10);
	assert_true(c.relay.buffer_s == 2.0 && c.relay.preroll_s == 5.0 && c.relay.gain_db == 0);
	assert_null(c.relay.fallback);
	assert_null(c.relay.announcement);
	conf_free(&c);
	assert_true(all_zero(&c, sizeof c));
}

static void test_relay_group(void **state)
{
	struct conf c;

	(void)state;
	expect_ok(STATION
	          "relay: { silence_dbfs = -40; silence_s = 2.5; stall_s = 1; holdoff_s = 3;\n"
	          "  connect_timeout_s = 4; buffer_s = 0.5; preroll_s = 2; gain_db = -3;\n"
	          "  fallback = \"nhac.ogg\"; announcement = \"\"; };\n",
	          &c);
	assert_true(c.relay.silence_dbfs == -40 && c.relay.silence_s == 2.5);
	assert_true(c.relay.stall_s == 1 && c.relay.holdoff_s == 3);
	assert_int_equal(c.relay.connect_timeout_s, 4);
	assert_true(c.relay.buffer_s == 0.5 && c.relay.preroll_s == 2 && c.relay.gain_db == -3);
	assert_string_equal(c.relay.fallback, "nhac.ogg");
	assert_null(c.relay.announcement);
	conf_free(&c);
	expect_error(STATION "\nrelay: { stall_s = 0.1; };\n", 3, "relay.stall_s", "out of range");
	expect_error(STATION "\nrelay: { silence_dbfs = 3; };\n", 3, "relay.silence_dbfs",
	             "out of range");
	expect_error(STATION "\nrelay: { buffer_s = 60; };\n", 3, "relay.buffer_s", "out of range");
	expect_error(STATION "\nrelay: { hold_s = 3; };\n", 3, "relay.hold_s", "unknown key");
	expect_error(STATION "\nrelay: { fallback = 3; };\n", 3, "relay.fallback",
	             "expected a string");
}

/* A real minisign public key (minisign -G), so the key check passes. */
#define PUBKEY "RWQLs8CorNA1DOqYOS9cQz07uKgzJcnXk4jTzc1CPfodc4uA1ObY68l2"

static void test_complete(void **state)
{
	struct conf c;
	static const char text[] =
	    "# a complete station\n"
	    "station: {\n"
	    "  id = \"tan-quang\";\n"
	    "  name = \"Đài truyền thanh xã Tân Quang\";\n"
	    "};\n"
	    "state_dir = \"state\";\n"
	    "schedule_dir = \"/srv/loaxa/schedules\";\n"
	    "audio_dir = \"/srv/loaxa/local\";\n"
	    "control_socket = \"/tmp/x.sock\";\n"
	    "timezone = \"Asia/Ho_Chi_Minh\";\n"
	    "quiet_hours = \"22:00-04:30\";\n"
	    "catch_up_s = 0;\n"
	    "audio: {\n"
	    "  driver = \"wav\";\n"
	    "  options = { dev = \"hw:1,0\"; buffer_time = 500; ratio = 0.25; big = 5000000000; "
	    "};\n"
	    "  rate = 44100; channels = 1;\n"
	    "  file = \"out.wav\";\n"
	    "  gain_db = -3;\n"
	    "  target_lufs = -23.5;\n"
	    "};\n"
	    "province: {\n"
	    "  manifest_url = \"https://tinh.example.vn/loaxa/manifest.json\";\n"
	    "  public_key = \"" PUBKEY "\";\n"
	    "  log_url = \"https://tinh.example.vn/loaxa/logs/\";\n"
	    "  sync_interval_s = 600; upload_interval_s = 900; upload_hold_s = 0;\n"
	    "  ca_file = \"/etc/ssl/tinh.pem\"; pinned_public_key = \"sha256//abc=\";\n"
	    "  max_download_bytes = 1099511627776L;\n"
	    "};\n"
	    "amplifier: {\n"
	    "  on_command = \"gpioset gpiochip0 17=1\";\n"
	    "  off_command = \"gpioset gpiochip0 17=0\";\n"
	    "  lead_s = 0; tail_s = 600;\n"
	    "};\n";

	(void)state;
	expect_ok(text, &c);
	assert_string_equal(c.station_name, "Đài truyền thanh xã Tân Quang");
	assert_string_equal(c.state_dir, "state");
	assert_string_equal(c.schedule_dir, "/srv/loaxa/schedules");
	assert_string_equal(c.audio_dir, "/srv/loaxa/local");
	assert_string_equal(c.control_socket, "/tmp/x.sock");
	assert_string_equal(c.timezone, "Asia/Ho_Chi_Minh");
	assert_int_equal(c.quiet_start, 22 * 3600);
	assert_int_equal(c.quiet_end, 4 * 3600 + 30 * 60);
	assert_int_equal(c.catch_up_s, 0);
	assert_string_equal(c.audio.driver, "wav");
	assert_int_equal(c.audio.noptions, 4);
	assert_string_equal(c.audio.options[0].key, "dev");
	assert_string_equal(c.audio.options[0].value, "hw:1,0");
	assert_string_equal(c.audio.options[1].key, "buffer_time");
	assert_string_equal(c.audio.options[1].value, "500");
	assert_string_equal(c.audio.options[2].key, "ratio");
	assert_string_equal(c.audio.options[2].value, "0.25");
	assert_string_equal(c.audio.options[3].key, "big");
	assert_string_equal(c.audio.options[3].value, "5000000000");
	assert_int_equal(c.audio.rate, 44100);
	assert_int_equal(c.audio.channels, 1);
	assert_string_equal(c.audio.file, "out.wav");
	assert_true(c.audio.gain_db == -3.0);
	assert_true(c.audio.target_lufs == -23.5);
	assert_string_equal(c.province.manifest_url, "https://tinh.example.vn/loaxa/manifest.json");
	assert_string_equal(c.province.public_key, PUBKEY);
	assert_string_equal(c.province.log_url, "https://tinh.example.vn/loaxa/logs/");
	assert_int_equal(c.province.sync_interval_s, 600);
	assert_int_equal(c.province.upload_interval_s, 900);
	assert_int_equal(c.province.upload_hold_s, 0);
	assert_string_equal(c.province.ca_file, "/etc/ssl/tinh.pem");
	assert_string_equal(c.province.pinned_public_key, "sha256//abc=");
	assert_true(c.province.max_download_bytes == 1099511627776LL);
	assert_string_equal(c.amplifier.on_command, "gpioset gpiochip0 17=1");
	assert_string_equal(c.amplifier.off_command, "gpioset gpiochip0 17=0");
	assert_int_equal(c.amplifier.lead_s, 0);
	assert_int_equal(c.amplifier.tail_s, 600);
	conf_free(&c);
}

/* The example shipped for operators must load and hold the defaults. */
static void test_example(void **state)
{
	struct conf c;
	struct diag d = {0};

	(void)state;
	if (conf_load(&c, "schedules/loaxad.conf.example", &d) != 0) {
		diag_print(&d, stderr);
		fail_msg("schedules/loaxad.conf.example does not load (run from the source tree)");
	}
	assert_string_equal(c.station_id, "tan-quang");
	assert_string_equal(c.station_name, "Đài truyền thanh xã Tân Quang");
	assert_null(c.timezone);
	assert_int_equal(c.quiet_start, 21 * 3600 + 30 * 60);
	assert_int_equal(c.quiet_end, 5 * 3600);
	assert_int_equal(c.audio.noptions, 0);
	assert_null(c.province.manifest_url);
	assert_true(c.province.max_download_bytes == 268435456);
	assert_int_equal(c.amplifier.tail_s, 5);
	conf_free(&c);
}

/* libconfig 1.5 keeps integers without an L suffix in 32 bits. */
static void test_large_integers(void **state)
{
	struct conf c;

	(void)state;
	expect_ok(STATION "province: { max_download_bytes = 1099511627776; };\n", &c);
	assert_true(c.province.max_download_bytes == 1099511627776LL);
	conf_free(&c);
	expect_ok(STATION "province: { max_download_bytes = 5000000000; };\n", &c);
	assert_true(c.province.max_download_bytes == 5000000000LL);
	conf_free(&c);
	expect_ok(STATION "province: { max_download_bytes = 0x100000000; };\n", &c);
	assert_true(c.province.max_download_bytes == 4294967296LL);
	conf_free(&c);
	/* 2^32 + 48000 must not read as 48000 */
	expect_error(STATION "audio: { rate = 4295015296; };\n", 2, "audio.rate", "4295015296");
	expect_error(STATION "audio: {\n  channels = -4294967294;\n};\n", 3, "audio.channels",
	             "out of range");
	expect_error(STATION "province: { max_download_bytes = 1099511627777; };\n", 2,
	             "province.max_download_bytes", "out of range");
	expect_error(STATION "province: { max_download_bytes = 99999999999999999999999; };\n", 2,
	             "province.max_download_bytes", "out of range");
}

static void test_syntax_and_file(void **state)
{
	struct conf c;
	struct diag d = {0};
	char *missing;

	(void)state;
	expect_error(STATION "state_dir = \"/x\"\naudio: { rate = ; };\n", 3, "", "syntax error");
	expect_error(STATION "catch_up_s = 1;\ncatch_up_s = 2;\n", 3, "", "duplicate");
	/* libconfig notices an open string where the file ends */
	expect_error(STATION "name = \"unterminated;\n", 3, "", NULL);

	missing = xasprintf("%s/nonexistent.conf", tmpdir);
	assert_int_equal(conf_load(&c, missing, &d), -1);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], missing));
	assert_non_null(strstr(d.msgs[0], "No such file"));
	assert_true(all_zero(&c, sizeof c));
	diag_free(&d);
	free(missing);
}

/* Nested deeper than any config needs, here or in an @include'd file, or
 * a file that is not a regular one: the line and why, not "memory
 * exhausted" on line 1, and never a wait on a FIFO. */
static void test_nesting_and_odd_files(void **state)
{
	char *deep = xmalloc(300000), *text, *inc = xasprintf("%s/inc.conf", tmpdir);
	char *fifo = xasprintf("%s/pipe.conf", tmpdir), *want;
	struct conf c;
	struct diag d = {0};
	FILE *f;

	(void)state;
	memset(deep, '(', 100000);
	memcpy(deep + 100000, "1", 1);
	memset(deep + 100001, ')', 100000);
	deep[200001] = '\0';
	text = xasprintf(STATION "state_dir = \"/x\";\nx =\n%s;\n", deep);
	expect_error(text, 4, "", "nesting too deep: more than 16 levels of brackets");
	free(text);
	expect_error(STATION "x = ((((((((((((((((1))))))))))))))));\n", 2, "x", "unknown key");
	expect_error(STATION "x = (((((((((((((((((1)))))))))))))))));\n", 2, "",
	             "nesting too deep");

	/* an @include'd file counts from where it is included */
	f = fopen(inc, "w");
	assert_non_null(f);
	fputs("# deep\n((((((((((((((((1))))))))))))))))\n", f);
	fclose(f);
	text = xasprintf(STATION "x = (\n@include \"%s\"\n);\n", inc);
	assert_int_equal(load_text(text, &c, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s:2: nesting too deep", inc);
	assert_non_null(strstr(d.msgs[0], want));
	free(want);
	free(text);
	diag_free(&d);

	alarm(10);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	text = xasprintf(STATION "@include \"%s\"\n", fifo);
	expect_error(text, 2, "@include", "not a regular file");
	free(text);
	assert_int_equal(conf_load(&c, fifo, &d), -1);
	assert_int_equal(d.n, 1);
	want = xasprintf("%s: cannot read: not a regular file", fifo);
	assert_string_equal(d.msgs[0], want);
	alarm(0);
	free(want);
	diag_free(&d);
	/* an empty name would have libconfig read the folder, and its scanner
	 * exit() on the error; a name across lines is read up to the next
	 * quote, wherever that is */
	expect_error(STATION "@include \"\"\n", 2, "@include", "the name of a file");
	expect_error(STATION "@include \"/tmp\n/\"\n", 2, "@include", "the name of a file");
	unlink(fifo);
	unlink(inc);
	free(fifo);
	free(inc);
	free(deep);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error(STATION "\nstate_dri = \"/x\";\n", 3, "state_dri: unknown key", NULL);
	expect_error("station: {\n  id = \"x\";\n  nmae = \"X\";\n};\n", 3,
	             "station.nmae: unknown key", NULL);
	expect_error(STATION "audio: {\n  rate = 48000;\n  sample_rate = 48000;\n};\n", 4,
	             "audio.sample_rate: unknown key", NULL);
	expect_error(STATION "province: {\n  manifesturl = \"https://x/\";\n};\n", 3,
	             "province.manifesturl: unknown key", NULL);
	expect_error(STATION "amplifier: {\n  lead = 3;\n};\n", 3, "amplifier.lead: unknown key",
	             NULL);
	expect_error(STATION "amplifier: { tail_s = 5; nested: { x = 1; }; };\n", 2,
	             "amplifier.nested: unknown key", NULL);
}

static void test_options(void **state)
{
	(void)state;
	expect_error(STATION "audio: {\n  options = {\n    dev = true;\n  };\n};\n", 4,
	             "audio.options.dev", "a string or a number");
	expect_error(STATION "audio: {\n  options = { sub = { a = 1; }; };\n};\n", 3,
	             "audio.options.sub", "a string or a number");
	expect_error(STATION "audio: {\n  options = \"dev=default\";\n};\n", 3, "audio.options",
	             "group");
	expect_error(STATION "audio: {\n  options = { list = (1, 2); };\n};\n", 3,
	             "audio.options.list", NULL);
}

static void test_types(void **state)
{
	struct conf c;

	(void)state;
	expect_error("station = \"tan-quang\";\n", 1, "station", "group");
	expect_error("station: { id = 5; };\n", 1, "station.id", "string");
	expect_error(STATION "state_dir = 5;\n", 2, "state_dir", "string");
	expect_error(STATION "quiet_hours = 0;\n", 2, "quiet_hours", "string");
	expect_error(STATION "catch_up_s = 1.5;\n", 2, "catch_up_s", "integer");
	expect_error(STATION "catch_up_s = \"300\";\n", 2, "catch_up_s", "integer");
	expect_error(STATION "audio: { rate = \"48000\"; };\n", 2, "audio.rate", "integer");
	expect_error(STATION "audio: { rate = 48000.0; };\n", 2, "audio.rate", "integer");
	expect_error(STATION "audio: { gain_db = \"0\"; };\n", 2, "audio.gain_db", "number");
	expect_error(STATION "audio: { gain_db = true; };\n", 2, "audio.gain_db", "number");
	expect_error(STATION "province: { max_download_bytes = 1.0e6; };\n", 2,
	             "province.max_download_bytes", "integer");
	expect_error(STATION "amplifier: { on_command = [\"a\"]; };\n", 2, "amplifier.on_command",
	             "string");
	expect_error(STATION "province = ( 1, 2 );\n", 2, "province", "group");
	/* an integer where a number is wanted is fine */
	expect_ok(STATION "audio: { gain_db = 3; target_lufs = -18; };\n", &c);
	assert_true(c.audio.gain_db == 3.0);
	assert_true(c.audio.target_lufs == -18.0);
	conf_free(&c);
	expect_ok(STATION "audio: { gain_db = -7L; };\n", &c);
	assert_true(c.audio.gain_db == -7.0);
	conf_free(&c);
}

static void test_ranges(void **state)
{
	static const struct {
		const char *body;
		const char *key;
	} bad[] = {
	    {"audio: { rate = 7999; };", "audio.rate"},
	    {"audio: { rate = 192001; };", "audio.rate"},
	    {"audio: { channels = 0; };", "audio.channels"},
	    {"audio: { channels = 9; };", "audio.channels"},
	    {"catch_up_s = -1;", "catch_up_s"},
	    {"catch_up_s = 86401;", "catch_up_s"},
	    {"audio: { gain_db = -60.5; };", "audio.gain_db"},
	    {"audio: { gain_db = 20.01; };", "audio.gain_db"},
	    {"audio: { gain_db = 21; };", "audio.gain_db"},
	    {"audio: { target_lufs = 0.5; };", "audio.target_lufs"},
	    {"audio: { target_lufs = -71; };", "audio.target_lufs"},
	    {"province: { sync_interval_s = 9; };", "province.sync_interval_s"},
	    {"province: { sync_interval_s = 86401; };", "province.sync_interval_s"},
	    {"province: { upload_interval_s = 0; };", "province.upload_interval_s"},
	    {"province: { upload_interval_s = 100000; };", "province.upload_interval_s"},
	    {"province: { upload_hold_s = -1; };", "province.upload_hold_s"},
	    {"province: { upload_hold_s = 86401; };", "province.upload_hold_s"},
	    {"province: { max_download_bytes = 0; };", "province.max_download_bytes"},
	    {"province: { max_download_bytes = 1099511627777L; };", "province.max_download_bytes"},
	    {"amplifier: { lead_s = -1; };", "amplifier.lead_s"},
	    {"amplifier: { lead_s = 601; };", "amplifier.lead_s"},
	    {"amplifier: { tail_s = 601; };", "amplifier.tail_s"},
	};
	static const char *good[] = {
	    "audio: { rate = 8000; channels = 1; gain_db = -60; target_lufs = -70; };",
	    "audio: { rate = 192000; channels = 8; gain_db = 20.0; target_lufs = 0; };",
	    "catch_up_s = 0;",
	    "catch_up_s = 86400;",
	    "province: { sync_interval_s = 10; upload_interval_s = 86400; };",
	    "province: { max_download_bytes = 1; };",
	    "amplifier: { lead_s = 600; tail_s = 0; };",
	};
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *text = xasprintf(STATION "\n%s\n", bad[i].body);

		expect_error(text, 3, bad[i].key, "out of range");
		free(text);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *text = xasprintf(STATION "%s\n", good[i]);

		expect_ok(text, &c);
		conf_free(&c);
		free(text);
	}
}

static void test_station_id(void **state)
{
	static const char *bad[] = {"Tan-Quang", "tan quang", "-tan", "tân-quang",
	                            "tan_quang", "tan.quang", ""};
	static const char *good[] = {"a", "0", "9-", "tan-quang-2", "xa--da"};
	char id64[65], id65[66], *text;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		text = xasprintf("# comment\nstation: {\n  id = \"%s\";\n};\n", bad[i]);
		expect_error(text, 3, "station.id", NULL);
		free(text);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		text = xasprintf("station: { id = \"%s\"; };\n", good[i]);
		expect_ok(text, &c);
		assert_string_equal(c.station_id, good[i]);
		conf_free(&c);
		free(text);
	}
	memset(id64, 'a', 64);
	id64[64] = '\0';
	memset(id65, 'b', 65);
	id65[65] = '\0';
	text = xasprintf("station: { id = \"%s\"; };\n", id64);
	expect_ok(text, &c);
	conf_free(&c);
	free(text);
	text = xasprintf("station: { id = \"%s\"; };\n", id65);
	expect_error(text, 1, "station.id", "64");
	free(text);

	/* missing: no line without a station section, else the section's line */
	expect_error("state_dir = \"/x\";\n", 0, "station.id: missing", NULL);
	expect_error("\n\nstation: {\n  name = \"Xã\";\n};\n", 3, "station.id: missing", NULL);
}

static void test_quiet_hours_errors(void **state)
{
	static const char *bad[] = {"21:30",       "21:30-5:00",   "9:30-05:00",  "24:00-05:00",
	                            "21:60-05:00", "21:30-05:60",  "21:30-21:30", "21:30 - 05:00",
	                            "21.30-05.00", "21:30-05:00 ", "none"};
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *text = xasprintf(STATION "\nquiet_hours = \"%s\";\n", bad[i]);

		expect_error(text, 3, "quiet_hours", "HH:MM-HH:MM");
		free(text);
	}
	expect_ok(STATION "quiet_hours = \"\";\n", &c);
	assert_int_equal(c.quiet_start, -1);
	assert_false(conf_in_quiet(&c, 3 * 3600));
	conf_free(&c);
}

static void test_timezone(void **state)
{
	struct conf c;

	(void)state;
	expect_error(STATION "\ntimezone = \"Asia/Nowhere\";\n", 3, "timezone", "Asia/Nowhere");
	expect_error(STATION "timezone = \"../../../etc/passwd\";\n", 2, "timezone", NULL);
	expect_error(STATION "timezone = \"/usr/share/zoneinfo/UTC\";\n", 2, "timezone", NULL);
	expect_error(STATION "timezone = \"Asia\";\n", 2, "timezone", NULL);
	if (access("/usr/share/zoneinfo/zone.tab", R_OK) == 0)
		expect_error(STATION "timezone = \"zone.tab\";\n", 2, "timezone", NULL);
	expect_ok(STATION "timezone = \"UTC\";\n", &c);
	assert_string_equal(c.timezone, "UTC");
	conf_free(&c);
	expect_ok(STATION "timezone = \"\";\n", &c);
	assert_null(c.timezone);
	conf_free(&c);
}

static void test_file_driver(void **state)
{
	struct conf c;

	(void)state;
	expect_error(STATION "audio: {\n  driver = \"wav\";\n};\n", 3, "audio.file", "wav");
	expect_error(STATION "audio: {\n  file = \"\";\n  driver = \"raw\";\n};\n", 4, "audio.file",
	             NULL);
	expect_error(STATION "audio: { driver = \"au\"; file = \"\"; };\n", 2, "audio.file", NULL);
	expect_error(STATION "audio: { driver = \"\"; };\n", 2, "audio.driver", "empty");
	expect_ok(STATION "audio: { driver = \"null\"; };\n", &c);
	conf_free(&c);
	expect_ok(STATION "audio: { driver = \"au\"; file = \"/tmp/x.au\"; };\n", &c);
	assert_true(conf_file_driver(c.audio.driver));
	conf_free(&c);
	assert_false(conf_file_driver("alsa"));
}

static void test_province(void **state)
{
	struct conf c;

	(void)state;
	expect_error(STATION "province: {\n  manifest_url = \"ftp://tinh/m.json\";\n  public_key = "
	                     "\"" PUBKEY "\";\n};\n",
	             3, "province.manifest_url", "http://");
	expect_error(STATION "province: {\n  manifest_url = \"tinh.example.vn/m.json\";\n};\n", 3,
	             "province.manifest_url", NULL);
	expect_error(STATION "province: {\n  manifest_url = \"https://\";\n};\n", 3,
	             "province.manifest_url", NULL);
	expect_error(STATION "province: {\n\n  manifest_url = \"https://tinh/m.json\";\n};\n", 4,
	             "province.public_key", "missing");
	expect_error(STATION
	             "province: {\n  public_key = \"\";\n  manifest_url = \"https://t/m\";\n};\n",
	             4, "province.public_key", "missing");
	expect_error(STATION "province: {\n  public_key = \"RWQnotakey\";\n};\n", 3,
	             "province.public_key", "minisign");
	expect_error(STATION "province: {\n  log_url = \"https://tinh/logs\";\n};\n", 3,
	             "province.log_url", "/");
	expect_error(STATION "province: {\n  log_url = \"scp://tinh/logs/\";\n};\n", 3,
	             "province.log_url", NULL);

	expect_ok(STATION "province: { manifest_url = \"file:///srv/pub/manifest.json\";\n"
	                  "  public_key = \"untrusted comment: minisign public key\\n" PUBKEY
	                  "\\n\";\n"
	                  "  log_url = \"http://127.0.0.1:8080/logs/\"; };\n",
	          &c);
	assert_string_equal(c.province.manifest_url, "file:///srv/pub/manifest.json");
	assert_string_equal(c.province.log_url, "http://127.0.0.1:8080/logs/");
	conf_free(&c);
	/* a public key alone, or an empty province, is fine: no sync */
	expect_ok(STATION "province: { public_key = \"" PUBKEY "\"; };\n", &c);
	assert_null(c.province.manifest_url);
	conf_free(&c);
	expect_ok(STATION "province: { manifest_url = \"\"; log_url = \"\"; };\n", &c);
	assert_null(c.province.manifest_url);
	assert_null(c.province.log_url);
	conf_free(&c);
	expect_ok(STATION "province: { };\namplifier: { };\n", &c);
	conf_free(&c);
}

static void test_web(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct conf c;

	(void)state;
	/* off unless listen is set */
	expect_ok(STATION, &c);
	assert_null(c.web.listen);
	assert_int_equal(c.web.session_s, 3600);
	assert_true(c.web.max_upload_bytes == 104857600);
	conf_free(&c);
	expect_ok(STATION "web: { listen = \"\"; };\n", &c);
	assert_null(c.web.listen);
	conf_free(&c);
	expect_ok(STATION "web: { listen = \"0.0.0.0:8080\"; session_s = 600;\n"
	                  "  max_upload_bytes = 2000000000L; };\n",
	          &c);
	assert_string_equal(c.web.listen, "0.0.0.0:8080");
	assert_int_equal(c.web.session_s, 600);
	assert_true(c.web.max_upload_bytes == 2000000000);
	assert_null(c.web.tls_cert);
	conf_free(&c);
	expect_error(STATION "web: {\n  listen = \"8080\"; };\n", 3, "web.listen", "ADDRESS:PORT");
	expect_error(STATION "web: {\n  listen = \"localhost:8080\"; };\n", 3, "web.listen", NULL);
	expect_error(STATION "web: {\n  listen = \"0.0.0.0:0\"; };\n", 3, "web.listen", NULL);
	expect_error(STATION "web: {\n  listen = \"0.0.0.0:65536\"; };\n", 3, "web.listen", NULL);
	expect_error(STATION "web: {\n  listen = \"::1:80\"; };\n", 3, "web.listen", NULL);
	expect_error(STATION "web: {\n  session_s = 10; };\n", 3, "web.session_s", "60..");
	expect_error(STATION "web: {\n  max_upload_bytes = 5000000000L; };\n", 3,
	             "web.max_upload_bytes", "out of range");
	expect_error(STATION "web: {\n  colour = 1; };\n", 3, "web.colour", "unknown");
	expect_error(STATION "web: {\n  tls_cert = \"/etc/loaxa/web.pem\"; };\n", 3, "web.tls_key",
	             "both");

	assert_int_equal(conf_parse_listen("192.168.1.20:8080", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
	assert_int_equal(conf_parse_listen("[::]:443", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 443);
	assert_int_equal(conf_parse_listen("[fe80::1]:x", &ss, &len), -1);
	assert_int_equal(conf_parse_listen(":8080", &ss, &len), -1);
	assert_int_equal(conf_parse_listen("1.2.3.4:80 ", &ss, &len), -1);
	assert_int_equal(conf_parse_listen("1.2.3.4:+80", &ss, &len), -1);
}

/* Disaster alerts: the station's administrative codes, the alert index
 * beside the manifest by default, its poll interval. */
static void test_alerts(void **state)
{
	struct conf c;

	(void)state;
	expect_ok("station: { id = \"tan-quang\"; geocodes = [ \"24\", \"213\", \"07963\" ]; };\n"
	          "province: { manifest_url = \"https://tinh.example.vn/loaxa/manifest.json\";\n"
	          "  public_key = \"" PUBKEY "\"; };\n",
	          &c);
	assert_int_equal(c.ngeocodes, 3);
	assert_string_equal(c.geocodes[2], "07963");
	assert_string_equal(c.province.alert_url, "https://tinh.example.vn/loaxa/alerts.json");
	assert_int_equal(c.province.alert_interval_s, 10);
	conf_free(&c);
	expect_ok(STATION "province: { manifest_url = \"https://t/m.json\"; alert_url = \"\";\n"
	                  "  public_key = \"" PUBKEY "\"; alert_interval_s = 1; };\n",
	          &c);
	assert_null(c.province.alert_url);
	assert_int_equal(c.province.alert_interval_s, 1);
	assert_int_equal(c.ngeocodes, 0);
	conf_free(&c);
	expect_ok(STATION "province: { alert_url = \"http://t/a/alerts.json\";\n"
	                  "  public_key = \"" PUBKEY "\"; };\n",
	          &c);
	assert_string_equal(c.province.alert_url, "http://t/a/alerts.json");
	assert_null(c.province.manifest_url);
	conf_free(&c);
	expect_ok(STATION, &c);
	assert_null(c.province.alert_url);
	conf_free(&c);
	expect_error("station: {\n  id = \"tan-quang\";\n  geocodes = [ \"24\", \"x1\" ];\n};\n", 3,
	             "station.geocodes[1]", "digits");
	expect_error("station: {\n  id = \"tan-quang\";\n  geocodes = \"24\";\n};\n", 3,
	             "station.geocodes", "list");
	expect_error(STATION
	             "province: {\n  alert_url = \"gopher://t/a.json\";\n  public_key = \"" PUBKEY
	             "\";\n};\n",
	             3, "province.alert_url", "http://");
	expect_error(STATION "province: {\n  alert_url = \"https://t/alerts.json\";\n};\n", 3,
	             "province.public_key", "alert_url");
	expect_error(STATION "province: {\n  alert_interval_s = 0;\n};\n", 3,
	             "province.alert_interval_s", "1..3600");
}

static void test_many_errors(void **state)
{
	struct conf c;
	struct diag d;
	char *want;

	(void)state;
	assert_int_equal(load_text("station: { id = \"Bad\"; };\n"
	                           "audio: { rate = 1; };\n"
	                           "colour = \"blue\";\n",
	                           &c, &d),
	                 -1);
	assert_int_equal(d.n, 3);
	want = xasprintf("%s:1: station.id", conf_path);
	assert_string_equal(strstr(d.msgs[0], want) ? want : d.msgs[0], want);
	free(want);
	want = xasprintf("%s:2: audio.rate", conf_path);
	assert_string_equal(strstr(d.msgs[1], want) ? want : d.msgs[1], want);
	free(want);
	want = xasprintf("%s:3: colour", conf_path);
	assert_string_equal(strstr(d.msgs[2], want) ? want : d.msgs[2], want);
	free(want);
	assert_true(all_zero(&c, sizeof c));
	diag_free(&d);
}

static void test_parse_quiet(void **state)
{
	int a = 0, b = 0;

	(void)state;
	assert_int_equal(conf_parse_quiet("21:30-05:00", &a, &b), 0);
	assert_int_equal(a, 77400);
	assert_int_equal(b, 18000);
	assert_int_equal(conf_parse_quiet("00:00-23:59", &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 86340);
	assert_int_equal(conf_parse_quiet("", &a, &b), 0);
	assert_int_equal(a, -1);
	assert_int_equal(b, -1);
	assert_int_equal(conf_parse_quiet("05:00", &a, &b), -1);
	assert_int_equal(conf_parse_quiet("21:30-05:00x", &a, &b), -1);
	assert_int_equal(conf_parse_quiet("2a:30-05:00", &a, &b), -1);
	assert_int_equal(conf_parse_quiet("23:00-23:00", &a, &b), -1);
}

static void test_in_quiet(void **state)
{
	struct conf c = {0};

	(void)state;
	assert_int_equal(conf_parse_quiet("21:30-05:00", &c.quiet_start, &c.quiet_end), 0);
	assert_true(conf_in_quiet(&c, 22 * 3600));
	assert_true(conf_in_quiet(&c, 4 * 3600 + 59 * 60));
	assert_true(conf_in_quiet(&c, 21 * 3600 + 30 * 60));
	assert_true(conf_in_quiet(&c, 0));
	assert_true(conf_in_quiet(&c, 3 * 3600 + 15 * 60));
	assert_true(conf_in_quiet(&c, 5 * 3600 - 1));
	assert_false(conf_in_quiet(&c, 5 * 3600));
	assert_false(conf_in_quiet(&c, 21 * 3600 + 29 * 60 + 59));
	assert_false(conf_in_quiet(&c, 12 * 3600));
	/* out-of-day seconds wrap (a leap second, a day offset) */
	assert_true(conf_in_quiet(&c, 86400 + 60));
	assert_false(conf_in_quiet(&c, 86400 + 6 * 3600));

	/* a window inside one day */
	assert_int_equal(conf_parse_quiet("12:00-13:30", &c.quiet_start, &c.quiet_end), 0);
	assert_false(conf_in_quiet(&c, 11 * 3600 + 59 * 60));
	assert_true(conf_in_quiet(&c, 12 * 3600));
	assert_true(conf_in_quiet(&c, 13 * 3600 + 29 * 60));
	assert_false(conf_in_quiet(&c, 13 * 3600 + 30 * 60));
	assert_false(conf_in_quiet(&c, 2 * 3600));

	assert_int_equal(conf_parse_quiet("", &c.quiet_start, &c.quiet_end), 0);
	for (int t = 0; t < 86400; t += 900)
		assert_false(conf_in_quiet(&c, t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_relay_group),
	    cmocka_unit_test(test_complete),
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_large_integers),
	    cmocka_unit_test(test_syntax_and_file),
	    cmocka_unit_test(test_nesting_and_odd_files),
	    cmocka_unit_test(test_unknown_keys),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_station_id),
	    cmocka_unit_test(test_quiet_hours_errors),
	    cmocka_unit_test(test_timezone),
	    cmocka_unit_test(test_file_driver),
	    cmocka_unit_test(test_province),
	    cmocka_unit_test(test_web),
	    cmocka_unit_test(test_alerts),
	    cmocka_unit_test(test_many_errors),
	    cmocka_unit_test(test_parse_quiet),
	    cmocka_unit_test(test_in_quiet),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
