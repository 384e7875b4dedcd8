/*
 * methods.c - -l and --complete-channels (see methods.h).
 */
#include <stdio.h>
#include <string.h>

#include "load.h"
#include "methods.h"
#include "output.h"
#include "tool.h"

enum { EXIT_OK = 0, EXIT_METHOD = 1, EXIT_CHANNEL = 3 };

#define METHODS "__methods__"
#define UNKNOWN "RPCError: Unknown method: " METHODS

/* Whether v is what shmrpc(7) says __methods__ answers: an array of
 * objects, each with a string name and a string kind. */
static int valid_list(const json_t *v)
{
	size_t i;
	json_t *m;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, m)
		if (!json_is_string(json_object_get(m, "name")) ||
		    !json_is_string(json_object_get(m, "kind")))
			return 0;
	return 1;
}

static void print_list(const json_t *v)
{
	size_t i, width = 0;
	json_t *m;

	json_array_foreach(v, i, m) {
		size_t n = strlen(json_string_value(json_object_get(m,
		    "name")));
		if (n > width && n < 64)
			width = n;
	}
	json_array_foreach(v, i, m) {
		const char *name = json_string_value(json_object_get(m,
		    "name"));
		char kind[32];
		tool_fputs_vis(name, stdout);
		printf("%*s %s\n", (int)(width > strlen(name) ? width -
		    strlen(name) : 0), "", tool_vis(json_string_value(
		    json_object_get(m, "kind")), kind, sizeof(kind)));
	}
}

int methods_list(const char *channel, const shmrpc_options *copts, int json)
{
	shmrpc_client *cli;
	shmrpc_error err;
	json_t *list = NULL;
	int rc, status = EXIT_OK;

	if (shmrpc_client_open(&cli, channel, copts, &err) < 0) {
		output_warn(err.text);
		return EXIT_CHANNEL;
	}
	rc = shmrpc_call(cli, METHODS, NULL, &list, &err);
	if (rc == SHMRPC_EMETHOD && strcmp(err.text, UNKNOWN) == 0) {
		fprintf(stderr, "shmrpc-call: %s: this server does not list "
		    "its methods (a shm-rpc-bridge 0.2.2 server?)\n", channel);
		status = EXIT_METHOD;
	} else if (rc < 0) {
		if (rc == SHMRPC_EMETHOD)
			output_remote_error(err.text);
		else
			output_warn(err.text);
		status = exit_status_for(rc);
	} else if (!valid_list(list)) {
		fprintf(stderr, "shmrpc-call: %s: the answer to " METHODS
		    " is not a list of methods\n", channel);
		status = EXIT_CHANNEL;
	} else if (json) {
		output_json(stdout, list, 0);
	} else {
		print_list(list);
	}
	json_decref(list);
	shmrpc_client_close(cli);
	if (status == EXIT_OK && fflush(stdout) != 0)
		status = EXIT_CHANNEL;
	return status;
}

int methods_complete_channels(void)
{
	shmrpc_inspect_options o;
	shmrpc_inspection *s;
	shmrpc_error err;

	shmrpc_inspect_options_init(&o);
	o.skip_live_mappers = 1;
	o.skip_counters = 1;
	if (shmrpc_inspect(&s, &o, &err) < 0)
		return EXIT_CHANNEL;
	for (size_t i = 0; i < shmrpc_inspection_channel_count(s); i++) {
		const char *name = shmrpc_inspection_channel(s, i)->name;
		if (shmrpc_name_check(name) == 0)
			printf("%s\n", name);
	}
	shmrpc_inspection_free(s);
	return EXIT_OK;
}
