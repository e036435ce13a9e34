import io
import tempfile

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

# Set by ChunkedBodyLimit on a body without Content-Length that went past the path's limit.
OVER_LIMIT_KEY = "feedback_desk.body_over_limit"
_READ_SIZE = 64 * 1024


BULK_PATH = "/api/v1/responses/bulk"
BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))


def body_limit(path_info: str) -> int:
    """The most a request body to this address may hold: one rule for both the declared
    Content-Length and a chunked body counted as it is read."""
    limit = settings.MAX_REQUEST_BODY_BYTES
    if path_info.startswith("/hooks/"):
        # the webhook view enforces it again itself; here it stops a chunked read early
        return min(limit, settings.WEBHOOK_MAX_BODY_BYTES)
    if path_info.rstrip("/") == BULK_PATH:
        return settings.MAX_BULK_BODY_BYTES
    return limit


def too_large_response(size: int | None, limit: int) -> JsonResponse:
    """413 in the API's error envelope; `size` is None when the body was never counted whole."""
    detail = (
        _("Request body is %(size)d bytes; the limit is %(limit)d bytes.")
        % {"size": size, "limit": limit}
        if size is not None
        else _("Request body is larger than the limit of %(limit)d bytes.") % {"limit": limit}
    )
    return JsonResponse({"detail": detail, "code": "request_too_large", "errors": {}}, status=413)


def length_required_response() -> JsonResponse:
    return JsonResponse(
        {
            "detail": _(
                "This server cannot read a request body sent without Content-Length "
                "(Transfer-Encoding: chunked); send the body with a Content-Length header."
            ),
            "code": "length_required",
            "errors": {},
        },
        status=411,
    )


class ChunkedBodyLimit:
    """WSGI wrapper: a body sent without Content-Length (chunked) is read up to the address's
    limit, then handed to Django with its Content-Length, as if it had been declared.

    Django sizes the body from CONTENT_LENGTH alone and reads nothing without it, so a
    chunked body would silently arrive empty; and its size is only known once it is read.
    The body is kept in a spooled file (memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then
    disk) and reading stops at the first byte past the limit, so a huge body costs at
    most limit + 1 bytes. Only a server that ends wsgi.input at the body's end (gunicorn
    sets wsgi.input_terminated) is read this way; otherwise RequestBodyLimitMiddleware
    answers 411.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if (
            not environ.get("CONTENT_LENGTH")
            and environ.get("HTTP_TRANSFER_ENCODING")
            and environ.get("wsgi.input_terminated")
            and environ.get("REQUEST_METHOD") in BODY_METHODS
        ):
            spool = self._spool_body(environ)
            if spool is not None:
                return _SpoolClosing(self.application(environ, start_response), spool)
        return self.application(environ, start_response)

    @staticmethod
    def _spool_body(environ):
        """The spooled body (None when it went past the limit): its file is closed with
        the response, not left to the garbage collector."""
        limit = body_limit(environ.get("PATH_INFO") or "/")
        stream = environ["wsgi.input"]
        spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        size = 0
        try:
            while chunk := stream.read(min(_READ_SIZE, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    spool.close()
                    environ[OVER_LIMIT_KEY] = limit
                    environ["wsgi.input"] = io.BytesIO()  # nothing past the limit is read
                    return None
                spool.write(chunk)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        environ["wsgi.input"] = spool
        environ["CONTENT_LENGTH"] = str(size)
        return spool


class _SpoolClosing:
    """The application's response iterable, closing the spooled body after it."""

    def __init__(self, result, spool) -> None:
        self.result, self.spool = result, spool

    def __iter__(self):
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.spool.close()


class RequestBodyLimitMiddleware:
    """Answers an oversized body with 413 before anything reads it, and a body that cannot
    be sized (no Content-Length, and not read by ChunkedBodyLimit) with 411.

    Django alone would raise RequestDataTooBig and answer 400; clients deserve 413. A chunked
    body Django was left to itself would be read as empty: a silent loss, never an answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request.path_info)
        over = request.META.get(OVER_LIMIT_KEY)
        if over is not None:
            return too_large_response(None, over)
        declared = request.META.get("CONTENT_LENGTH")
        if (
            not declared
            and request.META.get("HTTP_TRANSFER_ENCODING")
            and request.method in BODY_METHODS
        ):
            return length_required_response()
        try:
            length = int(declared or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large_response(length, limit)
        return self.get_response(request)
