"""The C libraries a Rust binary may link at run time and the CA store, as an image provides them: the name each
is reported by (``libpq``, ``libssl``, ``ca-certificates``), its soname, the package that installs it for the
image's package manager and release, and which OpenSSL major version the image's libssl is."""

from __future__ import annotations

from viworks_lint.packages import ImageContents

LIBPQ, LIBSSL, CA = "libpq", "libssl", "ca-certificates"
SONAME = {LIBPQ: "libpq.so.5", LIBSSL: "libssl.so.3"}


def package_for(lib: str, img: ImageContents) -> str:
    """The package that installs ``lib`` with the image's package manager (for libssl, the one of its release)."""
    pm = img.facts.package_manager
    distro = img.facts.distro or ""
    if lib == CA:
        return "ca-certificates"
    if lib == LIBPQ:
        return {"apt": "libpq5", "apk": "libpq"}.get(pm or "", "libpq")
    if pm == "apt":
        return "libssl1.1" if distro in ("debian10", "debian11", "ubuntu20.04") else "libssl3"
    return {"apk": "libssl3"}.get(pm or "", "openssl-libs")


def runtime_openssl(img: ImageContents) -> str | None:
    """The OpenSSL major version the image's libssl is: the libssl package a stage installs, else the base's."""
    for inst in img.installs:
        if inst.package.startswith("libssl1.1"):
            return "1.1"
        if inst.package.startswith("libssl3"):
            return "3"
    return img.facts.openssl
