/*
 * where.h - where a channel's owner lives and who may open the channel,
 * in the words shmrpc-top shows them: the owner's PID namespace (a pid of
 * another namespace is never shown as a local pid), its cgroup (container
 * or service), its liveness lock, the files' mode and group, and whether
 * systemd-logind's RemoveIPC applies to its user (LIVENESS in
 * shmrpc-registry(5), DEPLOYMENT in shmrpc(7)).  Data only: the screen,
 * the -b text and the JSON draw it.  No curses here.
 */
#ifndef TOP_WHERE_H
#define TOP_WHERE_H

#include <stddef.h>

#include <shmrpc.h>

/* Room for text made safe for a terminal (as TOP_VIS_MAX). */
#define TOP_WHERE_MAX 256

struct top_where {
	/* The PID cell: "1234", or "ns:1234" for a pid of another PID
	 * namespace (not a pid of ours: do not look it up or signal it). */
	char pid[24];
	/* The namespace's inode ("4026531836"), "" when not recorded. */
	char pidns[24];
	/* In words: "this PID namespace", "another PID namespace
	 * (4026532...)", "PID namespace not recorded". */
	char place[96];
	/* The owner's cgroup as it registered it, made safe (tool_vis());
	 * "" when unknown. */
	char cgroup[TOP_WHERE_MAX];
	/* Its liveness lock: "held", "free", or "-" (none registered, or
	 * cannot be tested). */
	const char *lock;
	/* Mode and group of its files: "0600", "0660:staff" (or the gid
	 * when the group has no name here). */
	char access[48];
	/* RemoveIPC=yes applies to the owner's user: "yes", "no", "?". */
	const char *removeipc;
};

/* Fill w from the inspection's view of channel ci. */
void top_where_of(const shmrpc_channel_info *ci, struct top_where *w);

#endif
