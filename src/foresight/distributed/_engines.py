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
from foresight.errors import ClusterError, ConfigError, PartitionError

__all__ = ["CONNECT_TIMEOUT", "connect", "run_dask", "run_local"]


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


#: How long a scheduler address may take to answer before the run stops (``connect``'s default).
CONNECT_TIMEOUT = "10s"


def connect(cluster: Any, *, timeout: str = CONNECT_TIMEOUT) -> Any:
    """A ``distributed.Client`` on ``cluster``, or a :class:`~foresight.errors.ClusterError` naming it.

    Parameters
    ----------
    cluster : str, distributed.Client or Cluster
        A scheduler address (``tcp://10.0.0.5:8786``), a Client (returned as it is) or a cluster object
        (``LocalCluster``, ``dask_jobqueue.SLURMCluster``).
    timeout : str
        How long the scheduler may take to answer.

    Returns
    -------
    distributed.Client
        Close it when done (unless you passed a Client in).

    Raises
    ------
    ClusterError
        The scheduler does not answer within ``timeout``.
    ConfigError
        No cluster given, or dask.distributed is not installed.

    Examples
    --------
    >>> connect("tcp://127.0.0.1:9", timeout="1s")
    Traceback (most recent call last):
    ...
    foresight.errors.ClusterError: cannot reach the dask scheduler at 'tcp://127.0.0.1:9' ...
    """
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the extra is declared
        raise ConfigError("a dask cluster needs dask.distributed: pip install 'foresight[distributed]'") from exc
    if isinstance(cluster, Client):
        return cluster
    if cluster is None or (isinstance(cluster, str) and not cluster.strip()):
        raise ConfigError("engine='dask' needs a cluster: an address such as tcp://10.0.0.5:8786, a "
                          "distributed.Client or a LocalCluster (or use engine='local').")
    try:
        return Client(cluster, set_as_default=False, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the dask scheduler at {cluster!r} within {timeout} "
                           f"({type(exc).__name__}: {exc}); start one with 'dask scheduler' (see "
                           "docs/deployment.md) or check the address and the firewall. Nothing was read or "
                           "written.") from exc


def run_dask(tasks: Sequence[PartitionTask], *, cluster: Any, retries: int,
             progress: bool) -> list[PartitionOutput]:
    """Run the partitions on a dask.distributed cluster, one task per partition, ``retries`` each."""
    from distributed import Client, as_completed

    own = not isinstance(cluster, Client)
    client = connect(cluster)  # run_pipeline passes the Client it connected before any work
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
