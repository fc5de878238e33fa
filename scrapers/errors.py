"""The two ways a source can fail, each carrying the sentence an operator needs to read."""


class SourceError(Exception):
    """A source could not be read this time; the poll records it and moves on."""


class FetchError(SourceError):
    """The bytes never arrived whole: network, HTTP status, size, TLS or address policy."""


class ParseError(SourceError):
    """The bytes arrived but are not what the source's parser reads (HTML for a feed...)."""


class StatusError(FetchError):
    """The server answered an error status. For 404 and 410 the page it sent is kept:
    a site that moved its feed often says where on that page (readout.relocation)."""

    def __init__(
        self,
        message: str,
        status: int,
        url: str,
        body: bytes = b"",
        content_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body = body
        self.content_type = content_type
