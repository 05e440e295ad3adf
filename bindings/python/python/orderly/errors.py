"""Orderly's exceptions, defined here and nowhere else.

Every error the engine raises is an :class:`OrderlyError` whose ``code`` is the engine's
stable, machine-readable code (``"invalid_transition"``, ``"card_expired"``, ...), the same
code the REST API puts in its problem documents. The subclasses group codes by what a caller
can do about them; catch the base class to handle them all.
"""

from __future__ import annotations

from typing import Dict, Tuple, Type


class OrderlyError(Exception):
    """An engine error. ``str(err)`` is for people; ``err.code`` is for programs."""

    code: str

    def __init__(self, message: str, code: str = "internal") -> None:
        super().__init__(message)
        self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> Tuple[type, Tuple[str, str]]:
        return (type(self), (self.message, self.code))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class ValidationError(OrderlyError):
    """The input breaks a rule: bad address or payment method, empty cart, bad limit, ..."""


class NotFound(OrderlyError):
    """No such order or checkout (or one the acting customer does not own)."""


class Forbidden(OrderlyError):
    """The acting caller may not do this (a customer acting for another user)."""


class Conflict(OrderlyError):
    """The request conflicts with the current state; the subclasses say how."""


class InvalidTransition(Conflict):
    """The status machine does not allow this move (e.g. cancelling a shipped order)."""


class IdempotencyConflict(Conflict):
    """The idempotency key was already used with a different request."""


class CheckoutExpired(Conflict):
    """The checkout quote has expired; check out again."""


class CartChanged(Conflict):
    """The cart changed since the checkout; check out again."""


class VersionConflict(Conflict):
    """The order is no longer at the ``expected_version``; read it again."""


class Unavailable(OrderlyError):
    """The store or the cart source is unavailable; the call may succeed later."""


class UpstreamError(OrderlyError):
    """The cart source answered with something malformed."""


class InternalError(OrderlyError):
    """A failure that retrying will not fix, such as stored data that cannot be read."""


class OpenError(OrderlyError):
    """The store could not be opened: bad URL, unsupported backend or unreachable database."""


_BY_CODE: Dict[str, Type[OrderlyError]] = {
    "invalid_transition": InvalidTransition,
    "idempotency_conflict": IdempotencyConflict,
    "checkout_expired": CheckoutExpired,
    "cart_changed": CartChanged,
    "version_conflict": VersionConflict,
}

_BY_KIND: Dict[str, Type[OrderlyError]] = {
    "invalid": ValidationError,
    "not_found": NotFound,
    "forbidden": Forbidden,
    "conflict": Conflict,
    "stale_version": VersionConflict,
    "unavailable": Unavailable,
    "upstream_invalid": UpstreamError,
    "internal": InternalError,
    "open": OpenError,
}


def _from_engine(kind: str, code: str, message: str) -> OrderlyError:
    """Called by the native module for every engine error: the class for its code or kind."""
    cls = _BY_CODE.get(code) or _BY_KIND.get(kind, OrderlyError)
    return cls(message, code)


__all__ = [
    "OrderlyError",
    "ValidationError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "InvalidTransition",
    "IdempotencyConflict",
    "CheckoutExpired",
    "CartChanged",
    "VersionConflict",
    "Unavailable",
    "UpstreamError",
    "InternalError",
    "OpenError",
]
