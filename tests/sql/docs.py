#!/usr/bin/env python3
"""Runs the engine examples of the docs: each fenced `python` block marked
`<!-- engine: duckdb -->` in README.md and docs/*.md, in a copy of the
repository's guidelines and docs, after the `sh` block before it; what it
prints must be the `text` block that follows it.

    docs.py GUIDEPATH
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(text):
    """(tag, marker, body) of each fenced block, in order."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m.group(1):
            marker = lines[i - 1].strip() if i > 0 and lines[i - 1].startswith("<!--") else None
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append((m.group(1), marker, "\n".join(lines[i + 1:j]) + "\n"))
            i = j + 1
        else:
            i += 1
    return out


def main():
    guidepath = os.path.abspath(sys.argv[1])
    env = dict(os.environ, PATH=os.path.dirname(guidepath) + os.pathsep + os.environ["PATH"])
    docs = [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    ran = 0
    for doc in docs:
        bs = blocks(open(doc, encoding="utf-8").read())
        for k, (tag, marker, body) in enumerate(bs):
            if marker != "<!-- engine: duckdb -->":
                continue
            assert tag == "python", f"{doc}: an engine example is a python block"
            setup = next((b for t, _, b in reversed(bs[:k]) if t == "sh"), "")
            want = bs[k + 1][2] if k + 1 < len(bs) and bs[k + 1][0] == "text" else None
            assert want is not None, f"{doc}: an engine example is followed by the text it prints"
            work = tempfile.mkdtemp(prefix="guidepath-docs-")
            for sub in ("guidelines", "docs"):
                shutil.copytree(os.path.join(ROOT, sub), os.path.join(work, sub))
            for line in setup.splitlines():
                if line.strip() and not line.startswith("#"):
                    subprocess.run(line, shell=True, cwd=work, env=env, check=True)
            got = subprocess.run([sys.executable, "-c", body], cwd=work, env=env, capture_output=True, text=True)
            if got.returncode != 0 or got.stdout != want:
                print(f"{doc}: the example prints something else:\n{got.stdout}{got.stderr}\nexpected:\n{want}")
                return 1
            shutil.rmtree(work)
            ran += 1
    assert ran > 0, "no engine examples found"
    print(f"docs: {ran} engine example(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
