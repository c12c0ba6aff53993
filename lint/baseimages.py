"""Families of base images by name: Rust toolchain images, other compilers' images, and operating system images
whose own command is a shell; and how an image reference is matched against such a family (a registry mirror
in front of a Docker Hub name counts as that name)."""

from __future__ import annotations

RUST_BASES = (
    "rust",
    "clux/muslrust",
    "messense/rust-musl-cross",
    "ghcr.io/cross-rs/",
    "rustembedded/cross",
    "lukemathwalker/cargo-chef",
    "ghcr.io/rust-lang/",
    "rustlang/rust",
    "ekidd/rust-musl-builder",
)
TOOLCHAIN_BASES = (*RUST_BASES, "golang", "gcc", "buildpack-deps")
# operating system images whose own command is a shell (`CMD ["/bin/sh"]` in alpine's and busybox's Dockerfiles,
# `CMD ["bash"]` in debian's, ubuntu's, fedora's, amazonlinux's): an image built on one that sets no ENTRYPOINT or
# CMD runs no program of its own (https://github.com/alpinelinux/docker-alpine, https://github.com/debuerreotype/
# docker-debian-artifacts, https://git.launchpad.net/cloud-images/+oci/ubuntu-base, https://github.com/docker-library/
# busybox)
OS_BASES = (
    "alpine", "debian", "ubuntu", "busybox", "fedora", "centos", "rockylinux", "almalinux", "amazonlinux",
    "archlinux", "oraclelinux", "bitnami/minideb", "opensuse/", "redhat/", "registry.access.redhat.com/",
)  # fmt: skip


def base_name(image: str) -> str:
    """The image name without tag or digest (`rust:1.83@sha256:…` → `rust`)."""
    return image.split("@")[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image.split("@")[0]


def is_base(image: str, bases: tuple[str, ...]) -> bool:
    name = base_name(image).lower()
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first) and not any(b.startswith(first + "/") for b in bases):
        name = rest  # a registry or mirror: public.ecr.aws/docker/library/rust is rust
    name = name.removeprefix("docker/library/").removeprefix("library/")
    return any(name == b or name.startswith(b) if b.endswith("/") else name == b for b in bases)
