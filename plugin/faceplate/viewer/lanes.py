"""Latest-wins lanes for the viewer's image requests: a newer request drops an older one's work.

While an artist drags a slider or scrubs, the page asks for one image after another; only the newest
matters. A request names its lane (the page uses one per open page) and takes a ticket; the server
checks the ticket before it renders (a request superseded while it waited for the graph is answered at
once, nothing rendered) and again after (a render that a newer request superseded meanwhile is not
transformed or sent). A superseded request is answered ``409`` with kind ``Superseded``, which the page
ignores. Requests without a lane (scripts, the tests of single requests) are never superseded.
"""

from __future__ import annotations

import itertools
import threading

from faceplate.foundation.errors import FaceplateError


class Superseded(FaceplateError):
    """A newer request in the same lane replaced this one before its answer was ready."""


class Lanes:
    """The newest ticket of every lane (the lanes a page names, at most :attr:`MAX` remembered)."""

    MAX = 256

    def __init__(self):
        self._latest: dict[str, int] = {}
        self._tickets = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0  # requests answered as superseded

    def enter(self, lane: str | None) -> Ticket:
        """A ticket for a new request in ``lane`` (None: a request that nothing supersedes)."""
        with self._lock:
            number = next(self._tickets)
            if lane:
                self._latest.pop(lane, None)
                self._latest[lane] = number
                while len(self._latest) > self.MAX:
                    del self._latest[next(iter(self._latest))]
        return Ticket(self, lane, number)

    def latest(self, lane: str) -> int | None:
        """The newest ticket number in ``lane`` (None before its first request)."""
        with self._lock:
            return self._latest.get(lane)

    def check(self, ticket: Ticket, stage: str) -> None:
        """Raises :class:`Superseded` when a newer request entered ``ticket``'s lane."""
        if not ticket.lane:
            return
        with self._lock:
            newest = self._latest.get(ticket.lane)
            if newest == ticket.number:
                return
            self.dropped += 1
        raise Superseded(f"superseded by a newer request in lane {ticket.lane!r} {stage}")


class Ticket:
    """One request's place in its lane."""

    def __init__(self, lanes: Lanes, lane: str | None, number: int):
        self.lanes, self.lane, self.number = lanes, lane, number

    def check(self, stage: str) -> None:
        self.lanes.check(self, stage)
