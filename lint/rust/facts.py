"""The facts the rules need from a crate's Rust code. Plain frozen dataclasses, no tree-sitter types."""

from __future__ import annotations

from dataclasses import dataclass, field

from viworks_lint.location import Location


@dataclass(frozen=True)
class Route:
    """An HTTP route the app serves. ``path`` is the full path with every scope/nest prefix applied,
    in the framework's own parameter syntax (``/users/{id}``, ``/users/:id``, ``/files/*rest``)."""

    path: str
    methods: tuple[str, ...]  # upper-case; () = any method
    framework: str  # "actix" | "axum"
    location: Location  # where the path literal (or handler attribute) is written
    is_prefix: bool = False  # a mount that serves everything below it (nest_service, actix Files, fallback)


@dataclass(frozen=True)
class ListenAddr:
    """An address the app binds. ``host``/``port`` are literal values or defaults; ``*_env`` the env var
    that overrides them at run time (``PORT``, ``BIND_ADDR``), when the code reads one."""

    location: Location
    host: str | None = None
    port: int | None = None
    host_env: str | None = None
    port_env: str | None = None
    addr_env: str | None = None  # a whole "host:port" address read from one variable


@dataclass(frozen=True)
class EnvRead:
    """A read of an environment variable.

    kind: "runtime" (std::env::var, dotenvy::var, envy, clap env, config::Environment, or a helper
    function wrapping one, reported at the call's name argument) or "compile" (env!, option_env!).
    ``required`` means the program fails when it is unset (unwrap/expect/?/context()?, env!);
    ``default`` the literal fallback when one is visible. ``subcommands``: for a clap ``env`` arg of a
    struct reached only through clap subcommands, every chain of subcommand names (each level: the name
    and its aliases) that makes clap parse it; the read happens only when the command line selects one.
    Empty: on every run."""

    name: str
    kind: str
    required: bool
    location: Location
    in_build_script: bool = False
    default: str | None = None
    subcommands: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # the read is the fallback of other variables' reads (`var("DATABASE_URL").unwrap_or_else(|_| { … var("PGHOST")
    # … })`): it happens only when one of these is unset
    unless: tuple[str, ...] = ()
    # the function the read is written in (`from_env` of `impl Config`), when it is a named one other than `main`
    function: str = ""


@dataclass(frozen=True)
class CompileInput:
    """A file or directory the compiler reads because the code names it (``include_str!``,
    ``sqlx::migrate!``, an askama ``#[template(path)]``, …). ``path`` is as written (None: the macro's
    default); ``base`` is ``file`` (relative to the file that names it), ``manifest`` (to the package
    directory) or ``templates`` (askama's template directories)."""

    macro: str  # include_str | include_bytes | include | sqlx::migrate | sqlx::query | sqlx::query_file | …
    path: str | None
    base: str
    location: Location
    file: str  # the source file that names it (absolute)
    test_only: bool = False  # inside #[cfg(test)] / #[test]


@dataclass(frozen=True)
class CrateFacts:
    routes: tuple[Route, ...] = ()
    # False when some router could not be followed (a router built from a variable passed in from
    # outside, a macro, a function we could not find): rules then make no route claim.
    routes_resolved: bool = True
    frameworks: tuple[str, ...] = ()  # web frameworks seen in the code
    listens: tuple[ListenAddr, ...] = ()
    env_reads: tuple[EnvRead, ...] = ()
    parse_errors: tuple[Location, ...] = field(default=())  # files tree-sitter flagged with ERROR nodes
    files: tuple[str, ...] = ()  # source files read (absolute paths)
    inputs: tuple[CompileInput, ...] = ()  # files the code embeds at compile time
