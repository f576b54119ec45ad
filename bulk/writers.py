"""Items written by several threads at once, each on its own database connection.

A writer thread takes items from a bounded queue and hands each to ``store`` (which opens its own
transaction); the producer (often a generator that computes the next item while the previous ones
are written) is read in the caller's thread. The server does most of the work of a write, so two
writers on a 2-core server keep both cores busy.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from django.db import connection, transaction

Item = TypeVar("Item")
Result = TypeVar("Result")


def read_beside(read: Callable[[], Result]) -> Future[Result]:
    """Start ``read`` in a thread of its own, on its own connection (closed when it is done), while
    the caller goes on with its own queries: the server answers both at once. Only outside a
    transaction: the thread's connection cannot see what the caller has not committed."""
    if connection.in_atomic_block:
        raise RuntimeError("read_beside: the caller is inside a transaction")

    def run() -> Result:
        try:
            return read()
        finally:
            connection.close()  # this thread's connection

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-reader")
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


def reads_together(*reads: Callable[[], object]) -> tuple:
    """The results of ``reads``, in their order. On PostgreSQL outside a transaction every read but
    the first runs in a thread of its own on its own connection (:func:`read_beside`) while this
    thread runs the first: the server answers them at once. Elsewhere, or inside a transaction
    (whose uncommitted rows another connection would not see), one after the other here. The first
    error is raised once every read has finished."""
    if len(reads) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return tuple(read() for read in reads)
    beside = [read_beside(read) for read in reads[1:]]
    try:
        first = reads[0]()
    finally:
        wait(beside)
    return (first, *(future.result() for future in beside))


def reads_in_order(reads: list[Callable[[], Result]]) -> list[Future[Result]]:
    """Start ``reads`` one after the other in a thread of its own, on its own connection (closed when
    it is done), and return a future for each, set as soon as that read is done: a caller that needs
    the reads in order waits only for the one it needs, while the server answers the next. A read
    that fails fails its future and every later one; a future cancelled before its turn is skipped.
    Only outside a transaction, as :func:`read_beside`."""
    if connection.in_atomic_block:
        raise RuntimeError("reads_in_order: the caller is inside a transaction")
    futures: list[Future[Result]] = [Future() for _read in reads]

    def run() -> None:
        try:
            for position, (read, future) in enumerate(zip(reads, futures, strict=True)):
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(read())
                except BaseException as error:  # noqa: BLE001 - raised to whoever waits on the future
                    future.set_exception(error)
                    for later in futures[position + 1 :]:
                        if later.set_running_or_notify_cancel():
                            later.set_exception(error)
                    return
        finally:
            connection.close()  # this thread's connection

    threading.Thread(target=run, name="bulk-reads-in-order", daemon=True).start()
    return futures


def write_all(items: Iterator[Item], store: Callable[[Item], None], *, writers: int) -> None:
    """Hand every item of ``items`` to ``store``: in this thread with one writer; with more, each item
    to one of ``writers`` threads, each on its own connection (closed when it is done). The first
    error stops the handing out and is raised once every writer has finished."""
    if writers <= 1:
        for item in items:
            store(item)
        return
    work: queue.Queue = queue.Queue(maxsize=writers)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            while (item := work.get()) is not None:
                if not errors:
                    try:
                        store(item)
                    except BaseException as error:  # noqa: BLE001 - raised again by the caller's thread
                        errors.append(error)
        finally:
            connection.close()  # this thread's connection

    threads = [threading.Thread(target=write, name=f"bulk-writer-{number}") for number in range(writers)]
    for thread in threads:
        thread.start()
    try:
        for item in items:
            if errors:
                break
            work.put(item)
    finally:
        for _thread in threads:
            work.put(None)
        for thread in threads:
            thread.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()
    if errors:
        raise errors[0]


class TransactionBeside:
    """One transaction on a connection of its own, held open by a thread of its own while the caller
    goes on: :meth:`submit` hands it work, run in order inside that transaction; :meth:`finish` runs a
    last piece of work in it, commits, and returns that work's result; :meth:`abandon` rolls it back.
    What the work writes stays invisible to every other connection until the commit, and the server
    does it while the caller's own queries run. The first error rolls the whole transaction back (the
    work handed after it is skipped) and is raised by :meth:`finish`. Only outside a transaction, as
    :func:`read_beside`."""

    _ABANDON = object()

    def __init__(self) -> None:
        if connection.in_atomic_block:
            raise RuntimeError("TransactionBeside: the caller is inside a transaction")
        self._work: queue.Queue = queue.Queue()
        self._result: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._hold, name="bulk-transaction")
        self._thread.start()

    def submit(self, work: Callable[[], object]) -> None:
        """Run ``work`` in the transaction, after the work handed before it."""
        self._work.put((work, False))

    def finish(self, last: Callable[[], Result]) -> Result:
        """Run ``last`` in the transaction after everything handed before, commit, and return what
        ``last`` returned; raise the first error of any work instead (nothing is then committed)."""
        self._work.put((last, True))
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def abandon(self) -> None:
        """Roll back whatever the work wrote and wait for the thread to end."""
        self._work.put((self._ABANDON, True))
        self._thread.join()

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                while True:
                    work, last = self._work.get()
                    if work is self._ABANDON:
                        transaction.set_rollback(True)
                        return
                    result = work()
                    if last:
                        self._result = result
                        return
        except BaseException as error:  # noqa: BLE001 - raised again by the caller's thread in finish
            self._error = error
        finally:
            connection.close()  # this thread's connection
