"""Running partitions: one after another in this process, or on a dask.distributed cluster.

Both engines retry a failed partition, show a progress bar over partitions, and raise
:class:`foresight.errors.PartitionError` naming the area when a partition still fails; then nothing is
returned (so nothing is written).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tqdm.auto import tqdm

from foresight.distributed._partition import PartitionOutput, PartitionTask, run_partition
from foresight.errors import ConfigError, PartitionError

__all__ = ["run_dask", "run_local"]


def _failed(key: str, attempts: int, exc: BaseException) -> PartitionError:
    return PartitionError(
        f"partition {key!r} (top-level area {key}) failed after {attempts} attempt(s): "
        f"{type(exc).__name__}: {str(exc).rstrip('.')}. Nothing was written; fix that area's data (or rerun) "
        "and run again.",
        area=key)


def run_local(tasks: Sequence[PartitionTask], *, retries: int, progress: bool) -> list[PartitionOutput]:
    """Run the partitions one after another in this process (bounded memory: one partition at a time)."""
    out = []
    for task in tqdm(tasks, desc="partitions", unit="area", disable=not progress, leave=False):
        for attempt in range(retries + 1):
            try:
                out.append(run_partition(task))
                break
            except Exception as exc:  # a partition's own error, retried then reported with its area
                if attempt == retries:
                    raise _failed(task.key, attempt + 1, exc) from exc
    return out


def _client(cluster: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``cluster`` (an address, a Client or a Cluster); True if we made it."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the extra is declared
        raise ConfigError("engine='dask' needs dask.distributed: pip install 'foresight[distributed]'") from exc
    if isinstance(cluster, Client):
        return cluster, False
    if cluster is None:
        raise ConfigError("engine='dask' needs a cluster: an address such as tcp://10.0.0.5:8786, a "
                          "distributed.Client or a LocalCluster (or use engine='local').")
    try:
        return Client(cluster, set_as_default=False), True
    except OSError as exc:
        raise ConfigError(f"cannot reach the dask scheduler at {cluster!r}: {exc}. Start one with "
                          "'dask scheduler' (see docs/deployment.md) or check the address.") from exc


def run_dask(tasks: Sequence[PartitionTask], *, cluster: Any, retries: int,
             progress: bool) -> list[PartitionOutput]:
    """Run the partitions on a dask.distributed cluster, one task per partition, ``retries`` each."""
    from distributed import as_completed

    client, own = _client(cluster)
    run = uuid.uuid4().hex[:8]
    try:
        futures = {}
        for task in tasks:
            # frames go to the cluster as data (scatter), not inside the task graph; a Parquet task is small
            arg = client.scatter(task, hash=False) if task.parquet is None else task
            fut = client.submit(run_partition, arg, key=f"foresight-{run}-{task.key}", retries=retries,
                                pure=False)
            futures[fut] = task.key
        done: dict[str, PartitionOutput] = {}
        bar = tqdm(total=len(futures), desc="partitions", unit="area", disable=not progress, leave=False)
        try:
            for fut in as_completed(list(futures), loop=client.loop):
                key = futures[fut]
                if fut.status != "finished":
                    exc = fut.exception()
                    for other in futures:
                        other.cancel()
                    raise _failed(key, retries + 1, exc) from exc
                done[key] = fut.result()
                fut.release()
                bar.update(1)
        finally:
            bar.close()
    finally:
        if own:
            client.close()
    return [done[t.key] for t in tasks]
