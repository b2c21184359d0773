"""Where runs execute: ``local`` (a process pool) or ``dask`` (a ``dask.distributed`` cluster).

Executors only compute; the coordinator (:func:`verify.sweep.run`) is the single writer to the
store. Each run is a pure function of its config, so results are bit-identical across
executors and worker counts.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from .runner import execute

Job = tuple[str, dict[str, Any]]


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


def local(jobs: list[Job], workers: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run jobs in this process (workers = 1) or a spawned process pool; yields (key, result)."""
    if workers <= 1:
        for key, cfg in jobs:
            yield key, execute(cfg)
        return
    with _single_threaded_blas():
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    with pool:
        futures = {pool.submit(execute, cfg): key for key, cfg in jobs}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def dask(
    jobs: list[Job], workers: int, scheduler: str | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Run jobs on a dask.distributed cluster: the one at ``scheduler`` (an address), or a
    LocalCluster of ``workers`` single-threaded worker processes started for this sweep."""
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:
        raise RuntimeError("the dask executor needs: pip install 'byzsco[dask]'") from exc
    cluster = None
    if scheduler is None:
        with _single_threaded_blas():
            cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = {
            client.submit(execute, cfg, key=f"byzsco-{key}", pure=False): key for key, cfg in jobs
        }
        for fut in dask_completed(futures):
            yield futures[fut], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
