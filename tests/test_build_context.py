"""The build context of a Dockerfile no compose service builds comes from the CI workflow or script that builds
it; a RUN that misses many inputs is one finding."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write

def _lib(name: str) -> dict[str, str]:
    return {f"crates/{name}/Cargo.toml": f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n',
            f"crates/{name}/src/lib.rs": "\n"}


LIBS = ("core", "mail", "auth", "billing")
WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
    "crates/api/Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
                             + "".join(f'{n} = {{ path = "../{n}" }}\n' for n in LIBS),
    "crates/api/src/main.rs": "fn main() {}\n",
    **{k: v for n in LIBS for k, v in _lib(n).items()},
    # `COPY . .` gives no hint of the context: only the workflow says it is the repository root
    "crates/api/api.Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release -p api\n"
                                 "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/api /api\n"
                                 "USER 1000\nCMD [\"/api\"]\n",
}

ACTION = """name: images
on: push
jobs:
  build:
    strategy:
      matrix:
        image:
          - dockerfile: crates/api/api.Dockerfile
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          context: .
          file: ${{ matrix.image.dockerfile }}
          push: true
"""


def test_ci_workflow_gives_the_context(tmp_path: Path) -> None:
    root = write(tmp_path, {**WORKSPACE, ".github/workflows/images.yml": ACTION})
    assert lint(root, ["VW110", "VW102"]) == []


def test_script_docker_build_gives_the_context(tmp_path: Path) -> None:
    script = "#!/bin/sh\nset -e\ndocker build \\\n  -t acme/api \\\n  -f crates/api/api.Dockerfile .\n"
    root = write(tmp_path, {**WORKSPACE, "scripts/build.sh": script})
    assert lint(root, ["VW110", "VW102"]) == []


def test_without_a_wrapper_many_missing_members_are_one_finding(tmp_path: Path) -> None:
    image = WORKSPACE["crates/api/api.Dockerfile"].replace(" -p api", "")
    root = write(tmp_path, {**WORKSPACE, "crates/api/api.Dockerfile": image})
    found = lint(root, ["VW110"])
    assert where(found, root) == [("VW110", "crates/api/api.Dockerfile", 4)]
    assert "more inputs it needs" in found[0].message
    assert len(found[0].related) >= 3


TWO_TARGETS = {
    "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/main.rs": "fn main() {}\n",
    "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                  "FROM debian:bookworm-slim AS server\nCOPY --from=build /src/target/release/app /app\n"
                  "CMD [\"/app\", \"serve\"]\n"
                  "FROM debian:bookworm-slim AS cli\nCOPY --from=build /src/target/release/app /app\n"
                  "USER 1000\nENTRYPOINT [\"/app\"]\n",
}


def test_script_targets_are_the_images_linted(tmp_path: Path) -> None:
    """A script builds the `server` and `cli` stages with `--target`: both are images (the server stage, which
    runs as root, is linted), not just the last stage as a plain `docker build` would make."""
    script = ("#!/bin/sh\ndocker buildx build \\\n  --tag acme/server \\\n  --target server \\\n  .\n"
              "docker buildx build --tag acme/cli --target=cli .\n")
    root = write(tmp_path, {**TWO_TARGETS, "scripts/build-images.sh": script})
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]


def test_without_targets_the_last_stage_is_the_image(tmp_path: Path) -> None:
    root = write(tmp_path, {**TWO_TARGETS, "scripts/build-images.sh": "#!/bin/sh\ndocker build -t acme/app .\n"})
    assert lint(root, ["VW401"]) == []


def test_ci_matrix_file_pattern_gives_the_context(tmp_path: Path) -> None:
    """The workflow builds `${{ matrix.dir }}/Dockerfile` from the root, the matrix filled in by a script: every
    `<dir>/Dockerfile` it fits is built with the repository root as context."""
    files = {k.replace("crates/api/api.Dockerfile", "crates/api/Dockerfile"): v for k, v in WORKSPACE.items()}
    action = ACTION.replace("file: ${{ matrix.image.dockerfile }}", "file: ${{ matrix.dir }}/Dockerfile").replace(
        "          - dockerfile: crates/api/api.Dockerfile\n", "          - ${{ fromJson(needs.find.outputs.dirs) }}\n"
    )
    assert "crates/api" not in action
    root = write(tmp_path, {**files, ".github/workflows/images.yml": action})
    assert lint(root, ["VW110", "VW102"]) == []
    plain = files["crates/api/Dockerfile"].replace(" -p api", "")  # `-p` alone would name the workspace
    root2 = write(tmp_path / "no-ci", {**files, "crates/api/Dockerfile": plain})
    assert where(lint(root2, ["VW110"]), root2) != []


def test_a_test_target_ci_runs_is_no_shipped_image(tmp_path: Path) -> None:
    dockerfile = TWO_TARGETS["Dockerfile"].replace("AS cli", "AS test").replace("USER 1000\nENTRYPOINT", "CMD")
    workflow = ("on: push\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: docker build --target test -t app-test .\n"
                "      - run: docker build --target server -t acme/app . && docker push acme/app\n")
    root = write(tmp_path, {**TWO_TARGETS, "Dockerfile": dockerfile, ".github/workflows/ci.yml": workflow})
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]  # the server stage only


def test_ci_matrix_with_written_values_gives_the_context_only_to_those(tmp_path: Path) -> None:
    """`path: crates/api` under the matrix: the pattern `${{ matrix.container.path }}/Dockerfile` gives its
    context to that Dockerfile, not to a fixture's Dockerfile elsewhere that uses its own folder."""
    files = {k.replace("crates/api/api.Dockerfile", "crates/api/Dockerfile"): v for k, v in WORKSPACE.items()}
    action = ACTION.replace("file: ${{ matrix.image.dockerfile }}", "file: ./${{ matrix.container.path }}/Dockerfile")
    action = action.replace("        image:\n          - dockerfile: crates/api/api.Dockerfile\n",
                            "        container:\n          - name: api\n            path: crates/api\n")
    fixture = {"tests/fixtures/proxy/Dockerfile": "FROM nginx:1.27\nCOPY default.conf /etc/nginx/conf.d/\n",
               "tests/fixtures/proxy/default.conf": "server { listen 80; }\n"}
    root = write(tmp_path, {**files, **fixture, ".github/workflows/images.yml": action})
    assert lint(root, ["VW110", "VW102"]) == []


def test_a_member_dockerfile_that_picks_a_package_is_built_from_the_workspace_root(tmp_path: Path) -> None:
    # `cargo build -p api` (or `cargo chef prepare`) in a member's folder names the workspace: its root is the
    # context, as `docker build -f crates/api/api.Dockerfile .` gives it
    root = write(tmp_path, dict(WORKSPACE))
    assert lint(root, ["VW110", "VW102"]) == []
