"""`taskflow dapr install`: daprd built from Dapr's Go module and Apache Kafka from Maven
Central, each pinned and cached under the user's cache directory.

- daprd: `tools/daprd/` is a wrapper Go module (go.mod + go.sum pin dapr and repeat its
  `replace` directives; main.go registers only the components TaskFlow loads). `go build` there
  writes `<cache>/daprd-<version>/daprd`.
- Kafka: `tools/kafka/pom.xml` copies `kafka_2.13` and its runtime dependencies with a log4j2
  backend into `<cache>/kafka-<version>/lib`; `java -cp '<lib>/*' kafka.Kafka` runs it.

A build is written to a temporary directory and renamed into place when it is complete, so an
interrupted install leaves nothing that looks installed. Later runs (and CI on the same machine)
find the cache and do nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from backend.topology.errors import TopologyError

DAPR_VERSION = "1.18.1"
KAFKA_VERSION = "4.1.1"
SOURCE_ROOT = Path(__file__).resolve().parents[2]
TOOLS = SOURCE_ROOT / "tools"


def cache_root() -> Path:
    """TASKFLOW_CACHE_DIR, else the per-user cache directory (e.g. ~/.cache/taskflow)."""
    configured = os.environ.get("TASKFLOW_CACHE_DIR")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("taskflow"))


@dataclass(frozen=True)
class Installed:
    daprd: Path
    kafka_lib: Path

    @property
    def kafka_classpath(self) -> str:
        return f"{self.kafka_lib}/*"


def daprd_path() -> Path:
    return cache_root() / f"daprd-{DAPR_VERSION}" / "daprd"


def kafka_lib() -> Path:
    return cache_root() / f"kafka-{KAFKA_VERSION}" / "lib"


def installed() -> Installed:
    """The cached binaries, or a TopologyError naming the command that installs them."""
    daprd, lib = daprd_path(), kafka_lib()
    if not daprd.exists() or not (lib / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        raise TopologyError(
            "daprd and Kafka are not installed yet: run 'taskflow dapr install' "
            "(needs Go and Java 17 with Maven; the first build takes several minutes)"
        )
    return Installed(daprd=daprd, kafka_lib=lib)


def _require(tool: str, what: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise TopologyError(f"'{tool}' was not found: {what}")
    return path


def _progress(label: str, process: subprocess.Popen[str], log: Path) -> int:
    """Wait for `process`, printing a line every 15 s so a long build shows it is alive."""
    started = time.monotonic()
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(15):
            lines = log.read_text(errors="replace").splitlines() if log.exists() else []
            print(
                f"  … {label}: {time.monotonic() - started:.0f} s"
                + (f" ({lines[-1][:90]})" if lines else ""),
                file=sys.stderr,
                flush=True,
            )

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        return process.wait()
    finally:
        stop.set()


def _run(label: str, command: list[str], *, cwd: Path, log: Path, env: dict | None = None) -> None:
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            text=True,
        )
        code = _progress(label, process, log)
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise TopologyError(f"{label} failed (exit {code}): {tail[0][:200]} — full log: {log}")


def install_daprd(*, force: bool = False) -> tuple[Path, float | None]:
    """Build daprd into the cache; (path, seconds the build took or None if it was cached)."""
    target = daprd_path()
    if target.exists() and not force:
        return target, None
    go = _require("go", "install Go 1.26 (https://go.dev/doc/install) to build daprd")
    target.parent.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"daprd-{DAPR_VERSION}.", dir=target.parent.parent))
    log = target.parent.parent / f"daprd-{DAPR_VERSION}.build.log"
    started = time.monotonic()
    print(
        f"▸ building daprd {DAPR_VERSION} from Dapr's Go module (log: {log})",
        file=sys.stderr,
        flush=True,
    )
    try:
        _run(
            f"go build daprd {DAPR_VERSION}",
            [
                go,
                "build",
                "-trimpath",
                "-ldflags",
                f"-s -w -X github.com/dapr/dapr/pkg/buildinfo.version={DAPR_VERSION}",
                "-o",
                str(work / "daprd"),
                ".",
            ],
            cwd=TOOLS / "daprd",
            log=log,
            env={"CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"},
        )
        shutil.rmtree(target.parent, ignore_errors=True)
        work.rename(target.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target, time.monotonic() - started


def install_kafka(*, force: bool = False) -> tuple[Path, float | None]:
    """Copy Kafka's jars into the cache; (lib directory, seconds taken or None if cached)."""
    lib = kafka_lib()
    if (lib / f"kafka_2.13-{KAFKA_VERSION}.jar").exists() and not force:
        return lib, None
    _require("java", "install a Java 17 runtime (e.g. 'apt-get install openjdk-17-jre-headless')")
    mvn = _require("mvn", "install Maven (e.g. 'apt-get install maven') to fetch Kafka")
    home = lib.parent
    home.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"kafka-{KAFKA_VERSION}.", dir=home.parent))
    log = home.parent / f"kafka-{KAFKA_VERSION}.install.log"
    started = time.monotonic()
    print(
        f"▸ fetching Apache Kafka {KAFKA_VERSION} from Maven Central (log: {log})",
        file=sys.stderr,
        flush=True,
    )
    try:
        # Maven works in a copy of the pom, so its target/ stays out of the source tree.
        shutil.copy(TOOLS / "kafka" / "pom.xml", work / "pom.xml")
        _run(
            f"mvn Kafka {KAFKA_VERSION}",
            [mvn, "-B", "-q", "package", f"-Dkafka.version={KAFKA_VERSION}"],
            cwd=work,
            log=log,
        )
        shutil.rmtree(home, ignore_errors=True)
        (work / "target" / "lib").rename(work / "lib")
        shutil.rmtree(work / "target", ignore_errors=True)
        (work / "pom.xml").unlink()
        work.rename(home)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lib, time.monotonic() - started


def install(*, force: bool = False) -> Installed:
    daprd, built = install_daprd(force=force)
    _report("daprd", DAPR_VERSION, daprd, built)
    lib, fetched = install_kafka(force=force)
    _report("Kafka", KAFKA_VERSION, lib.parent, fetched)
    return Installed(daprd=daprd, kafka_lib=lib)


def _report(name: str, version: str, where: Path, seconds: float | None) -> None:
    how = "cached" if seconds is None else f"installed in {seconds:.0f} s"
    print(f"✓ {name} {version} {how}: {where}", file=sys.stderr, flush=True)


def daprd_version(daprd: Path) -> str:
    """What the binary says of itself (`daprd --version`)."""
    out = subprocess.run(
        [str(daprd), "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    match = re.search(r"\d+\.\d+\.\d+", out)
    return match.group(0) if match else out
