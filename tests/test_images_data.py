"""rules/images.json is the reviewed knowledge file: it must match its schema and give sane answers."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from viworks_lint.images import lookup, split_image


def test_images_json_matches_its_schema() -> None:
    schema = json.loads(resources.files("viworks_lint.schemas").joinpath("images.schema.json").read_text("utf-8"))
    data = json.loads(resources.files("viworks_lint.rules").joinpath("images.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_lookup_examples() -> None:
    assert split_image("docker.io/library/rust:1.83-slim@sha256:abc") == ("rust", "1.83-slim")
    assert lookup("gcr.io/distroless/cc-debian12:nonroot").nonroot
    assert not lookup("debian:bookworm-slim").nonroot
    assert lookup("alpine:3.20").libc == "musl"
    assert lookup("debian:bullseye-slim").glibc == "2.31"
    assert not lookup("registry.example.com/team/runtime:1").known
    custom = lookup("registry.example.com/team/runtime:1", {"registry.example.com/team/runtime": {"nonroot": True}})
    assert custom.known and custom.nonroot


def test_nginx_image_facts() -> None:
    for ref in ("nginx:1.27-alpine", "nginx:1.27-alpine-slim", "nginx:1.27", "nginx:latest",
                "nginxinc/nginx-unprivileged:1.27-alpine", "nginxinc/nginx-unprivileged:stable"):
        assert "envsubst" in lookup(ref).tools, ref
    assert "curl" not in lookup("nginx:mainline-alpine-slim").tools
    assert "curl" in lookup("nginx:1.27-alpine").tools and "curl" in lookup("nginx:1.27").tools
    assert lookup("nginxinc/nginx-unprivileged:1.27-alpine").libc == "musl"
    assert lookup("nginxinc/nginx-unprivileged:1.27-alpine").nonroot


def test_outbound_tls_json_matches_its_schema() -> None:
    schema = json.loads(resources.files("viworks_lint.schemas").joinpath("outbound_tls.schema.json").read_text("utf-8"))
    data = json.loads(resources.files("viworks_lint.rules").joinpath("outbound_tls.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    from viworks_lint.outboundtls import https_client

    assert https_client("reqwest") and https_client("aws-sdk-s3") and not https_client("redis")
