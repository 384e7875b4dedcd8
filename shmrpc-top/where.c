/*
 * where.c - where a channel's owner lives, in shmrpc-top's words
 * (where.h).  Every string from the registry is made safe here.
 */
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "where.h"

/* Group names, looked up once: getgrgid() may read /etc/group whole, and
 * a frame shows the same few groups again and again. */
static struct { gid_t gid; char name[40]; } gcache[16];
static unsigned ngcache;

static void group_name(gid_t gid, char *buf, size_t len)
{
	struct group *g;
	char safe[TOP_WHERE_MAX];

	for (unsigned i = 0; i < ngcache && i < 16; i++)
		if (gcache[i].gid == gid) {
			snprintf(buf, len, "%s", gcache[i].name);
			return;
		}
	g = getgrgid(gid);
	/* A group name comes from the system's database, not from the
	 * registry, but is shown on a terminal all the same. */
	if (g != NULL && g->gr_name != NULL)
		snprintf(buf, len, "%s", tool_vis(g->gr_name, safe,
		    sizeof(safe)));
	else
		snprintf(buf, len, "%lu", (unsigned long)gid);
	gcache[ngcache % 16].gid = gid;
	snprintf(gcache[ngcache % 16].name, sizeof(gcache[0].name), "%s", buf);
	ngcache++;
}

static void where_pid(const shmrpc_channel_info *ci, struct top_where *w)
{
	if (ci->owner_pid_ns != 0)
		snprintf(w->pidns, sizeof(w->pidns), "%llu",
		    (unsigned long long)ci->owner_pid_ns);
	else
		w->pidns[0] = '\0';
	if (ci->owner_pid_local == 0) {
		snprintf(w->pid, sizeof(w->pid), "ns:%ld", (long)ci->owner_pid);
		if (w->pidns[0] != '\0')
			snprintf(w->place, sizeof(w->place),
			    "another PID namespace (%s)", w->pidns);
		else
			snprintf(w->place, sizeof(w->place),
			    "another PID namespace");
	} else {
		snprintf(w->pid, sizeof(w->pid), "%ld", (long)ci->owner_pid);
		snprintf(w->place, sizeof(w->place), "%s",
		    ci->owner_pid_local == 1 ? "this PID namespace"
		    : "PID namespace not known");
	}
}

void top_where_of(const shmrpc_channel_info *ci, struct top_where *w)
{
	char group[40];

	where_pid(ci, w);
	if (ci->owner_cgroup != NULL && ci->owner_cgroup[0] != '\0')
		tool_vis(ci->owner_cgroup, w->cgroup, sizeof(w->cgroup));
	else
		w->cgroup[0] = '\0';
	w->lock = ci->owner_lock > 0 ? "held" : ci->owner_lock == 0 ? "free"
	    : "-";
	w->removeipc = ci->owner_removeipc > 0 ? "yes"
	    : ci->owner_removeipc == 0 ? "no" : "?";
	if (ci->gid == (gid_t)-1) {
		snprintf(w->access, sizeof(w->access), "%04o", ci->mode & 07777);
	} else {
		group_name(ci->gid, group, sizeof(group));
		snprintf(w->access, sizeof(w->access), "%04o:%s",
		    ci->mode & 07777, group);
	}
}
