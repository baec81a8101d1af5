"""Which partitions a Dask frame has: the files by sensor in capture order, large
files in chunks, and the time divisions where the partitions are ordered in time."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ._files import (
    Chunk,
    PathLike,
    SensorOf,
    check_readable,
    expand,
    first_time_ns,
    natural_key,
    pcap_chunks,
    sensor_of,
    time_range_ns,
)


def need_dask() -> Tuple[Any, Any]:
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tcptrace.dask needs Dask: pip install 'tcptrace[dask]'") from e
    return dask, dd


class Plan:
    """The files grouped by sensor, each sensor's files in capture order, and the
    first-segment time of each file where the files were probed."""

    def __init__(self, paths_or_glob: Union[PathLike, Sequence[PathLike]], filter: Optional[str],
                 sensor: SensorOf, check_files: bool, on_error: str, partition_bytes: Optional[int] = None) -> None:
        if on_error not in ("raise", "skip"):
            raise ValueError("on_error must be 'raise' or 'skip'")
        paths = expand(paths_or_glob)
        if check_files:
            paths = check_readable(paths, on_error)
        self.first_ns: Dict[str, Optional[int]] = {}
        if check_files:
            for p in paths:
                self.first_ns[p] = first_time_ns(p, filter)
        by_sensor: Dict[str, List[str]] = {}
        for p in paths:
            by_sensor.setdefault(sensor_of(p, sensor), []).append(p)

        def order(p: str) -> Tuple[int, List[Any]]:
            # by first segment where probed (tcpdump -G names sort by time anyway), then by name
            t = self.first_ns.get(p)
            return (t if t is not None else 0), natural_key(p)

        self.sensors = sorted(by_sensor)
        self.by_sensor = {s: sorted(by_sensor[s], key=order if check_files else natural_key) for s in self.sensors}
        self.files = [p for s in self.sensors for p in self.by_sensor[s]]
        self.filter = filter
        # Large classic pcap files in chunks: the record headers are walked by the
        # workers (where the files are), before the graph is built.
        self.chunks: Dict[str, Optional[List[Chunk]]] = {}
        if partition_bytes is not None:
            if partition_bytes < 1:
                raise ValueError("partition_bytes must be a positive number of bytes")
            from dask.delayed import delayed

            dask, _dd = need_dask()
            found = dask.compute(*[delayed(pcap_chunks, pure=True)(p, partition_bytes) for p in self.files])
            self.chunks = dict(zip(self.files, found))

    def units(self, sensor: str) -> List[Tuple[str, Optional[Chunk]]]:
        """A sensor's partitions in order: (file, None) for a whole file, (file, chunk)."""
        out: List[Tuple[str, Optional[Chunk]]] = []
        for p in self.by_sensor[sensor]:
            chunks = self.chunks.get(p)
            out.extend([(p, c) for c in chunks] if chunks else [(p, None)])
        return out

    def all_units(self) -> List[Tuple[str, Optional[Chunk]]]:
        return [u for s in self.sensors for u in self.units(s)]

    def divisions_first_ns(self) -> Optional[List[int]]:
        """Cheap divisions: each partition's first segment time (a chunk's earliest
        record) and the last one's latest, when there is one sensor, every partition
        has a segment and they start in strictly increasing time; else None (unknown
        divisions). Each partition checks that its segments lie in its range."""
        if len(self.sensors) != 1 or not self.first_ns:
            return None
        units = self.all_units()
        starts: List[int] = []
        for p, c in units:
            t = self.first_ns.get(p) if c is None else c[3]
            if t is None:
                return None
            starts.append(int(t))
        if any(b <= a for a, b in zip(starts, starts[1:])):
            return None
        last_file, last_chunk = units[-1]
        rng = time_range_ns(last_file, self.filter) if last_chunk is None else (last_chunk[3], last_chunk[4])
        if rng is None or rng[0] is None or rng[1] is None or rng[0] < starts[-1]:
            return None
        return [*starts, int(rng[1])]

    def divisions_scan_ns(self) -> Optional[List[int]]:
        """Exact divisions from every partition's earliest and latest time, read by the
        workers (segment time stamps without TCP analysis; a chunk's record headers):
        known when each partition ends before the next begins."""
        from dask.delayed import delayed

        dask, _dd = need_dask()
        units = self.all_units()
        whole = [p for p, c in units if c is None]
        scanned = dict(zip(whole, dask.compute(*[delayed(time_range_ns, pure=True)(p, self.filter)
                                                 for p in whole])))
        spans: List[Tuple[int, int]] = []
        for p, c in units:
            r = scanned[p] if c is None else (c[3], c[4])
            if r is None or r[0] is None or r[1] is None:
                return None
            spans.append((int(r[0]), int(r[1])))
        if any(b[0] <= a[1] for a, b in zip(spans, spans[1:])):
            return None
        return [lo for lo, _hi in spans] + [spans[-1][1]]
