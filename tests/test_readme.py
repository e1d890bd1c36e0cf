"""The README's examples are executed, so the documentation cannot drift from the code.

- A fenced ```python block with ``>>>`` prompts runs as a doctest (fresh namespace per block).
- A fenced block whose lines start with ``$ vaemath`` runs each command in a fresh process (working folder: a
  temporary one, so nothing is written into the checkout) and compares its stdout with the lines shown under it.

Both comparisons normalise whitespace, and ``...`` in the shown output matches anything (doctest's ELLIPSIS):
write it for volatile parts such as timings. A block preceded by the line ``<!-- readme-test: slow -->`` is
only checked for syntax (Python compiles, the command line parses) unless VAEMATH_README_SLOW=1; keep such
blocks few. A failure names the block's line in README.md and shows a diff.
"""

import doctest
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
SLOW_MARKER = "<!-- readme-test: slow -->"
RUN_SLOW = os.environ.get("VAEMATH_README_SLOW") == "1"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass
class Block:
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    slow: bool

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"


def blocks(text: str) -> list:
    """Every fenced code block of a Markdown text."""
    lines, found, i = text.splitlines(), [], 0
    while i < len(lines):
        fence = re.match(r"^(`{3,})\s*(\S*)\s*$", lines[i])
        if fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence.group(1)))
            before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            found.append(Block(i + 1, fence.group(2), "\n".join(lines[i + 1:end]) + "\n", before == SLOW_MARKER))
            i = end
        i += 1
    return found


BLOCKS = blocks(README.read_text(encoding="utf-8"))
PYTHON = [b for b in BLOCKS if b.lang == "python" and ">>>" in b.text]
SHELL = [b for b in BLOCKS if re.search(r"^\$ vaemath\b", b.text, re.M)]


def commands(block: Block) -> list:
    """(line in README.md, argv after 'vaemath', expected output) for each '$ vaemath' line of a block."""
    out = []
    for k, line in enumerate(block.text.splitlines()):
        if line.startswith("$ "):
            argv = shlex.split(line[2:])
            assert argv[0] == "vaemath", f"{block.id}: only vaemath commands are run, got {line!r}"
            out.append([block.line + 1 + k, argv[1:], []])
        elif out:
            out[-1][2].append(line)
    return [(n, argv, "\n".join(shown) + "\n") for n, argv, shown in out]


def test_the_readme_has_executable_examples():
    assert len(PYTHON) >= 3 and len(SHELL) >= 2
    assert sum(b.slow for b in BLOCKS) <= 3, "keep slow README blocks few"


def test_block_extraction_reads_fences_markers_and_commands():
    text = ("intro\n\n" + SLOW_MARKER + "\n```\n$ vaemath derive kl\npenalty: kl\n...\n$ vaemath --version\n"
            "vaemath ...\n```\n\n```python\n>>> 1 + 1\n2\n```\n")
    found = blocks(text)
    assert [(b.line, b.lang, b.slow) for b in found] == [(4, "", True), (12, "python", False)]
    assert commands(found[0]) == [(5, ["derive", "kl"], "penalty: kl\n...\n"), (8, ["--version"], "vaemath ...\n")]


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: b.id)
def test_python_examples(block):
    test = doctest.DocTestParser().get_doctest(block.text, {}, block.id, str(README), block.line)
    if block.slow and not RUN_SLOW:
        for example in test.examples:
            compile(example.source, block.id, "single")
        return
    report = []
    runner = doctest.DocTestRunner(optionflags=FLAGS | doctest.REPORT_UDIFF)
    runner.run(test, out=report.append)
    if runner.failures:
        pytest.fail(f"{block.id}: the ```python block differs from what the code prints now\n" + "".join(report),
                    pytrace=False)


@pytest.mark.parametrize("block", SHELL, ids=lambda b: b.id)
def test_shell_examples(block, tmp_path):
    from vaemath.cli import build_parser

    for line, argv, shown in commands(block):
        if block.slow and not RUN_SLOW:
            build_parser().parse_args(argv)  # the command line at least parses
            continue
        env = os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "100"}
        done = subprocess.run([sys.executable, "-m", "vaemath.cli", *argv], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=600)
        checker = doctest.OutputChecker()
        if done.returncode != 0 or not checker.check_output(shown, done.stdout, FLAGS):
            example = doctest.Example(shlex.join(["vaemath", *argv]), shown)
            diff = checker.output_difference(example, done.stdout, FLAGS | doctest.REPORT_UDIFF)
            pytest.fail(f"README.md:{line}: `$ vaemath {shlex.join(argv)}` (exit status {done.returncode}) "
                        f"differs from the README\n{diff}{done.stderr}", pytrace=False)


def test_catalogue_table_lists_exactly_the_catalogue():
    from vaemath.symbolic import catalogue

    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The catalogue"):]
    table = section[section.index("\n| name |"):section.index("\n\n", section.index("\n| name |"))]
    names = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    assert names == list(catalogue()), "README.md: the catalogue table and vaemath.catalogue() differ"
