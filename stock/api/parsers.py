"""Request parsers of the API."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """The JSON parser, answering 400 instead of failing with a server error when a body nests
    arrays or objects deeper than Python's recursion limit (a hostile ``[[[[...]]]]``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
