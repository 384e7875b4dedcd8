"""The seed's exception classes (shm-rpc-bridge 0.2.2), same names and
hierarchy, so that `except RPCError:` code ports unchanged.

Kept in Python: they are plain classes, and the C extension looks them up
here at import.
"""


class RPCError(Exception):
    """Base exception for all RPC-related errors."""


class RPCTimeoutError(RPCError):
    """Raised when an RPC operation times out."""


class RPCSerializationError(RPCError):
    """Raised when serialization or deserialization fails."""


class RPCTransportError(RPCError):
    """Raised when transport layer encounters an error."""


class RPCMethodError(RPCError):
    """Raised when a remote method call fails; str() is the remote
    "Type: message"."""
