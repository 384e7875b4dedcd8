/*
 * client.c - the RPC client: request ids, one call at a time per handle,
 * late replies recognised and dropped.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "envelope.h"
#include "transport.h"

struct shmrpc_client {
	shmrpc_transport *transport;
	pthread_mutex_t lock;  /* serialises calls from several threads */
	struct msgbuf out;     /* request being encoded */
	char *in;              /* response being received */
	size_t in_cap;
	uint64_t id_prefix;    /* random, so ids differ between handles */
	uint64_t next_id;
	char *error_text;      /* full text of the last method error */
};

SHMRPC_API int shmrpc_client_open(shmrpc_client **out, const char *name,
    const shmrpc_options *opts)
{
	shmrpc_client *cli;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	cli = calloc(1, sizeof(*cli));
	if (cli == NULL)
		return -ENOMEM;
	rc = shmrpc_transport_open(&cli->transport, name, opts);
	if (rc < 0) {
		free(cli);
		return rc;
	}
	cli->in_cap = shmrpc_transport_max_message(cli->transport);
	cli->in = malloc(cli->in_cap > 0 ? cli->in_cap : 1);
	if (cli->in == NULL) {
		shmrpc_transport_close(cli->transport);
		free(cli);
		return -ENOMEM;
	}
	if (getrandom(&cli->id_prefix, sizeof(cli->id_prefix), 0) !=
	    (ssize_t)sizeof(cli->id_prefix))
		cli->id_prefix = ((uint64_t)getpid() << 32) ^ (uintptr_t)cli;
	pthread_mutex_init(&cli->lock, NULL);
	*out = cli;
	return 0;
}

SHMRPC_API void shmrpc_client_close(shmrpc_client *cli)
{
	if (cli == NULL)
		return;
	shmrpc_transport_close(cli->transport);
	pthread_mutex_destroy(&cli->lock);
	msgbuf_free(&cli->out);
	free(cli->in);
	free(cli->error_text);
	free(cli);
}

SHMRPC_API const char *shmrpc_client_error_text(const shmrpc_client *cli)
{
	return cli != NULL && cli->error_text != NULL ? cli->error_text : "";
}

static void keep_error_text(shmrpc_client *cli, const char *text, size_t n)
{
	free(cli->error_text);
	cli->error_text = strndup(text, n);
}

/* Wait for the reply whose id is `id`; earlier calls' late replies are
 * dropped.  Fills *result or err. */
static int await_reply(shmrpc_client *cli, const char *id, json_t **result,
    shmrpc_error *err)
{
	for (;;) {
		struct response_view rv;
		size_t len;
		int rc;

		rc = transport_recv_response_keep(cli->transport, cli->in,
		    cli->in_cap, &len);
		if (rc < 0)
			return shmrpc_error_set(err, rc, "%s: waiting for "
			    "the reply on channel %s", shmrpc_strerror(rc),
			    cli->transport->name);
		rc = envelope_decode_response(cli->in, len, &rv);
		if (rc < 0) {
			response_view_release(&rv);
			return shmrpc_error_set(err, rc,
			    "malformed reply on channel %s",
			    cli->transport->name);
		}
		if (rv.id == NULL || strcmp(rv.id, id) != 0) {
			/* A reply to a call that timed out, or garbage.  A
			 * null id is the server saying our request was
			 * unreadable: report that rather than wait. */
			if (rv.id == NULL && rv.error != NULL) {
				keep_error_text(cli, rv.error, rv.error_len);
				rc = shmrpc_error_set(err, SHMRPC_EPROTO, "%s",
				    rv.error);
				response_view_release(&rv);
				return rc;
			}
			log_info("channel %s: dropped a late reply (id %s)",
			    cli->transport->name,
			    rv.id != NULL ? rv.id : "null");
			response_view_release(&rv);
			continue;
		}
		if (rv.error != NULL) {
			keep_error_text(cli, rv.error, rv.error_len);
			rc = shmrpc_error_set(err, SHMRPC_EMETHOD, "%s",
			    rv.error);
			response_view_release(&rv);
			return rc;
		}
		*result = json_incref(rv.result);
		response_view_release(&rv);
		return 0;
	}
}

SHMRPC_API int shmrpc_call(shmrpc_client *cli, const char *method,
    const json_t *params, json_t **result, shmrpc_error *err)
{
	json_t *empty = NULL;
	char id[48];
	size_t len;
	int rc;

	if (result != NULL)
		*result = NULL;
	if (cli == NULL || method == NULL || result == NULL)
		return shmrpc_error_set(err, -EINVAL, "invalid argument");
	if (params != NULL && !json_is_object(params))
		return shmrpc_error_set(err, -EINVAL,
		    "params must be a JSON object");
	if (params == NULL)
		params = empty = json_object();

	pthread_mutex_lock(&cli->lock);
	snprintf(id, sizeof(id), "%016" PRIx64 "-%" PRIu64, cli->id_prefix,
	    cli->next_id++);
	rc = envelope_encode_request(&cli->out, cli->in_cap, &len, id, method,
	    params);
	if (rc < 0) {
		if (rc == SHMRPC_ETOOBIG)
			shmrpc_error_set(err, rc, "request for %s does not "
			    "fit in a message of %zu bytes", method,
			    cli->in_cap);
		else
			shmrpc_error_set(err, rc, "cannot encode the request "
			    "for %s: %s", method, shmrpc_strerror(rc));
		goto out;
	}
	rc = shmrpc_transport_send_request(cli->transport, cli->out.data, len);
	if (rc < 0) {
		shmrpc_error_set(err, rc, "%s: sending to channel %s",
		    shmrpc_strerror(rc), cli->transport->name);
		goto out;
	}
	rc = await_reply(cli, id, result, err);
	if (rc == SHMRPC_EMETHOD || rc == SHMRPC_EPROTO || rc == SHMRPC_ESERIAL)
		transport_note_error(cli->transport, rc);
	transport_end_call(cli->transport);
out:
	pthread_mutex_unlock(&cli->lock);
	json_decref(empty);
	return rc;
}
