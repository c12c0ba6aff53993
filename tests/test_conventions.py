"""The project's own conventions: env templates, wrappers that run compose (combined files, env files,
variables, steps that create files), shell variables, and one finding per shared definition."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.findings import Level

from tests.helpers import lint, where, write

MAKEFILE = (
    "COMPOSE = docker compose -f docker-compose.yml -f deploy/docker-compose.prod.yml --env-file deploy/prod.env\n"
    "\n"
    "setup:\n"
    "\tcp .env.example .env\n"
    "\tmkdir -p certs\n"
    "\n"
    "deploy: setup\n"
    "\tRELEASE=$$(git describe) $(COMPOSE) up -d\n"
)


def _levels(findings: list) -> list[tuple[str, int, str]]:  # type: ignore[type-arg]
    return sorted((f.rule_id, f.location.line, f.effective_level.value) for f in findings)


# ---------------------------------------------------------------- env templates (VW202)


def test_vw202_template_defines_variables_one_note_names_the_step(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": ".env\n",
        ".env.example": "DATABASE_URL=postgres://app:app@db/app\n# SENTRY_DSN=\n",
        "README.md": "# Shop\n\n```sh\ncp .env.example .env\ndocker compose up\n```\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    environment:\n"
                        "      DATABASE_URL: ${DATABASE_URL}\n"
                        "      SENTRY_DSN: ${SENTRY_DSN}\n"
                        "      BASE: ${API_BASE_URL}\n"
                        "  worker:\n    image: shop\n    environment:\n"
                        "      BASE: ${API_BASE_URL}\n"
                        "      DATA: ${HOME}/shop\n",
    })
    found = lint(tmp_path, ["VW202"])
    assert _levels(found) == [("VW202", 5, "note"), ("VW202", 6, "note"), ("VW202", 7, "warning")]
    # SENTRY_DSN is only commented out in the template: optional
    step, optional, missing = sorted(found, key=lambda f: f.location.line)
    assert "`cp .env.example .env` in README.md" in step.message
    assert "commented out" in optional.message
    # once per name and compose file: the second use is a related location
    assert "API_BASE_URL" in missing.message and [r.location.line for r in missing.related] == [11]


def test_vw202_without_template_or_wrapper_still_warns(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  api:\n    image: shop\n    environment:\n"
                                     "      DATABASE_URL: ${DATABASE_URL}\n"})
    assert _levels(lint(tmp_path, ["VW202"])) == [("VW202", 5, "warning")]


def test_vw202_existing_env_wins_and_needs_no_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "DATABASE_URL=postgres://app:app@db/app\n",
        ".env.example": "DATABASE_URL=\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    environment:\n"
                        "      DATABASE_URL: ${DATABASE_URL}\n",
    })
    assert lint(tmp_path, ["VW202"]) == []


# ---------------------------------------------------------------- wrappers


def _wrapped(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "Makefile": MAKEFILE,
        ".env.example": "POSTGRES_PASSWORD=app\n",
        "deploy/prod.env": "DOMAIN=shop.example.com\n",
        "docker-compose.yml": "services:\n  api:\n    image: shop:${RELEASE}\n"
                              "    environment:\n      DB_PASSWORD: ${POSTGRES_PASSWORD}\n",
        "deploy/docker-compose.prod.yml": "services:\n  api:\n    environment:\n      DOMAIN: ${DOMAIN}\n"
                                          "    volumes:\n      - ./certs:/certs:ro\n"
                                          "  proxy:\n    image: caddy:2\n    volumes:\n"
                                          "      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n",
    })


def test_wrapper_combined_overlay_is_linted_with_its_env_file_and_variables(tmp_path: Path) -> None:
    _wrapped(tmp_path)
    found = lint(tmp_path, ["VW202", "VW204"])
    # RELEASE comes from the wrapper, DOMAIN from its --env-file, POSTGRES_PASSWORD from the template the
    # setup step copies; the overlay (never a project on its own) is linted as the Makefile combines it
    assert where([f for f in found if f.effective_level is not Level.NOTE], tmp_path) == [
        ("VW204", "deploy/docker-compose.prod.yml", 10)
    ]
    notes = {(f.rule_id, f.location.path.name) for f in found if f.effective_level is Level.NOTE}
    assert ("VW204", "docker-compose.prod.yml") in notes  # ./certs is made by `mkdir -p certs`


def test_wrapper_steps_make_env_files_present(tmp_path: Path) -> None:
    write(tmp_path, {
        "scripts/bootstrap.sh": "#!/bin/sh\nset -e\ncd \"$(dirname \"$0\")/..\"\ntouch config/api.env\n"
                                "docker compose up -d\n",
        "config/.gitkeep": "",
        "compose.yaml": "services:\n  api:\n    image: shop\n    env_file: config/api.env\n"
                        "  worker:\n    image: shop\n    env_file: config/worker.env\n",
    })
    assert _levels(lint(tmp_path, ["VW203"])) == [("VW203", 4, "note"), ("VW203", 7, "error")]


def test_env_file_template_beside_it_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        "backend.env.example": "A=1\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    env_file: backend.env\n",
    })
    (found,) = lint(tmp_path, ["VW203"])
    assert found.effective_level is Level.NOTE and "backend.env.example" in found.message


def test_dotted_sample_env_is_a_template(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": ".env\n",
        ".sample.env": "JWT_SECRET=\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    env_file: .env\n",
    })
    (found,) = lint(tmp_path, ["VW203"])
    assert found.effective_level is Level.NOTE and "`.sample.env`" in found.message


def test_shell_variable_paths_are_host_paths(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  api:\n    image: shop\n    user: ${UID}:${GID}\n"
                                     "    env_file: ${PWD}/api.env\n"
                                     "    volumes:\n      - ${HOME}/.config/shop/app.toml:/app.toml\n"})
    assert lint(tmp_path, ["VW202", "VW203", "VW204"]) == []


# ---------------------------------------------------------------- VW204 data directories


def test_vw204_data_dir_of_non_root_container_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "grafana-data/\npg/\n",
        "compose.yaml": "services:\n  grafana:\n    image: grafana/grafana:11\n    user: \"472\"\n    volumes:\n"
                        "      - ./grafana-data:/var/lib/grafana\n"
                        "  db:\n    image: postgres:16\n    volumes:\n      - ./pg:/var/lib/postgresql/data\n",
    })
    (found,) = lint(tmp_path, ["VW204"])
    assert found.location.line == 6 and found.effective_level is Level.ERROR and "`472`" in found.message


def test_vw204_data_dir_of_image_user_is_an_error_unless_a_step_creates_it(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "services:\n  api:\n    build: .\n    volumes:\n      - ./uploads:/app/uploads\n",
        "Dockerfile": "FROM debian:bookworm-slim\nRUN useradd app\nUSER app\nCMD [\"/app/api\"]\n",
    }
    write(tmp_path / "a", files)
    assert _levels(lint(tmp_path / "a", ["VW204"])) == [("VW204", 5, "error")]
    write(tmp_path / "b", {**files, "justfile": "up:\n    mkdir -p uploads\n    docker compose up -d\n"})
    (note,) = lint(tmp_path / "b", ["VW204"])
    assert note.effective_level is Level.NOTE and "`mkdir -p uploads` in justfile" in note.message


# ---------------------------------------------------------------- one definition, one finding


def test_anchor_is_reported_once_with_the_services_related(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "x-app: &app\n  image: shop\n  volumes:\n    - ./nginx/app.conf:/etc/app.conf\n"
                        "services:\n  api:\n    <<: *app\n  worker:\n    <<: *app\n",
    })
    (found,) = lint(tmp_path, ["VW204"])
    assert "services `api`, `worker`" in found.message
    assert sorted(r.location.line for r in found.related) == [6, 8]


def test_different_claims_at_one_place_stay_separate(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: shop\n    env_file: a.env\n"
                        "  worker:\n    image: shop\n    env_file: b.env\n",
    })
    assert len(lint(tmp_path, ["VW203"])) == 2


def test_vw204_sources_written_with_a_variable_or_made_by_ci_are_not_claimed(tmp_path: Path) -> None:
    write(tmp_path, {
        ".github/workflows/e2e.yml": "jobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n"
                                     "      - run: echo \"$GCP_KEY\" > $GITHUB_WORKSPACE/gcp_key.json\n"
                                     "      - run: docker compose up -d\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    volumes:\n"
                        "      - ./configs/${CH_VERSION:-lts}/users.xml:/etc/users.xml\n"
                        "      - ./gcp_key.json:/app/gcp_key.json:ro\n"
                        "      - ./missing.toml:/app/config.toml\n",
    })
    assert _levels(lint(tmp_path, ["VW204"])) == [("VW204", 6, "note"), ("VW204", 7, "error")]


def test_vw202_host_passthrough_beside_a_template_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env.example": "DATABASE_URL=postgres://app@db/app\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    environment:\n"
                        "      - AZURE_API_KEY=${AZURE_API_KEY}\n"
                        "      - SMTP_URL=smtp://${SMTP_HOST}:25\n",
    })
    found = {f.location.line: f.effective_level.value for f in lint(tmp_path, ["VW202"])}
    assert found == {5: "note", 6: "warning"}


def test_vw202_passthrough_the_app_requires_stays_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env.example": "DATABASE_URL=postgres://app@db/app\n",
        "Cargo.toml": '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": 'fn main() {\n    let key = std::env::var("JWT_SECRET").expect("JWT_SECRET");\n'
                       '    println!("{key}");\n}\n',
        "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
                      'CMD ["shop"]\n',
        "compose.yaml": "services:\n  api:\n    build: .\n    environment:\n      JWT_SECRET: ${JWT_SECRET}\n",
    })
    assert _levels(lint(tmp_path, ["VW202"])) == [("VW202", 5, "warning")]


def test_ci_workflow_env_reaches_its_compose_runs(tmp_path: Path) -> None:
    write(tmp_path, {
        ".github/workflows/e2e.yml": "env:\n  IMAGE_TAG: sha-${{ github.sha }}\njobs:\n  e2e:\n    steps:\n"
                                     "      - run: echo \"RUN_ID=1\" >> $GITHUB_ENV\n"
                                     "      - run: docker compose -f tests/compose.yml up -d\n",
        "tests/compose.yml": "services:\n  api:\n    image: shop:${IMAGE_TAG}\n    environment:\n"
                             "      RUN: ${RUN_ID}\n      OTHER: ${NOT_SET}\n",
    })
    # a test file leaves the rest to the shell that runs it: a note
    assert _levels(lint(tmp_path, ["VW202"])) == [("VW202", 6, "note")]


def test_vw202_variables_of_a_missing_env_file_are_one_defect(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  db:\n    image: postgres:16\n    env_file: ./.env\n"
                                     "    environment:\n      POSTGRES_USER: ${POSTGRES_USER}\n"})
    found = _levels(lint(tmp_path, ["VW202", "VW203"]))
    assert found == [("VW202", 6, "note"), ("VW203", 4, "error")]


def test_compose_comment_naming_how_to_create_the_env_file_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    # You can create a .env using `shop-api generate-dotenv`\n"
                        "    env_file: .env\n    image: shop\n  worker:\n    image: shop\n    env_file: worker.env\n",
    })
    found = sorted(lint(tmp_path, ["VW203"]), key=lambda f: f.location.line)
    assert [(f.location.line, f.effective_level.value) for f in found] == [(4, "note"), (8, "error")]
    assert "shop-api generate-dotenv" in found[0].message


def test_documented_touch_step_covers_example_copies_of_the_compose_file(tmp_path: Path) -> None:
    mount = "services:\n  app:\n    image: shop\n    volumes:\n      - ./shop.sqlite3:/app/shop.sqlite3\n"
    write(tmp_path, {
        "docs/install.md": "# Install\n\n```sh\ntouch shop.sqlite3\ndocker compose up -d\n```\n",
        "compose.yaml": mount,
        "examples/compose/compose.yaml": mount,
        "examples/compose/other.compose.yaml": mount.replace("shop.sqlite3", "cache.db"),
    })
    got = _levels(lint(tmp_path, ["VW204"]))
    assert got == [("VW204", 5, "error"), ("VW204", 5, "note"), ("VW204", 5, "note")]


def test_env_file_path_the_deployment_picks_is_not_claimed(tmp_path: Path) -> None:
    """`env_file: .envs/.${DEPLOY_ENV}/app.env`: the operator's environment tree, chosen per deployment."""
    write(tmp_path, {
        ".env": "DEPLOY_ENV=production\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n    env_file: .envs/.${DEPLOY_ENV}/app.env\n",
    })
    assert lint(tmp_path, ["VW203"]) == []
