"""shmrpc - the shm-rpc-bridge 0.2.2 API on libshmrpc.

Porting a program from the seed means changing the import:

    from shm_rpc_bridge import RPCClient, RPCServer   # before
    from shmrpc import RPCClient, RPCServer           # after

RPCServer, RPCClient and the codec are C (shmrpc._shmrpc); only the
exception classes and this file are Python.
"""

import logging

from .exceptions import (
    RPCError,
    RPCMethodError,
    RPCSerializationError,
    RPCTimeoutError,
    RPCTransportError,
)
from ._shmrpc import RPCClient, RPCServer, dumps, loads, library_version

__version__ = "0.1.0"


def get_logger() -> logging.Logger:
    """The package's logger, as the seed's get_logger() (the library itself
    logs to stderr when SHMRPC_LOG is set; see shmrpc(3))."""
    return logging.getLogger(__name__)


__all__ = [
    "RPCClient",
    "RPCServer",
    "RPCError",
    "RPCTimeoutError",
    "RPCMethodError",
    "RPCSerializationError",
    "RPCTransportError",
    "dumps",
    "loads",
    "get_logger",
    "library_version",
]
