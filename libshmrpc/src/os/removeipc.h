/*
 * removeipc.h - layer: OS access.  Does systemd-logind remove a user's
 * files in /dev/shm when the user's last session ends (RemoveIPC=yes in
 * logind.conf(5), the default)?  A server of that user then loses its
 * channel under it; the tools warn about it, and a server refuses to serve
 * a channel whose files vanished (SHMRPC_EREMOVED).
 */
#ifndef SHMRPC_REMOVEIPC_H
#define SHMRPC_REMOVEIPC_H

#include <sys/types.h>

/* Highest uid that systemd counts as a system user (SYSTEM_UID_MAX of
 * Debian's and most distributions' builds): RemoveIPC never applies to
 * them, nor to root. */
#define REMOVEIPC_SYSTEM_UID_MAX 999

/*
 * 1 when RemoveIPC applies to uid: the host runs systemd
 * (/run/systemd/system), uid is not root nor a system user, and
 * logind.conf with its drop-ins (/etc, /run, /usr/local/lib and /usr/lib,
 * systemd's order) leaves RemoveIPC=yes.  0 when it does not, -1 when it
 * cannot be told.  The configuration is read at most every few seconds.
 * Thread-safe.
 */
int shmrpc__removeipc_applies(uid_t uid);

#endif
