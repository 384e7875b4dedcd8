/*
 * methods.h - what shmrpc-call says about channels rather than calls:
 * -l (a server's methods, from its built-in __methods__) and the hidden
 * --complete-channels the shell completions use.
 */
#ifndef SHMRPC_CALL_METHODS_H
#define SHMRPC_CALL_METHODS_H

#include <shmrpc.h>

/* Print the methods of channel's server, one a line ("NAME KIND"), or
 * with json the server's answer as it is.  Returns the exit status. */
int methods_list(const char *channel, const shmrpc_options *copts,
    int json);

/* Print the names of the channels in the caller's registry, one a line;
 * names that are not valid channel names are left out. */
int methods_complete_channels(void);

#endif
