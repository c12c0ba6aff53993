"""Documentation pages (MDX, Markdown under docs/) as a record of how compose is run: their `--env-file`
defines the variables a compose file interpolates, also when the page names the folder its install steps
create instead of the repository's."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.docruns import is_doc

from tests.helpers import lint, where, write

COMPOSE = (
    "services:\n  api:\n    image: example/api:1\n    env_file: ./stack.env\n    environment:\n"
    "      DB_USER: ${DB_USER}\n"  # 6
    "    volumes:\n      - ${BACKUP_DIR}:/backups\n"  # 8
)
ENV = "DB_USER=app\nBACKUP_DIR=/srv/backups\n"
PAGE = """# Install

1. Download the files into `myapp/`:
```bash
wget -P myapp https://example.com/raw/deploy/app.compose.yaml
```
2. Deploy:

```bash
docker compose -p myapp -f myapp/app.compose.yaml --env-file myapp/stack.env up -d
```
"""


def test_vw202_env_file_of_the_services_alone_does_not_define_interpolation(tmp_path: Path) -> None:
    write(tmp_path, {"deploy/app.compose.yaml": COMPOSE, "deploy/stack.env": ENV})
    found = where(lint(tmp_path, ["VW202"]), tmp_path)
    assert found == [("VW202", "deploy/app.compose.yaml", 6), ("VW202", "deploy/app.compose.yaml", 8)]


def test_vw202_documented_env_file_in_an_install_folder(tmp_path: Path) -> None:
    write(tmp_path, {"deploy/app.compose.yaml": COMPOSE, "deploy/stack.env": ENV, "site/docs/setup/index.mdx": PAGE})
    assert lint(tmp_path, ["VW202"]) == []


def test_vw202_documented_in_a_markdown_page_of_docs(tmp_path: Path) -> None:
    write(tmp_path, {"deploy/app.compose.yaml": COMPOSE, "deploy/stack.env": ENV, "docs/deploy.md": PAGE})
    assert lint(tmp_path, ["VW202"]) == []


def test_vw202_a_page_outside_the_docs_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"deploy/app.compose.yaml": COMPOSE, "deploy/stack.env": ENV, "notes/plan.md": PAGE})
    assert len(lint(tmp_path, ["VW202"])) == 2


def test_vw202_an_env_file_of_another_name_is_not_matched(tmp_path: Path) -> None:
    page = PAGE.replace("myapp/stack.env", "myapp/other.env")
    write(tmp_path, {"deploy/app.compose.yaml": COMPOSE, "deploy/stack.env": ENV, "docs/deploy.md": page})
    assert len(lint(tmp_path, ["VW202"])) == 2


def test_is_doc(tmp_path: Path) -> None:
    assert is_doc(tmp_path / "README.md", tmp_path)
    assert is_doc(tmp_path / "site/intro.mdx", tmp_path)
    assert is_doc(tmp_path / "docs/guide/run.md", tmp_path)
    assert not is_doc(tmp_path / "notes/plan.md", tmp_path)
    assert not is_doc(tmp_path / "docs/config.toml", tmp_path)
