"""A streaming ``multipart/form-data`` reader over a request body, built on python-multipart's
push parser. Nothing is spooled: a text field is collected up to its limit, a file part is
handed out chunk by chunk as the bytes arrive, so a consumer can write it straight to storage
and refuse it the moment a limit is passed.

    form = MultipartReader(request.stream(), request.headers["content-type"])
    async for part in form.parts():
        if part.filename is None:
            values[part.name] = await part.text(limit=20_000)
        else:
            await storage.save(key, part.chunks(), ...)
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from wegotwork.errors import BadRequest, PayloadTooLarge

MAX_PARTS = 96  # the built-in fields and a form of questions (repeated for multiple choices)
MAX_HEADER_BYTES = 8 * 1024

NOT_MULTIPART = "Send the form as multipart/form-data"
MALFORMED = "The form data could not be read"
INCOMPLETE = "The upload was incomplete. Please try again."
FIELD_TOO_LARGE = "A form field is too large"


class IncompleteUpload(BadRequest):
    """The body ended (or the client left) before the form was complete."""

    def __init__(self) -> None:
        super().__init__(INCOMPLETE)


@dataclass(slots=True)
class _Start:
    headers: dict[str, str]


@dataclass(slots=True)
class _Data:
    data: bytes


@dataclass(slots=True)
class _End:
    pass


_Event = _Start | _Data | _End


@dataclass
class Part:
    """One field of the form. Read it with ``text()`` or ``chunks()`` (once), or not at all."""

    reader: MultipartReader
    name: str
    filename: str | None
    content_type: str
    _done: bool = field(default=False, repr=False)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The part's bytes as they arrive."""
        while not self._done:
            event = await self.reader._next()
            if isinstance(event, _Data):
                yield event.data
            elif isinstance(event, _End):
                self._done = True
            else:  # pragma: no cover - the parser never starts a part inside another
                raise BadRequest(MALFORMED)

    async def text(self, *, limit: int) -> str:
        """The part as UTF-8 text; 413 beyond ``limit`` bytes."""
        collected = bytearray()
        async for chunk in self.chunks():
            collected += chunk
            if len(collected) > limit:
                raise PayloadTooLarge(FIELD_TOO_LARGE)
        return collected.decode("utf-8", errors="replace")

    async def skip(self) -> None:
        async for _chunk in self.chunks():
            pass


class MultipartReader:
    def __init__(self, body: AsyncIterator[bytes], content_type: str) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise BadRequest(NOT_MULTIPART)
        self._body = body
        self._events: deque[_Event] = deque()
        self._finished = False
        self._headers: dict[str, str] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._header_bytes = 0
        self._parts = 0
        self._current: Part | None = None
        try:
            self._parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._on_part_begin,
                    "on_header_field": self._on_header_field,
                    "on_header_value": self._on_header_value,
                    "on_header_end": self._on_header_end,
                    "on_headers_finished": self._on_headers_finished,
                    "on_part_data": self._on_part_data,
                    "on_part_end": self._on_part_end,
                    "on_end": self._on_end,
                },
            )
        except Exception as exc:  # an over-long or unusable boundary
            raise BadRequest(MALFORMED) from exc

    # Parser callbacks: they only record events; the async side consumes them.

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._header_bytes = 0
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise PayloadTooLarge("The form has too many fields")

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]
        self._count_header(end - start)

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._count_header(end - start)

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            raise PayloadTooLarge("A form field's headers are too large")

    def _on_header_end(self) -> None:
        name = self._header_field.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("latin-1").strip()
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        self._events.append(_Start(self._headers))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(_Data(bytes(data[start:end])))

    def _on_part_end(self) -> None:
        self._events.append(_End())

    def _on_end(self) -> None:
        self._finished = True

    # The async side.

    async def _next(self) -> _Event:
        while not self._events:
            if self._finished:
                raise IncompleteUpload()
            try:
                chunk = await self._body.__anext__()
            except StopAsyncIteration:
                raise IncompleteUpload() from None
            except (ClientDisconnect, OSError) as exc:  # the client left
                raise IncompleteUpload() from exc
            if not chunk:
                continue
            try:
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise BadRequest(MALFORMED) from exc
        return self._events.popleft()

    async def parts(self) -> AsyncIterator[Part]:
        """Each part in order. Ends when the closing boundary was read; 400 if it never is."""
        while True:
            if self._current is not None and not self._current._done:
                await self._current.skip()
            if not self._events and self._finished:
                return
            try:
                event = await self._next()
            except IncompleteUpload:
                if self._finished and not self._events:
                    return
                raise
            if not isinstance(event, _Start):
                raise BadRequest(MALFORMED)
            self._current = self._part(event.headers)
            yield self._current

    def _part(self, headers: dict[str, str]) -> Part:
        disposition, options = parse_options_header(headers.get("content-disposition", ""))
        if disposition != b"form-data" or b"name" not in options:
            raise BadRequest(MALFORMED)
        name = options[b"name"].decode("utf-8", errors="replace")
        filename = (
            options[b"filename"].decode("utf-8", errors="replace")
            if b"filename" in options
            else None
        )
        content_type = headers.get("content-type", "text/plain").split(";")[0].strip().lower()
        return Part(self, name, filename, content_type)
