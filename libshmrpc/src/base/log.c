/*
 * log.c - layer: base.  The library's only way to say something: a settable
 * sink.
 *
 * The default sink is silent unless SHMRPC_LOG names a level, because a
 * library must not write to a program's stderr uninvited.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

static const char *const level_names[] = { "none", "error", "warn", "info",
	"debug" };

static void default_sink(shmrpc_log_level level, const char *msg, void *arg)
{
	(void)arg;
	/* One fprintf so that lines from several threads do not interleave. */
	fprintf(stderr, "shmrpc: %s: %s\n", level_names[level], msg);
}

static shmrpc_log_fn sink = default_sink;
static void *sink_arg;
volatile int shmrpc__log_level_now = SHMRPC_LOG_NONE;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static bool level_set_by_caller;

static void read_env_level(void)
{
	const char *s = getenv("SHMRPC_LOG");

	if (level_set_by_caller || s == NULL)
		return;
	for (size_t i = 1; i < ARRAY_LEN(level_names); i++)
		if (strcmp(s, level_names[i]) == 0)
			shmrpc__log_level_now = (int)i;
}

void shmrpc__log_init_once(void)
{
	pthread_once(&env_once, read_env_level);
}

SHMRPC_API void shmrpc_set_log(shmrpc_log_fn fn, shmrpc_log_level level,
    void *arg)
{
	shmrpc__log_init_once();
	if (fn == NULL) {
		sink = default_sink;
		sink_arg = NULL;
		shmrpc__log_level_now = SHMRPC_LOG_NONE;
		level_set_by_caller = false;
		read_env_level();
		return;
	}
	sink = fn;
	sink_arg = arg;
	level_set_by_caller = true;
	shmrpc__log_level_now = (int)level;
}

void shmrpc__log_emit(shmrpc_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sink(level, line, sink_arg);
}
