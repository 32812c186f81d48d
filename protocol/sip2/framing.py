"""Cut a byte stream from a socket into whole SIP2 messages.

TCP delivers bytes in whatever chunks it likes: half a message, three messages, a CR in one
chunk and its LF in the next. :class:`MessageSplitter` buffers them and hands back each message
(without its terminator) once its CR has arrived. CR LF and a bare LF are accepted as well,
because servers differ; blank lines between messages are skipped.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from protocol.sip2.errors import MessageTooLongError

DEFAULT_MAX_LENGTH = 64 * 1024
_LINE_END = re.compile(rb"[\r\n]")


class MessageSplitter:
    """Feed it received bytes; it returns the complete messages found so far."""

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH):
        if max_length < 2:
            raise ValueError("A SIP2 message is at least two characters long.")
        self.max_length = max_length
        self._buffer = bytearray()
        # After an over-long message, bytes are dropped up to its terminator so the next message
        # on the connection is still read correctly.
        self._skipping = False
        # After an error, the bytes kept in the buffer may already hold whole messages: the next
        # feed() reads them first. Otherwise the buffer never holds a terminator.
        self._rescan = False

    @property
    def pending(self) -> int:
        """How many bytes are waiting for their terminator."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add received bytes; return the messages they complete, in order (maybe none).

        Raises MessageTooLongError when a message grows past ``max_length``. Messages completed
        before it are on the error's ``completed`` list and bytes after it stay buffered, so a
        caller that logs the error and goes on reading loses nothing but the over-long message.

        Work is linear in the bytes received: only the new chunk is searched for a terminator, so a
        peer sending one byte at a time costs one small search per byte, not a rescan of the buffer.
        """
        if self._skipping:
            end = _LINE_END.search(chunk)
            if end is None:
                return []  # still inside the over-long message
            chunk = chunk[end.end():]
            self._skipping = False
        if self._rescan:
            chunk = bytes(self._buffer) + chunk
            self._buffer.clear()
            self._rescan = False
        first_end = _LINE_END.search(chunk)
        if first_end is None:
            self._buffer.extend(chunk)
            if len(self._buffer) > self.max_length:
                size = len(self._buffer)
                self._buffer.clear()
                self._skipping = True
                raise self._too_long(size, [])
            return []
        # The buffered bytes end at this chunk's first terminator: only then is the buffer joined.
        data = bytes(self._buffer) + chunk
        self._buffer.clear()
        messages: list[bytes] = []
        start = 0
        for match in _LINE_END.finditer(data, len(data) - len(chunk) + first_end.start()):
            line = data[start:match.start()]
            start = match.end()
            if len(line) > self.max_length:
                self._buffer.extend(data[start:])
                self._rescan = True
                raise self._too_long(len(line), messages)
            if line:
                messages.append(line)
        self._buffer.extend(data[start:])
        if len(self._buffer) > self.max_length:
            size = len(self._buffer)
            self._buffer.clear()
            self._skipping = True
            raise self._too_long(size, messages)
        return messages

    def _too_long(self, size: int, completed: list[bytes]) -> MessageTooLongError:
        return MessageTooLongError(
            f"More than {self.max_length} bytes arrived without the end of a SIP2 message ({size} so far): "
            "the other side is not speaking SIP2, or uses a different message terminator.",
            completed=completed,
        )


def split_messages(chunks: Iterable[bytes], max_length: int = DEFAULT_MAX_LENGTH) -> Iterator[bytes]:
    """Yield complete messages from an iterable of received chunks (a socket's recv loop)."""
    splitter = MessageSplitter(max_length)
    for chunk in chunks:
        yield from splitter.feed(chunk)
