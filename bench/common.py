"""What every benchmark shares: the machine's description and percentiles."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """CPU count and model, OS, Python and the load average at start (other work skews timings)."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"nproc {len(os.sched_getaffinity(0))}, {cpu}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load avg {os.getloadavg()[0]:.1f} at start")


def pct(xs: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of xs."""
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))]


ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn --no-control-socket serving `target` on a free loopback port, started when `probe`
    answers 200 (as `make serve`, without the static precompression)."""

    def __init__(self, workers: int = 2, target: str = "app:server", probe: str = "/_dash-layout",
                 timeout: float = 90):
        import http.client
        import subprocess
        import time
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--no-control-socket", "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "--log-level", "warning", target],
            cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=open(os.environ.get("OBS_BENCH_SERVER_LOG", os.devnull), "ab"))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", probe)
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        import subprocess
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def append_results(section: str, block: str, intro: str = "") -> None:
    """Append `block` at the end of the "## <section>" part of bench/RESULTS.md (created, with
    `intro`, when missing), before the next "## " heading."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    mark = f"\n## {section}\n"
    if mark not in text:
        text = text.rstrip("\n") + "\n" + mark + (f"\n{intro}\n" if intro else "")
    head, _, rest = text.partition(mark)
    nxt = rest.find("\n## ")
    part, tail = (rest, "") if nxt < 0 else (rest[:nxt], rest[nxt:])
    RESULTS.write_text(head + mark + part.rstrip("\n") + "\n" + block + tail, encoding="utf-8")
