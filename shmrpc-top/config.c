/*
 * config.c - shmrpc-top's settings file (config.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

void top_config_default(struct top_config *c)
{
	memset(c, 0, sizeof(*c));
	top_colset_default(&c->cols);
	c->sort = COL_NAME;
}

int top_config_path(char *buf, size_t len)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	int n;

	/* The XDG spec: a relative XDG_CONFIG_HOME is to be ignored. */
	if (x != NULL && x[0] == '/')
		n = snprintf(buf, len, "%s/shmrpc/toprc", x);
	else if (h != NULL && h[0] == '/')
		n = snprintf(buf, len, "%s/.config/shmrpc/toprc", h);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int in_set(const struct top_colset *cs, enum top_col c)
{
	for (int i = 0; i < cs->n; i++)
		if (cs->col[i] == c)
			return 1;
	return 0;
}

int top_colset_parse(struct top_colset *cs, const char *list, char *why,
    size_t len)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int rc = 0;

	if (copy == NULL)
		return -1;
	cs->n = 1;
	cs->col[0] = COL_NAME;
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		int c = top_column_find(tok);

		if (c < 0) {
			if (rc == 0)
				snprintf(why, len, "unknown column: %.64s", tok);
			rc = -1;
			continue;
		}
		if (!in_set(cs, (enum top_col)c))
			cs->col[cs->n++] = (enum top_col)c;
	}
	free(copy);
	return rc;
}

/* One "key=value" line of the file. */
static void load_line(struct top_config *c, char *line)
{
	char *eq = strchr(line, '='), *v, *end;
	char why[128];
	int k;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '#' || eq == NULL)
		return;
	*eq = '\0';
	v = eq + 1;
	if (strcmp(line, "columns") == 0) {
		struct top_colset cs;
		top_colset_parse(&cs, v, why, sizeof(why));
		c->cols = cs;
	} else if (strcmp(line, "sort") == 0 && (k = top_column_find(v)) >= 0) {
		c->sort = (enum top_col)k;
	} else if (strcmp(line, "reverse") == 0) {
		c->reverse = strcmp(v, "1") == 0;
	} else if (strcmp(line, "delay") == 0) {
		double d = strtod(v, &end);
		if (end != v && *end == '\0' && d >= 0.1 && d <= 3600)
			c->delay = d;
	}
}

int top_config_load(struct top_config *c, const char *path, char *why,
    size_t len)
{
	char line[4096];
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL)
		load_line(c, line);
	fclose(f);
	return 0;
}

/* mkdir -p of the directory part of path (mode 0700). */
static int make_dirs(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int write_config(FILE *f, const struct top_config *c)
{
	fprintf(f, "# shmrpc-top settings, written by its setup screen (F2); "
	    "see shmrpc-top(1).\ncolumns=");
	for (int i = 0; i < c->cols.n; i++)
		fprintf(f, "%s%s", i > 0 ? "," : "",
		    top_columns[c->cols.col[i]].key);
	fprintf(f, "\nsort=%s\nreverse=%d\n", top_columns[c->sort].key,
	    c->reverse);
	if (c->delay > 0)
		fprintf(f, "delay=%g\n", c->delay);
	return ferror(f) ? -1 : 0;
}

int top_config_save(const struct top_config *c, const char *path, char *why,
    size_t len)
{
	char tmp[4200];
	FILE *f;
	int fd, bad;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (make_dirs(path) < 0 || (fd = mkstemp(tmp)) < 0) {
		snprintf(why, len, "cannot write %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		snprintf(why, len, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	bad = write_config(f, c) < 0;
	if (fclose(f) != 0)
		bad = 1;
	if (bad || rename(tmp, path) < 0) {
		snprintf(why, len, "cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
