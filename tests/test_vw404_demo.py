"""VW404: literal values that are a demo default (all digits, a keyboard or counting sequence, the names
around it, a short database init password, the value the README or `.env.example` documents) are a note;
real-looking secrets stay warnings."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.demovalues import demo_reason, made_of

from tests.helpers import lint, write


def _levels(root: Path) -> list[tuple[int, str]]:
    return sorted((f.location.line, f.level.value) for f in lint(root, ["VW404"]))


def test_vw404_demo_defaults_are_notes(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_USER: shop\n"
                        "      POSTGRES_PASSWORD: shop123\n"  # 6: the user name and a counting sequence
                        "  cache:\n    image: mysql:8\n    environment:\n"
                        "      MYSQL_ROOT_PASSWORD: boot\n"  # 10: short, for a stock database image
                        "  api:\n    image: acme/api:1\n    environment:\n"
                        "      ADMIN_PASSWORD: 135790\n"  # 14: all digits
                        "      PRIVATE_KEY: 1234asdf1234asdf1234asdf1234asdf\n"  # 15: keyboard and counting
                        "      SMTP_PASSWORD: my_password\n"  # 16: its own words and demo words
                        "      SESSION_SECRET: 7Hq2LrX9vKp4ZsW1mNc8Bd6Yt3Fg\n",  # 17: real-looking
    })
    assert _levels(tmp_path) == [(6, "note"), (10, "note"), (14, "note"), (15, "note"), (16, "note"),
                                 (17, "warning")]
    note = next(f for f in lint(tmp_path, ["VW404"]) if f.location.line == 6)
    assert "demo default" in note.message and "change it before deploying" in note.message
    assert "shop123" not in note.message


def test_vw404_short_value_of_an_admin_ui_stays_a_warning(tmp_path: Path) -> None:
    # a short password of a web login (not a database's init password) is a weak real credential
    write(tmp_path, {
        "compose.yaml": "services:\n  pgadmin:\n    image: dpage/pgadmin4:8\n    environment:\n"
                        "      PGADMIN_DEFAULT_PASSWORD: uiae\n"
                        "  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_PASSWORD: harbor2000\n",  # a name and a year: no sequence
    })
    assert _levels(tmp_path) == [(5, "warning"), (9, "warning")]


def test_vw404_the_documented_default_is_a_note(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_PASSWORD: Kest7rel-Moor\n",
    }
    write(tmp_path / "a", files)
    assert _levels(tmp_path / "a") == [(5, "warning")]
    write(tmp_path / "b", {**files, "README.md": "## Default credentials\n\n- **Password**: `Kest7rel-Moor`\n"})
    assert _levels(tmp_path / "b") == [(5, "note")]
    write(tmp_path / "c", {**files, ".env.example": "DB_PASSWORD=Kest7rel-Moor\n"})
    assert _levels(tmp_path / "c") == [(5, "note")]


def test_demo_reason_real_looking_values() -> None:
    for value in ("sk_live_51Hx9aQ2eZvKYlo2C8nXr", "dGhpcyBpcyBhIHNlY3JldCBrZXkgZm9yIGp3dA==", "surfjudge2000",
                  "9c82da59-cc10-4f4e-8777-413f2737533c", "postgres-Xq83kd0Zt"):
        assert demo_reason("APP_SECRET", value, ["surfjudge", "postgres"], datastore=False) is None
    assert demo_reason("LDAP_ADMIN_PASSWORD", "pass123", [], datastore=False) is not None
    assert made_of("qwerty", []) == frozenset({"sequence"})
    assert made_of("a1b2c3", []) is None  # single letters are no run of a sequence


def test_vw404_issued_credentials_and_long_numbers_are_never_demo_defaults(tmp_path: Path) -> None:
    """A `sk_live_` key stays a leak even when `.env.example` repeats it; a 26-digit number is no PIN."""
    key = "sk_live_51HqLzXK8vR2mN4pQ7tY9wB3cD6fG"
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: acme/api:1\n    environment:\n"
                        f"      STRIPE_SECRET_KEY: {key}\n"
                        "      JWT_SECRET: \"83749201948573629104857362\"\n"
                        "      ADMIN_PASSWORD: \"1234\"\n",
        ".env.example": f"STRIPE_SECRET_KEY={key}\n",
    })
    assert _levels(tmp_path) == [(5, "warning"), (6, "warning"), (7, "note")]
