"""The no-JavaScript form's body parser: no work before the CSRF token.

The form puts its ``csrf_token`` field first. While the multipart body
streams in, this parser checks the token the moment its part has arrived
(flask-wtf's :func:`~flask_wtf.csrf.validate_csrf`, against the session), and
refuses the request (:class:`~flask_wtf.csrf.CSRFError`, a 400) when the token
is wrong, or when a file part begins before a valid token was seen. A file
part's stream (the sealing upload of :mod:`intake.sealing`) is therefore only
ever created for a request that proved it comes from the form: a stranger's
body buys no encryption, no blob and no temporary file.

It also keeps what the whole body may hold in memory and on disk:

- text fields: ``MAX_FORM_MEMORY_SIZE`` bytes in total (Werkzeug alone bounds
  each field, not their sum);
- file parts: ``MAX_CONTENT_LENGTH`` plaintext bytes in total, the figure the
  form promises (the body may be a little longer, for the text and the part
  headers: :func:`intake.limits.form_body_cap`).

Both raise :class:`~werkzeug.exceptions.RequestEntityTooLarge` (413).

The parse loop follows Werkzeug 3.1's ``MultiPartParser.parse`` (BSD-3-Clause),
with the checks above added where each part begins, grows and ends.
"""

from __future__ import annotations

import typing as t

from flask import current_app
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser, _chunk_iter
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from wtforms import ValidationError

TOKEN_FIELD = "csrf_token"


class TokenFirstMultiPartParser(MultiPartParser):
    """Werkzeug's multipart parser with the token and total-size checks above.

    ``max_text`` and ``max_files`` are byte totals (None: no total).
    """

    def __init__(self, *args, max_text: int | None = None, max_files: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_text = max_text
        self.max_files = max_files

    def parse(self, stream, boundary: bytes, content_length: int | None):
        """Parse ``stream``; return (fields, files) as Werkzeug does.

        :raises CSRFError: a wrong token, or a file part before a valid one.
        :raises RequestEntityTooLarge: over a total above.
        :raises ValueError: malformed multipart (from Werkzeug's decoder).
        """
        parser = MultipartDecoder(boundary, max_form_memory_size=self.max_form_memory_size, max_parts=self.max_form_parts)
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        token_ok = False
        text_bytes = file_bytes = 0
        field_size: int | None = None
        current_part: Field | File | None = None
        container: t.Any = None
        for data in _chunk_iter(stream.read, self.buffer_size):
            parser.receive_data(data)
            event = parser.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                if isinstance(event, Field):
                    current_part, field_size, container = event, 0, []
                elif isinstance(event, File):
                    if not token_ok:
                        raise CSRFError("The CSRF token must come before any file.")
                    current_part, field_size = event, None
                    container = self.start_file_streaming(event, content_length)
                elif isinstance(event, Data):
                    if field_size is not None:
                        field_size += len(event.data)
                        text_bytes += len(event.data)
                        if self.max_form_memory_size is not None and field_size > self.max_form_memory_size:
                            raise RequestEntityTooLarge()
                        if self.max_text is not None and text_bytes > self.max_text:
                            raise RequestEntityTooLarge()
                        container.append(event.data)
                    else:
                        file_bytes += len(event.data)
                        if self.max_files is not None and file_bytes > self.max_files:
                            raise RequestEntityTooLarge()
                        container.write(event.data)
                    if not event.more_data:
                        if isinstance(current_part, Field):
                            value = b"".join(container).decode(self.get_part_charset(current_part.headers), "replace")
                            if current_part.name == TOKEN_FIELD and not token_ok:
                                _check_token(value)
                                token_ok = True
                            fields.append((current_part.name, value))
                        else:
                            container.seek(0)
                            files.append(
                                (current_part.name, FileStorage(container, current_part.filename, current_part.name, headers=current_part.headers))
                            )
                event = parser.next_event()
        return self.cls(fields), self.cls(files)


def _check_token(value: str) -> None:
    try:
        validate_csrf(value)
    except ValidationError as exc:
        raise CSRFError(exc.args[0]) from None


class TokenFirstFormDataParser(FormDataParser):
    """Werkzeug's form parser using :class:`TokenFirstMultiPartParser`.

    A malformed body is a 400, not a silently empty form (Werkzeug's default
    ``silent=True`` would turn e.g. non-UTF-8 part headers into an empty form,
    which would then look like a missing CSRF token).
    """

    def parse(self, *args, **kwargs):
        """Parse as Werkzeug does. :raises BadRequest: a malformed body."""
        self.silent = False
        try:
            return super().parse(*args, **kwargs)
        except HTTPException:
            raise
        except ValueError as exc:
            raise BadRequest("malformed form data") from exc

    def _parse_multipart(self, stream, mimetype: str, content_length: int | None, options: dict[str, str]):
        config = current_app.config
        parser = TokenFirstMultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls or MultiDict,
            max_text=config["MAX_FORM_MEMORY_SIZE"],
            max_files=config["MAX_CONTENT_LENGTH"],
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files
