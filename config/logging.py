"""One JSON object per log line, for the production profile (``LOG_FORMAT=json``)."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON document."""

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "user_id", "method", "path", "status", "duration_ms", "task_id"):
            if hasattr(record, key):
                document[key] = getattr(record, key)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


# The id of the request being served, set by ``config.middleware.RequestIdMiddleware``.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Stamps every record logged while a request is served with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True
