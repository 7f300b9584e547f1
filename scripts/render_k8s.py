"""Renders helm/taskflow into the plain manifests in k8s/ (kustomize base + dev/prod overlays).

    .venv/bin/python scripts/render_k8s.py          # rewrite k8s/base/taskflow.yaml
    .venv/bin/python scripts/render_k8s.py --check  # exit 1 if k8s/ is out of date with the chart

The chart is the source; k8s/ is for `kubectl apply -k k8s/overlays/<env>` (or `-f k8s/base`)
where Helm is not used. tests/deploy checks that the two never drift apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import helm_python as helm

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "taskflow"
BASE = ROOT / "k8s" / "base" / "taskflow.yaml"
HEADER = (
    "# Rendered from helm/taskflow by scripts/render_k8s.py — edit the chart, then re-run it.\n"
)


def render(values: dict | None = None) -> dict[str, str]:
    """The chart's templates rendered as an install of release `taskflow`."""
    chart = helm.Chart.load(str(CHART))
    rendered = chart.render(values, name="taskflow", namespace="taskflow", is_install=True)
    return {path: text for path, text in sorted(rendered.items()) if path.endswith(".yaml")}


def base_manifest() -> str:
    parts = [text.strip() for text in render().values() if text.strip()]
    body = "\n---\n".join(part.removeprefix("---").strip() for part in parts)
    return HEADER + body + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    wanted = base_manifest()
    if args.check:
        if not BASE.exists() or BASE.read_text() != wanted:
            print(
                "k8s/base/taskflow.yaml is out of date: run scripts/render_k8s.py", file=sys.stderr
            )
            return 1
        return 0
    BASE.write_text(wanted)
    print(f"wrote {BASE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
