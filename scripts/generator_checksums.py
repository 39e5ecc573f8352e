"""SHA-256 of every file the generators write: the demo (seed 42), the tests' tiny region (seed 7)
and the benchmark's municipality scale (seed 42), to show a change leaves their output alone.

    python scripts/generator_checksums.py <out.json> [demo] [tiny] [bench]

Two stamps of the wall clock are blanked first: an .xlsx is hashed member by member with the
creation/modification time of ``docProps/core.xml`` removed (the demo generator lets xlsxwriter
stamp the time there), and the ``seconds`` the scale generator took is dropped from its
``generated.json``. Compare two outputs with ``cmp``.
"""

import hashlib
import io
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

STAMP = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def digest(p: Path) -> str:
    data = p.read_bytes()
    if p.name == "generated.json":
        summary = json.loads(data)
        summary.pop("seconds", None)
        data = json.dumps(summary, sort_keys=True).encode()
    if p.suffix.lower() != ".xlsx":
        return hashlib.sha256(data).hexdigest()
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            body = z.read(name)
            if name == "docProps/core.xml":
                body = STAMP.sub(b"", body)
            h.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
    return h.hexdigest()


def hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): digest(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def main() -> None:
    which = sys.argv[2:] or ["demo", "tiny", "bench"]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from ingestion.samples.generate import generate

        for name, seed, scale in [("demo", 42, "demo"), ("tiny", 7, "tiny")]:
            if name in which:
                generate(tmp / name / "landing", tmp / name / "truth", seed=seed, scale=scale)
                out[name] = hashes(tmp / name)
        if "bench" in which:
            try:
                from bench import scale_generator as gen  # after the move
            except ImportError:
                from ingestion.samples import scale as gen
            gen.generate(tmp / "muni" / "landing", scale="municipality", seed=42)
            out["bench_municipality"] = hashes(tmp / "muni")
    Path(sys.argv[1]).write_text(json.dumps(out, indent=1, sort_keys=True))
    print({k: len(v) for k, v in out.items()})


if __name__ == "__main__":
    main()
