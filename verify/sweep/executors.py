"""Where runs execute: ``local`` (a process pool) or ``dask`` (a ``dask.distributed`` cluster).

Executors only compute; the coordinator (:func:`verify.sweep.run`) is the single writer to the
store. Each run is a pure function of its config, so results are bit-identical across
executors and worker counts.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from .runner import execute

Job = tuple[str, dict[str, Any]]
Results = Generator[tuple[str, dict[str, Any]], None, None]


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Worker processes inherit one BLAS thread each (no oversubscription of the cores)."""
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {n: os.environ.get(n) for n in names}
    os.environ.update({n: "1" for n in names})
    try:
        yield
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the coordinator, which cancels and stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Processes started inside inherit an ignored SIGINT (Ctrl-C reaches the whole process
    group; the coordinator alone handles it). Ctrl-C is ignored while they start."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def local(jobs: list[Job], workers: int) -> Results:
    """Run jobs in this process (workers = 1) or a spawned process pool; yields (key, result).

    On an exception in the consumer or here (KeyboardInterrupt, SystemExit from SIGTERM), the
    pending jobs are cancelled and the worker processes terminated before it propagates; runs
    that already finished are still yielded first when the interrupt arrives while waiting.
    """
    if workers <= 1:
        for key, cfg in jobs:
            yield key, execute(cfg)
        return
    with _single_threaded_blas():
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_sigint
        )
    futures = {pool.submit(execute, cfg): key for key, cfg in jobs}
    yielded: set[Future[dict[str, Any]]] = set()
    try:
        try:
            for fut in as_completed(futures):
                yielded.add(fut)
                yield futures[fut], fut.result()
        except (KeyboardInterrupt, SystemExit):
            _stop_pool(pool, futures)
            for fut in futures:  # finished while we waited: keep them
                if fut not in yielded and fut.done() and not fut.cancelled():
                    if fut.exception() is None:
                        yielded.add(fut)
                        yield futures[fut], fut.result()
            raise
    finally:
        _stop_pool(pool, futures)


def _stop_pool(pool: ProcessPoolExecutor, futures: dict[Any, str]) -> None:
    """Cancel what has not started, terminate the workers, reap them (no orphans)."""
    for fut in futures:
        fut.cancel()
    procs = list((getattr(pool, "_processes", None) or {}).values())
    busy = any(not fut.done() for fut in futures)
    if busy:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
    pool.shutdown(wait=not busy, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=2)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=1)


def dask(jobs: list[Job], workers: int, scheduler: str | None) -> Results:
    """Run jobs on a dask.distributed cluster: the one at ``scheduler`` (an address), or a
    LocalCluster of ``workers`` single-threaded worker processes started for this sweep."""
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:
        raise RuntimeError("the dask executor needs: pip install 'byzsco[dask]'") from exc
    cluster = None
    if scheduler is None:
        with _single_threaded_blas(), _workers_ignore_sigint():
            cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    stopped = False
    try:
        futures = {
            client.submit(execute, cfg, key=f"byzsco-{key}", pure=False): key for key, cfg in jobs
        }
        try:
            for fut in dask_completed(futures):
                yield futures[fut], fut.result()
        except (KeyboardInterrupt, SystemExit):
            stopped = True
            client.cancel(list(futures), force=True)
            raise
    finally:
        if stopped:
            # the teardown after a stop closes connections mid-message; distributed logs each
            # one with a traceback (CommClosedError), which on Ctrl-C is noise, not an error
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if stopped and cluster is not None:
            _kill_local_workers(cluster)  # their runs are lost anyway; do not wait for them
        if stopped:
            client.close(timeout=2)
        else:
            client.close()
        if cluster is not None:
            cluster.close(timeout=3 if stopped else None)


def _kill_local_workers(cluster: Any) -> None:
    """SIGKILL the worker processes of a LocalCluster (their nannies then exit quickly)."""
    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(getattr(getattr(nanny, "process", None), "process", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
