/*
 * tool_json.h - the JSON that shmrpc-top -o json and shmrpc-clean -j share:
 * one schema for the same things (documented in shmrpc-registry(5), JSON
 * OUTPUT): durations in seconds (*_seconds), sizes in bytes (*_bytes),
 * the owner as owner_pid, owner_command and uid, states in the words of
 * shmrpc_state_name().  Internal to the tools, like tool.h.
 */
#ifndef SHMRPC_TOOL_JSON_H
#define SHMRPC_TOOL_JSON_H

#include <jansson.h>
#include <shmrpc.h>

/*
 * A JSON string of text from another process (NULL: null).  jansson
 * escapes control characters; bytes that are not valid UTF-8, which
 * jansson refuses, become U+FFFD.  Never NULL (exits on out of memory).
 */
json_t *tool_json_string(const char *s);

/* A copy of s (malloc'd, caller frees; NULL on out of memory) where every
 * byte that is not part of valid UTF-8 became U+FFFD. */
char *tool_utf8_repair(const char *s);

/* One /dev/shm object: name, channel, transport, state, reason, present,
 * regular, uid, size_bytes, age_seconds, mappers, mode, gid, links,
 * locked. */
json_t *tool_json_object(const shmrpc_object_info *o);

/* The members a registered channel has in both tools: name, transport,
 * state, reason, owner_pid, owner_command, owner_alive, uid, age_seconds,
 * buffer_bytes, slots, registry, rebuilt, mappers, client_pids, where the
 * owner lives and who may open it (owner_pid_local, owner_pid_ns,
 * owner_cgroup, owner_lock, owner_removeipc, mode, gid, refused), and
 * objects (each as tool_json_object()) when with_objects. */
void tool_json_channel(json_t *o, const shmrpc_channel_info *c,
    int with_objects);

/* Members of tool_json_channel() that shmrpc-top's columns also give:
 * owner_pid_ns (null: not recorded), owner_cgroup (null: unknown),
 * owner_lock ("held", "free", null: none or not testable), mode (the
 * permission bits as four octal digits, as in the registry). */
json_t *tool_json_owner_pid_ns(const shmrpc_channel_info *c);
json_t *tool_json_owner_cgroup(const shmrpc_channel_info *c);
json_t *tool_json_owner_lock(const shmrpc_channel_info *c);
json_t *tool_json_mode(unsigned mode);

/* Set member key of o to v, stealing v; exits on out of memory. */
void tool_json_set(json_t *o, const char *key, json_t *v);

#endif
