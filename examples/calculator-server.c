/*
 * calculator-server - serves add, subtract, multiply and divide on numbers
 * "a" and "b".  Dividing by zero is a method error, as in the seed.
 */
#include "example-common.h"

/* Read params "a" and "b" as numbers; otherwise set a TypeError. */
static int get_ab(shmrpc_req *req, const json_t *params, double *a,
    double *b)
{
	json_t *ja = json_object_get(params, "a");
	json_t *jb = json_object_get(params, "b");

	if (!json_is_number(ja) || !json_is_number(jb))
		return shmrpc_req_error(req, "TypeError",
		    "%s() needs numbers a and b", shmrpc_req_method(req));
	*a = json_number_value(ja);
	*b = json_number_value(jb);
	return 0;
}

/* Integers stay integers, as in Python; anything else is a real. */
static json_t *number(const json_t *params, double v)
{
	if (json_is_integer(json_object_get(params, "a")) &&
	    json_is_integer(json_object_get(params, "b")) &&
	    v >= -9007199254740992.0 && v <= 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

enum op { ADD, SUBTRACT, MULTIPLY, DIVIDE };

/* One handler for the four methods; arg says which operation it is. */
static int arithmetic(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	enum op op = *(const enum op *)arg;
	double a = 0, b = 0;

	if (get_ab(req, params, &a, &b) != 0)
		return -1;
	switch (op) {
	case ADD:
		*result = number(params, a + b);
		break;
	case SUBTRACT:
		*result = number(params, a - b);
		break;
	case MULTIPLY:
		*result = number(params, a * b);
		break;
	case DIVIDE:
		if (b == 0)
			return shmrpc_req_error(req, "ZeroDivisionError",
			    "division by zero");
		*result = json_real(a / b); /* Python's / gives a float */
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	shmrpc_options opts;
	const char *channel = example_parse(argc, argv, &opts);
	shmrpc_server *srv;
	shmrpc_error err;
	int rc;

	rc = shmrpc_server_open(&srv, channel, &opts, &err);
	if (rc < 0)
		errx(1, "cannot open the channel: %s", err.text);
	static const struct {
		const char *name;
		enum op op;
	} methods[] = { { "add", ADD }, { "subtract", SUBTRACT },
		{ "multiply", MULTIPLY }, { "divide", DIVIDE } };
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		shmrpc_server_register(srv, methods[i].name, arithmetic,
		    (void *)&methods[i].op);
	example_handle_signals(srv);
	printf("calculator serving on channel %s\n", channel);
	fflush(stdout);
	rc = shmrpc_server_serve(srv);
	shmrpc_server_close(srv);
	if (rc < 0)
		errx(1, "serving failed: %s", shmrpc_strerror(rc));
	return 0;
}
