"""Build the documentation site into ``hq/web/help/``, which HQ serves at ``/help`` and the
wheel carries: ``python -m docs.build_help [FOLDER]`` from the repository (``make docs``).

``mkdocs build --strict`` (a broken link or anchor fails), then what HQ need not carry is
left out: MkDocs' ``404.html`` (its links are from the site's root; HQ answers its own
404), the JavaScript source maps, and the search's stemmers for other languages than
English (the pages are English): about 3 MB less in every wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "hq" / "web" / "help"
LEFT_OUT = ("404.html", "assets/javascripts/lunr/min", "assets/javascripts/lunr/wordcut.js")


def build(site: Path = SITE) -> Path:
    """The site built into *site* (replaced whole), trimmed for HQ."""
    shutil.rmtree(site, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    subprocess.run(  # noqa: S603 -- this Python's mkdocs, fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site],
        cwd=REPO, env=env, check=True,
    )  # fmt: skip
    for name in LEFT_OUT:
        path = site / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    for source_map in site.rglob("*.map"):
        source_map.unlink()
    return site


if __name__ == "__main__":
    try:
        build(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else SITE)
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
