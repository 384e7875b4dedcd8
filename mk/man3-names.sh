#!/bin/sh
# man3-names.sh HEADER: the names `man 3` should find, one a line: every
# SHMRPC_API function and every function-like shmrpc_ macro of HEADER.
sed -n -e 's/^SHMRPC_API.*[ *]\(shmrpc_[a-z0-9_]*\)(.*/\1/p' \
    -e 's/^#define \(shmrpc_[a-z0-9_]*\)(.*/\1/p' "$1"
