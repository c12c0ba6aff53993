"""Hold-out 3 precision fixes in the wrapper model: cargo-make's Makefile.toml (VW202), variables a sourced
script exports (VW202), `default.env` templates (VW203)."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.config import load_config
from viworks_lint.findings import Level
from viworks_lint.project import Project
from viworks_lint.wrappers import Wrappers, read_wrappers

from tests.helpers import lint, where, write

COMPOSE = (
    "services:\n  api:\n    image: example/api:1\n    environment:\n"
    "      GLOBAL_HOST: ${GLOBAL_HOST}\n"  # 5: [env]
    "      DB_HOST: ${DB_HOST}\n"  # 6: the env of the task the compose task extends
    "      CACHE_URL: ${CACHE_URL}\n"  # 7: the env of a dependency that runs first
    "      OTHER_FLAG: ${OTHER_FLAG}\n"  # 8: only a task that runs no compose sets it
    "    ports:\n      - \"8080:${PORT}\"\n"  # 10: [env]
)

MAKEFILE_TOML = """[config]
default_to_workspace = false

[env]
GLOBAL_HOST = "0.0.0.0"
PORT = 18080

[tasks.set-env-docker.env]
DB_HOST = "postgres"

[tasks.set-env-local.env]
DB_HOST = "localhost"

[tasks.prepare]
env = { CACHE_URL = "redis://cache:6379" }
command = "echo"
args = ["ready"]

[tasks.compose-up]
extend = "set-env-docker"
dependencies = ["prepare"]
command = "docker"
args = ["compose", "up", "-d"]

[tasks.logs]
extend = "set-env-local"
script = '''
#!/bin/bash
docker compose logs
'''

[tasks.unrelated]
env = { OTHER_FLAG = "1" }
command = "cargo"
args = ["test"]
"""


def test_vw202_cargo_make_env_reaches_its_compose_tasks(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": COMPOSE, "Makefile.toml": MAKEFILE_TOML})
    found = where(lint(tmp_path, ["VW202"]), tmp_path)
    assert found == [("VW202", "compose.yaml", 8)]  # OTHER_FLAG: no task that sets it runs compose


def test_vw202_without_cargo_make_the_variables_stay_unset(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": COMPOSE, "Makefile.toml": "[tasks.up]\ncommand = \"cargo\"\nargs = [\"run\"]\n"})
    assert [f.location.line for f in lint(tmp_path, ["VW202"])] == [5, 6, 7, 8, 10]


def test_cargo_make_values_one_stated_value_or_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": COMPOSE, "Makefile.toml": MAKEFILE_TOML})
    wrappers = read_wrappers(tmp_path, [tmp_path / "Makefile.toml"])
    by_label = {inv.label: inv for inv in wrappers.invocations}
    assert set(by_label) == {"compose-up", "logs"}
    assert dict(by_label["compose-up"].values)["DB_HOST"] == "postgres"
    assert dict(by_label["logs"].values)["DB_HOST"] == "localhost"
    assert by_label["logs"].location.line == 29  # the script's line in Makefile.toml
    # the compose project gets the value every task agrees on (PORT), and leaves DB_HOST to the host
    project = Project(tmp_path, load_config(tmp_path))
    svc = project.composes[0].services["api"]
    assert svc.ports[0].target == 18080
    env = {e.name: e.value for e in svc.environment}
    assert env["DB_HOST"] == "${DB_HOST}" and env["CACHE_URL"] == "redis://cache:6379"


def test_vw202_a_sourced_script_exports_before_make(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_USER: ${POSTGRES_USER}\n      POSTGRES_DB: ${POSTGRES_DB}\n",
        "env.sh": "#!/bin/bash\nexport POSTGRES_USER=app\nPOSTGRES_DB=app\n",  # not exported: a shell variable
        "Makefile": "has_secrets:\n\t@[[ $$POSTGRES_USER ]] || (echo \"source env.sh first\"; exit 2)\n\n"
        "compose: has_secrets\n\tdocker-compose up -d\n",
        "README.md": "# app\n\n```sh\nsource env.sh\nmake compose\n```\n",
    })
    assert where(lint(tmp_path, ["VW202"]), tmp_path) == [("VW202", "docker-compose.yml", 6)]
    write(tmp_path, {"README.md": "# app\n\n```sh\nmake compose\n```\n"})  # nothing sourced first
    assert [f.location.line for f in lint(tmp_path, ["VW202"])] == [5, 6]
    (tmp_path / "Makefile").unlink()
    write(tmp_path, {
        "Taskfile.yml": "version: '3'\ntasks:\n  up:\n    cmds:\n      - docker compose up -d\n",
        "README.md": "# app\n\n```sh\n. ./env.sh && task up\n```\n",
    })
    assert [f.location.line for f in lint(tmp_path, ["VW202"])] == [6]


def test_vw202_sourced_in_a_script_and_a_recipe_line(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: example/api:1\n    environment:\n"
        "      API_KEY_ID: ${API_KEY_ID}\n      REGION: ${REGION}\n",
        "config/prod.env": "API_KEY_ID=abc\nREGION=eu\n",
        "deploy.sh": "#!/bin/sh\nset -a\n. ./config/prod.env\nset +a\ndocker compose up -d\n",
    })
    assert lint(tmp_path, ["VW202"]) == []
    (tmp_path / "deploy.sh").unlink()
    write(tmp_path, {"Makefile": "up:\n\tset -a; . config/prod.env; docker compose up -d\n"})
    assert lint(tmp_path, ["VW202"]) == []
    write(tmp_path, {"Makefile": "up:\n\tset -a; . config/prod.env\n\tdocker compose up -d\n"})  # a shell per line
    assert [f.location.line for f in lint(tmp_path, ["VW202"])] == [5, 6]


def test_vw203_default_env_is_a_template(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: example/api:1\n    env_file:\n      - .env\n"
    write(tmp_path, {"compose.yaml": compose, ".gitignore": ".env\n", "default.env": "DB_HOST=localhost\n"})
    found = lint(tmp_path, ["VW203"])
    assert [(f.location.line, f.level) for f in found] == [(5, Level.NOTE)]
    assert "`default.env`" in found[0].message
    (tmp_path / "default.env").unlink()
    assert [(f.location.line, f.level) for f in lint(tmp_path, ["VW203"])] == [(5, Level.ERROR)]


def test_wrappers_empty_without_files(tmp_path: Path) -> None:
    assert read_wrappers(tmp_path, []) == Wrappers()


def test_package_json_scripts_are_wrappers(tmp_path: Path) -> None:
    """A JS monorepo starts its stack with `npm run docker:up`; the script passes `--env-file .env.docker`, which
    defines what the compose file interpolates. Without the script, the same compose file gets VW202."""
    compose = "services:\n  api:\n    image: example/api:1\n    environment:\n      API_URL: ${API_URL}\n"
    package = ('{\n  "name": "shop",\n  "private": true,\n  "scripts": {\n    "dev": "vite",\n'
               '    "docker:up": "docker compose --profile all --env-file .env.docker up"\n  }\n}\n')
    write(tmp_path / "with", {"compose.yaml": compose, ".env.docker": "API_URL=http://api:8080\n",
                              "package.json": package})
    write(tmp_path / "without", {"compose.yaml": compose, ".env.docker": "API_URL=http://api:8080\n",
                                 "package.json": package.replace("--env-file .env.docker ", "")})
    assert lint(tmp_path / "with", ["VW202"]) == []
    assert where(lint(tmp_path / "without", ["VW202"]), tmp_path / "without") == [("VW202", "compose.yaml", 5)]
