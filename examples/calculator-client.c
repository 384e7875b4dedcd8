/*
 * calculator-client - calls the calculator server's four methods and prints
 * what it called and what came back, including a division by zero.
 */
#include "example-common.h"

/* A whole number goes as a JSON integer, as a Python caller would send. */
static json_t *number(double v)
{
	if (v == (double)(json_int_t)v)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static int call(shmrpc_client *cli, const char *method, double a, double b)
{
	json_t *params = json_pack("{s:o, s:o}", "a", number(a), "b",
	    number(b));
	json_t *result;
	shmrpc_error err;
	int rc;

	rc = shmrpc_call(cli, method, params, &result, &err);
	json_decref(params);
	if (rc == SHMRPC_EMETHOD) {
		printf("%s(%g, %g) -> error: %s\n", method, a, b, err.text);
		return 0;
	}
	if (rc < 0) {
		warnx("%s: %s", method, err.text);
		return rc;
	}
	char *text = json_dumps(result, JSON_ENCODE_ANY);
	printf("%s(%g, %g) = %s\n", method, a, b, text);
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
	int rc;

	if (opts.wait_for_server == 0)
		opts.wait_for_server = 2.0;
	rc = shmrpc_client_open(&cli, channel, &opts, &err);
	if (rc < 0)
		errx(3, "cannot connect: %s", err.text);
	rc = call(cli, "add", 5, 3);
	if (rc == 0)
		rc = call(cli, "subtract", 10, 4);
	if (rc == 0)
		rc = call(cli, "multiply", 6, 7);
	if (rc == 0)
		rc = call(cli, "divide", 22, 7);
	if (rc == 0)
		rc = call(cli, "divide", 1, 0);
	shmrpc_client_close(cli);
	return rc == 0 ? 0 : 3;
}
