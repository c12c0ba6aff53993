"""Situations read on a sixteenth set of unseen repositories."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, got, scope_of


def test_an_encrypted_env_file_is_no_dotenv_file(tmp_path: Path) -> None:
    blob = "age-encryption.org/v1\n-> X25519 q\n\x01\x02\x03 binary\n"
    root = write(tmp_path, {"infra/.env.production.enc": blob, "infra/.env.development.age": blob,
                            "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"})
    assert lint(root, ["VW001"]) == []
    write(root, {"infra/.env.production": "A=1\nthis is not dotenv\n"})
    assert [f.location.path.name for f in lint(root, ["VW001"])] == [".env.production"]


MAIN = "fn main() {}\n"
BUILD = "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"


def test_hardening_of_an_aws_lambda_image_is_advice(tmp_path: Path) -> None:
    adapter = (
        BUILD + "FROM alpine:3.20\n"
        "COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.0 /lambda-adapter /opt/extensions/lambda-adapter\n"
        "COPY --from=build /src/target/release/shop /app/shop\nCMD [\"/app/shop\"]\n"
    )
    function = BUILD + "FROM public.ecr.aws/lambda/provided:al2023\nCOPY --from=build /src/target/release/shop ./shop\n" \
        'ENTRYPOINT ["./shop"]\n'
    # two images of the same program are one finding (VW401/VW402 fold variants): one project each
    root = write(tmp_path / "fn", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "function.Dockerfile": function})
    assert got(lint(root, ["VW401", "VW402"]), root) == [
        ("VW401", "function.Dockerfile", 5, "note"), ("VW402", "function.Dockerfile", 7, "note")
    ]
    root = write(tmp_path / "web", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "adapter.Dockerfile": adapter})
    assert got(lint(root, ["VW401", "VW402"]), root) == [
        ("VW401", "adapter.Dockerfile", 5, "note"), ("VW402", "adapter.Dockerfile", 8, "note")
    ]
    note = next(f for f in lint(root, ["VW401"]) if f.location.path.name == "adapter.Dockerfile")
    assert "built for AWS Lambda" in note.message and "least-privileged user" in note.message
    # the same image without the extension is an ordinary container: a warning
    write(root, {"adapter.Dockerfile": adapter.replace("COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.0 "
                                                       "/lambda-adapter /opt/extensions/lambda-adapter\n", "")})
    assert ("VW401", "adapter.Dockerfile", 5, "warning") in got(lint(root, ["VW401"]), root)


def test_a_compose_file_building_only_what_fly_deploys_is_the_local_stack(tmp_path: Path) -> None:
    image = BUILD + "FROM alpine:3.20\nCOPY --from=build /src/target/release/shop /shop\nEXPOSE 8080\nCMD [\"/shop\"]\n"
    compose = "services:\n  bot:\n    build: .\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image,
                            "docker-compose.yml": compose, "fly.toml": 'app = "shop"\nkill_signal = "SIGINT"\n'})
    assert scope_of(root, "docker-compose.yml") == "dev"
    assert got(lint(root, ["VW402", "VW405"]), root) == [("VW402", "Dockerfile", 8, "note")]
    # fly.toml deploys another Dockerfile: the compose file is what runs this one
    write(root, {"fly.toml": 'app = "shop"\n[build]\n  dockerfile = "Dockerfile.fly"\n', "Dockerfile.fly": image})
    assert scope_of(root, "docker-compose.yml") == "deploy"
    assert ("VW402", "Dockerfile", 8, "warning") in got(lint(root, ["VW402"]), root)
    # a prebuilt image deployed by fly: no Dockerfile of the repository is Fly's
    write(root, {"fly.toml": 'app = "shop"\n[build]\n  image = "ghcr.io/acme/shop:1"\n'})
    assert scope_of(root, "docker-compose.yml") == "deploy"


def test_a_public_ecr_mirror_of_an_official_image_is_the_official_image() -> None:
    from viworks_lint.images import lookup

    assert lookup("public.ecr.aws/docker/library/rust:1.57.0").glibc == lookup("rust:1.57.0").glibc is not None
    assert lookup("public.ecr.aws/docker/library/alpine:3.20").libc == "musl"
    assert not lookup("public.ecr.aws/acme/rust:1.57.0").known


def test_platform_data_matches_its_schema() -> None:
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("viworks_lint.schemas").joinpath("platforms.schema.json").read_text("utf-8"))
    data = json.loads(resources.files("viworks_lint.rules").joinpath("platforms.json").read_text("utf-8"))
    jsonschema.validate(data, schema)
    assert all(p["sources"] for p in data["platforms"])


def test_cargo_leptos_build_links_the_image_to_its_package(tmp_path: Path) -> None:
    from tests.unseen_fixtures import CONNECT

    image = (
        "FROM rust:1.80-bookworm AS builder\nWORKDIR /app\nRUN cargo install cargo-leptos\nCOPY . .\n"
        "RUN cargo leptos build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /app/target/release/shop /app/shop\n"
        'ENV DATABASE_URL="postgres://postgres:pw@database:5432/shop"\nUSER nobody\nEXPOSE 3000\nCMD ["/app/shop"]\n'
    )
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    compose = "services:\n  web:\n    build: .\n  database:\n    image: postgres:16\n"
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": CONNECT, "Dockerfile": image, "compose.yaml": compose})
    assert [(f.rule_id, f.effective_level.value) for f in lint(root, ["VW309"])] == [("VW309", "warning")]
    assert _built_packages(root) == ["shop"]
    # a `cargo install cargo-leptos` is a tool from crates.io, not the image's code: without the build, no link
    write(root, {"Dockerfile": image.replace("RUN cargo leptos build --release\n", "")})
    assert _built_packages(root) == []


def _built_packages(root: Path) -> list[str]:
    from viworks_lint.config import load_config
    from viworks_lint.crates import built_code
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    return [m.package_name or "" for b in project.builds for m in built_code(project, b).packages]


def test_vw309_a_service_sharing_a_profile_with_its_database_races_it(tmp_path: Path) -> None:
    from tests.unseen_fixtures import CONNECT, IMAGE

    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    compose = (
        "services:\n  web:\n    profiles: [prod]\n    build: .\n    environment:\n"
        "      DATABASE_URL: postgres://postgres:pw@database:5432/shop\n"
        "  database:\n    profiles: [prod]\n    image: postgres:16\n"
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": CONNECT, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.rule_id for f in lint(root, ["VW309"])] == ["VW309"]
    # a profiled tool beside a database a plain `up` starts is run on demand, once the stack is up
    write(root, {"compose.yaml": compose.replace("  database:\n    profiles: [prod]\n", "  database:\n")})
    assert lint(root, ["VW309"]) == []


def test_vw206_a_webassembly_front_end_copied_into_a_musl_image_is_no_binary(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS server\nWORKDIR /src\nCOPY . .\n"
        "RUN cargo build --release --target x86_64-unknown-linux-musl\n"
        "FROM rust:1.80-bookworm AS web\nWORKDIR /src\nCOPY . .\nRUN cargo build --release --target wasm32-unknown-unknown\n"
        "FROM alpine:3.20\nCOPY --from=server /src/target/x86_64-unknown-linux-musl/release/shop /app/shop\n"
        "COPY --from=web /src/dist /app/web\nUSER nobody\nCMD [\"/app/shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert lint(root, ["VW206"]) == []
    # the same stage building for the host is a glibc binary in a musl image
    write(root, {"Dockerfile": image.replace(" --target wasm32-unknown-unknown", "")})
    assert [f.rule_id for f in lint(root, ["VW206"])] == ["VW206"]


def test_a_per_crate_dockerfile_superseded_by_a_ci_matrix_of_build_args_is_retired(tmp_path: Path) -> None:
    workspace = '[workspace]\nmembers = ["api", "seeder"]\n'
    member = '[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n'
    unified = (
        "FROM rust:1.80-bookworm AS builder\nWORKDIR /app\nCOPY . .\nARG PACKAGE\n"
        "RUN cargo build --release --bin ${PACKAGE}\n"
        "FROM debian:bookworm-slim\nWORKDIR /app\nARG PACKAGE\nCOPY --from=builder /app/target/release/${PACKAGE} ./\n"
        "RUN mv ./${PACKAGE} ./service\nCMD [\"./service\"]\n"
    )
    old = (
        "FROM rust:1.80-bookworm AS builder\nWORKDIR /app\nCOPY . .\nRUN cargo build --release --package seeder\n"
        "FROM debian:bullseye-slim\nCOPY --from=builder /app/target/release/seeder /app/seeder\nCMD [\"/app/seeder\"]\n"
    )  # built on glibc 2.36, run on 2.31: a VW206 error of an image nobody runs any more
    workflow = (
        "name: deploy\non: push\njobs:\n  docker:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
        "        docker:\n          [\n            { image: api, package: api },\n"
        "            { image: seeder, package: seeder },\n          ]\n    steps:\n"
        "      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: Dockerfile\n"
        "          build-args: PACKAGE=${{ matrix.docker.package }}\n          push: true\n"
        "          tags: ghcr.io/acme/x:${{ matrix.docker.image }}\n"
    )
    compose = "services:\n  api:\n    build:\n      context: .\n      args:\n        PACKAGE: api\n"
    root = write(tmp_path, {"Cargo.toml": workspace, "api/Cargo.toml": member.format(n="api"), "api/src/main.rs": MAIN,
                            "seeder/Cargo.toml": member.format(n="seeder"), "seeder/src/main.rs": MAIN,
                            "Dockerfile": unified, "seeder/Dockerfile": old, "compose.yaml": compose,
                            ".github/workflows/deploy.yml": workflow})
    found = [f for f in lint(root, ["VW401"]) if f.location.path.parent.name == "seeder"]
    assert [f.effective_level.value for f in found] == ["note"]
    assert "`Dockerfile`, which compose or CI builds, ships the same binaries" in found[0].message
    found = lint(root, ["VW206"])  # a crash stays an error, with the guess in the message
    assert [f.effective_level.value for f in found] == ["error"] and "so it may be retired" in found[0].message
    # without the matrix, nothing else ships the seeder: its own Dockerfile is the one that does
    write(root, {".github/workflows/deploy.yml": workflow.replace("            { image: seeder, package: seeder },\n",
                                                                  "")})
    found = [f for f in lint(root, ["VW401"]) if f.location.path.parent.name == "seeder"]
    assert [f.effective_level.value for f in found] == ["warning"]
    found = lint(root, ["VW206"])
    assert [f.effective_level.value for f in found] == ["error"] and "retired" not in found[0].message
