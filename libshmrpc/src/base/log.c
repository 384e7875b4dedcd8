/*
 * log.c - layer: base.  The library's only way to say something: a settable
 * sink.
 *
 * The default sink is silent unless SHMRPC_LOG names a level, because a
 * library must not write to a program's stderr uninvited.  Setting
 * SHMRPC_LOG is the invitation: a value that names no level is said on
 * stderr, once, whatever the sink, and the level is then warn.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"

/* The longest message, its NUL included; longer ones are cut. */
#define LOG_LINE_MAX 1024

static const char *const level_names[] = { "none", "error", "warn", "info",
	"debug" };

/* Is the byte at p one a terminal acts on: C0, DEL, or either byte of a
 * C1 control in UTF-8 (U+0080-U+009F: 0xc2 0x80-0x9f)? */
static bool acted_on(const unsigned char *p, const unsigned char *start)
{
	return p[0] < 0x20 || p[0] == 0x7f ||
	    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) ||
	    (p > start && p[-1] == 0xc2 && p[0] >= 0x80 && p[0] <= 0x9f);
}

/* msg with what a terminal acts on as \ooo escapes (as vis(3) writes
 * them), into buf of 4 * strlen(msg) + 1 bytes at least. */
static const char *terminal_safe(const char *msg, char *buf, size_t len)
{
	const unsigned char *start = (const unsigned char *)msg, *p;
	size_t o = 0;

	for (p = start; *p != '\0' && o + 5 <= len; p++) {
		if (acted_on(p, start))
			o += (size_t)snprintf(buf + o, len - o, "\\%03o", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o] = '\0';
	return buf;
}

static void default_sink(shmrpc_log_level level, const char *msg, void *arg)
{
	/* Messages quote what other processes wrote (process names in a
	 * registry, a peer's error text), and stderr may be a terminal. */
	char safe[4 * LOG_LINE_MAX + 1];

	(void)arg;
	/* One fprintf so that lines from several threads do not interleave. */
	fprintf(stderr, "shmrpc: %s: %s\n", level_names[level],
	    terminal_safe(msg, safe, sizeof(safe)));
}

/*
 * The installed sink: fn, arg and level as one immutable record behind one
 * atomic pointer, so that a thread never sees one sink's fn with another's
 * arg.  Records are never freed (a thread may still be using an old one);
 * they stay reachable through `all` until exit.
 */
struct sink {
	shmrpc_log_fn fn;
	void *arg;
	int level;
	bool from_env;          /* the default sink, level from SHMRPC_LOG */
	struct sink *older;     /* every record ever installed */
};

static struct sink default_record = { default_sink, NULL, SHMRPC_LOG_NONE,
	true, NULL };
static _Atomic(struct sink *) current = &default_record;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sink *all = &default_record;
/* The installed level, for a cheap test before formatting a message. */
_Atomic int shmrpc__log_level_now = SHMRPC_LOG_NONE;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* The level SHMRPC_LOG names (case aside), or -1 for a word that names
 * none.  Unset or empty: none. */
static int env_level(const char *s)
{
	if (s == NULL || *s == '\0')
		return SHMRPC_LOG_NONE;
	for (size_t i = 0; i < ARRAY_LEN(level_names); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static void read_env_level(void)
{
	const char *env = getenv("SHMRPC_LOG");
	int level = env_level(env);

	if (level < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "SHMRPC_LOG=%.32s is not a level "
		    "(none, error, warn, info or debug); logging at warn", env);
		default_sink(SHMRPC_LOG_WARN, msg, NULL);
		level = SHMRPC_LOG_WARN;
	}
	pthread_mutex_lock(&install_lock);
	default_record.level = level;
	if (atomic_load(&current) == &default_record)
		atomic_store(&shmrpc__log_level_now, default_record.level);
	pthread_mutex_unlock(&install_lock);
}

void shmrpc__log_init_once(void)
{
	pthread_once(&env_once, read_env_level);
}

SHMRPC_API void shmrpc_set_log(shmrpc_log_fn fn, shmrpc_log_level level,
    void *arg)
{
	struct sink *rec = &default_record;

	shmrpc__log_init_once();
	if (fn != NULL) {
		rec = malloc(sizeof(*rec));
		if (rec == NULL)
			return; /* keep the sink we have */
		*rec = (struct sink){ fn, arg, (int)level, false, NULL };
	}
	pthread_mutex_lock(&install_lock);
	if (rec != &default_record) {
		rec->older = all;
		all = rec;
	}
	atomic_store(&current, rec);
	atomic_store(&shmrpc__log_level_now, rec->level);
	pthread_mutex_unlock(&install_lock);
}

void shmrpc__log_emit(shmrpc_log_level level, const char *fmt, ...)
{
	const struct sink *rec = atomic_load(&current);
	char line[LOG_LINE_MAX];
	va_list ap;

	if ((int)level > rec->level)
		return; /* the sink changed since the caller's test */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rec->fn(level, line, rec->arg);
}
