/*
 * accumulator-server - keeps a running total per client id, as the seed's
 * accumulator example does.  Methods:
 *   accumulate {"client_id": STR, "value": NUMBER} -> the new total
 *   get_total  {"client_id": STR}                  -> the total (0 if new)
 *   reset      {"client_id": STR}                  -> true
 */
#include "example-common.h"

/* Totals live in one JSON object keyed by client id; handlers run on the
 * one serving thread, so no lock is needed. */
static json_t *totals;

static const char *client_id(shmrpc_req *req, const json_t *params)
{
	const char *id = json_string_value(json_object_get(params,
	    "client_id"));

	if (id == NULL)
		shmrpc_req_error(req, "TypeError", "client_id must be a string");
	return id;
}

static int accumulate(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	const char *id = client_id(req, params);
	json_t *value = json_object_get(params, "value");
	double total;

	(void)arg;
	if (id == NULL)
		return -1;
	if (!json_is_number(value))
		return shmrpc_req_error(req, "TypeError",
		    "value must be a number");
	total = json_number_value(json_object_get(totals, id)) +
	    json_number_value(value);
	json_object_set_new(totals, id, json_real(total));
	*result = json_real(total);
	return 0;
}

static int get_total(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	const char *id = client_id(req, params);

	(void)arg;
	if (id == NULL)
		return -1;
	*result = json_real(json_number_value(json_object_get(totals, id)));
	return 0;
}

static int reset(shmrpc_req *req, const json_t *params, json_t **result,
    void *arg)
{
	const char *id = client_id(req, params);

	(void)arg;
	if (id == NULL)
		return -1;
	json_object_del(totals, id);
	*result = json_true();
	return 0;
}

int main(int argc, char **argv)
{
	shmrpc_options opts;
	const char *channel = example_parse(argc, argv, &opts);
	shmrpc_server *srv;
	shmrpc_error err;
	int rc;

	totals = json_object();
	rc = shmrpc_server_open(&srv, channel, &opts, &err);
	if (rc < 0)
		errx(1, "cannot open the channel: %s", err.text);
	shmrpc_server_register(srv, "accumulate", accumulate, NULL);
	shmrpc_server_register(srv, "get_total", get_total, NULL);
	shmrpc_server_register(srv, "reset", reset, NULL);
	example_handle_signals(srv);
	printf("accumulator serving on channel %s\n", channel);
	fflush(stdout);
	rc = shmrpc_server_serve(srv);
	shmrpc_server_close(srv);
	json_decref(totals);
	if (rc < 0)
		errx(1, "serving failed: %s", shmrpc_strerror(rc));
	return 0;
}
