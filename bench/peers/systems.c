/*
 * systems.c - peer-bench: the systems of this build, in the order the rows
 * of one case are run (layer: bench).
 *
 * ZeroMQ and gRPC are built only when their Debian packages are installed
 * (the Makefile defines HAVE_ZMQ / HAVE_GRPC; `make bench-deps` installs
 * them).  Without them the system is still listed, with the reason it is
 * skipped, so that every run says what it did not measure.
 */
#include "system.h"

#ifndef HAVE_ZMQ
const struct bench_system zmq_system = {
	.name = "zeromq",
	.transport = "ipc",
	.label = "ZeroMQ REQ/REP ipc://",
	.skip_reason = "built without libzmq (Debian libzmq3-dev; "
	    "`make bench-deps` installs it)",
};
#endif

#ifndef HAVE_GRPC
const struct bench_system grpc_system = {
	.name = "grpc",
	.transport = "unix",
	.label = "gRPC sync unary, unix:",
	.skip_reason = "built without gRPC C++ (Debian libgrpc++-dev, "
	    "protobuf-compiler-grpc; `make bench-deps` installs them)",
};
#endif

const struct bench_system *const bench_systems[] = {
	&shmrpc_system,
	&uds_system,
	&zmq_system,
	&grpc_system,
};

const size_t bench_nsystems = sizeof(bench_systems) / sizeof(bench_systems[0]);
