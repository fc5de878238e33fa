"""The two ways a source can fail, each carrying the sentence an operator needs to read."""


class SourceError(Exception):
    """A source could not be read this time; the poll records it and moves on."""


class FetchError(SourceError):
    """The bytes never arrived whole: network, HTTP status, size, TLS or address policy."""


class ParseError(SourceError):
    """The bytes arrived but are not what the source's parser reads (HTML for a feed...)."""
