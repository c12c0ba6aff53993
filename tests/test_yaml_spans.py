"""Every YAML scalar style gets a span that covers exactly its source text (issue: quoted scalars used to
end two characters early, so SARIF regions and GitHub `endColumn` were wrong on compose findings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import write
from viworks_lint.cli import cli
from viworks_lint.location import Location
from viworks_lint.parsers.yamlnode import YNode, load, to_node

SOURCE = """\
a: "5432:5432"
b: 'it''s'
c: |
  line1
  line2
d: >-
  folded
  more
e: plain text here # comment
f: ["CMD", "curl", 'x', plain]
g: this is
  multi line plain
h: &anchor value
"quoted key": 1
j:
  - "item one"
  - |
    block in a sequence
k: "multi
  line"
l: 0x1F
m: {x: 1, "y": [a, b]}
n: "esc \\" quote"
"""


@pytest.fixture(scope="module")
def tree() -> YNode:
    path = Path("compose.yaml")
    return to_node(path, load(path, SOURCE), None, SOURCE)


def covered(loc: Location) -> str:
    lines = SOURCE.splitlines()
    assert loc.end_line is not None and loc.end_col is not None
    if loc.line == loc.end_line:
        return lines[loc.line - 1][loc.col - 1 : loc.end_col - 1]
    return "\n".join(
        [lines[loc.line - 1][loc.col - 1 :], *lines[loc.line : loc.end_line - 1], lines[loc.end_line - 1][: loc.end_col - 1]]
    )


@pytest.mark.parametrize(("key", "text"), [
    ("a", '"5432:5432"'),
    ("b", "'it''s'"),
    ("c", "|\n  line1\n  line2"),
    ("d", ">-\n  folded\n  more"),
    ("e", "plain text here"),
    ("f", "[\"CMD\", \"curl\", 'x', plain]"),
    ("g", "this is\n  multi line plain"),
    ("h", "&anchor value"),
    ("k", '"multi\n  line"'),
    ("l", "0x1F"),
    ("m", '{x: 1, "y": [a, b]}'),
    ("n", '"esc \\" quote"'),
])
def test_value_spans(tree: YNode, key: str, text: str) -> None:
    assert covered(tree.value[key].loc) == text


def test_flow_items_keys_and_sequence_items(tree: YNode) -> None:
    assert [covered(i.loc) for i in tree.value["f"].value] == ['"CMD"', '"curl"', "'x'", "plain"]
    assert covered(tree.keys["quoted key"]) == '"quoted key"'
    assert covered(tree.keys["e"]) == "e"
    assert [covered(i.loc) for i in tree.value["j"].value] == ['"item one"', "|\n    block in a sequence"]
    assert covered(tree.value["m"].keys["y"]) == '"y"'
    assert covered(tree.value["m"].value["y"].loc) == "[a, b]"


def test_sarif_region_and_github_end_column_of_a_quoted_port(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": 'services:\n  db:\n    image: postgres:16\n    ports:\n      - "5432:5432"\n'
                        "  api:\n    image: api:1\n    environment:\n      DATABASE_URL: postgres://db:5432/app\n",
    })
    result = CliRunner().invoke(cli, ["--format", "sarif", "--select", "VW405", str(tmp_path)])
    region = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (5, 9, 20)
    assert region["snippet"]["text"] == '"5432:5432"'
    github = CliRunner().invoke(cli, ["--format", "github", "--select", "VW405", str(tmp_path)]).stdout
    assert "line=5,col=9,endLine=5,endColumn=20," in github
