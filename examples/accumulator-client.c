/*
 * accumulator-client - adds 1..5 to this process's running total, reads it
 * back and resets it, printing each call and its result.
 */
#include "example-common.h"

static int call(shmrpc_client *cli, const char *method, json_t *params)
{
	json_t *result;
	shmrpc_error err;
	char *args, *text;
	int rc;

	rc = shmrpc_call(cli, method, params, &result, &err);
	args = json_dumps(params, JSON_COMPACT);
	json_decref(params);
	if (rc < 0) {
		warnx("%s(%s): %s", method, args, err.text);
		free(args);
		return rc;
	}
	text = json_dumps(result, JSON_ENCODE_ANY);
	printf("%s(%s) = %s\n", method, args, text);
	free(args);
	free(text);
	json_decref(result);
	return 0;
}

int main(int argc, char **argv)
{
	shmrpc_options opts;
	const char *channel = example_parse(argc, argv, &opts);
	shmrpc_client *cli;
	shmrpc_error err;
	char id[32];
	int rc;

	if (opts.wait_for_server == 0)
		opts.wait_for_server = 2.0;
	rc = shmrpc_client_open(&cli, channel, &opts, &err);
	if (rc < 0)
		errx(3, "cannot connect: %s", err.text);
	snprintf(id, sizeof(id), "client-%ld", (long)getpid());
	rc = 0;
	for (int v = 1; v <= 5 && rc == 0; v++)
		rc = call(cli, "accumulate",
		    json_pack("{s:s, s:i}", "client_id", id, "value", v));
	if (rc == 0)
		rc = call(cli, "get_total", json_pack("{s:s}", "client_id", id));
	if (rc == 0)
		rc = call(cli, "reset", json_pack("{s:s}", "client_id", id));
	shmrpc_client_close(cli);
	return rc == 0 ? 0 : 3;
}
