"""The two ways a source can fail, each carrying the sentence an operator needs to read."""


class SourceError(Exception):
    """A source could not be read this time; the poll records it and moves on."""


class FetchError(SourceError):
    """The bytes never arrived whole: network, HTTP status, size, TLS or address policy."""


class ParseError(SourceError):
    """The bytes arrived but are not what the source's parser reads (HTML for a feed...)."""


class StatusError(FetchError):
    """The server answered an error status. The page it sent is kept (up to
    ``scrapers.fetch.ERROR_BODY_BYTES``, all of it for 404 and 410: a site that moved its
    feed often says where on that page, readout.relocation); a block page tells an outage
    from a refusal, and ``readout check --save`` writes it for a bug report."""

    def __init__(
        self,
        message: str,
        status: int,
        url: str,
        body: bytes = b"",
        content_type: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body = body
        self.content_type = content_type
        self.headers = headers
