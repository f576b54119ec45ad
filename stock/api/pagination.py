"""Pagination: page numbers for reference lists, cursors for large, growing lists."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class LargeListCursorPagination(CursorPagination):
    """For lists that grow with the data (movements, stock levels, scores): stable under inserts,
    constant cost per page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
