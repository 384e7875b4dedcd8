/*
 * futex_layout.c - layer: transport.  The check of a futex segment's
 * header, shared by the transport (futex.c) and the counters reader
 * (futex_stats.c), below both.
 */
#include "base/common.h"
#include "transport/futex_layout.h"

int shmrpc__futex_header_check(const struct futex_header *h, size_t file_size,
    const char *fname)
{
	struct futex_geometry g;
	const char *why = NULL;

	if (h->magic != FUTEX_MAGIC)
		why = "bad magic";
	else if (h->version != FUTEX_LAYOUT_VERSION)
		why = "another layout version";
	else if (h->header_size != FUTEX_HEADER_SIZE ||
	    h->slot_size != sizeof(struct futex_slot))
		why = "other structure sizes";
	else if (futex_geometry(h->buffer_size, h->nslots,
	    h->methods_capacity, &g) < 0)
		why = "bad buffer size, slot or method count";
	else if (g.stride != h->buffer_stride ||
	    g.slots_offset != h->slots_offset ||
	    g.methods_offset != h->methods_offset ||
	    g.methods_capacity != h->methods_capacity ||
	    g.buffers_offset != h->buffers_offset ||
	    g.total_size != h->total_size)
		why = "inconsistent offsets";
	else if (file_size != h->total_size)
		why = "file size differs from the header's";
	if (why == NULL)
		return 0;
	log_info("/dev/shm/%s: %s (magic %#x, version %u)", fname, why,
	    h->magic, h->version);
	return SHMRPC_EVERSION;
}
