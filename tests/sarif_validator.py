"""Locate and run Microsoft's SARIF multitool (``npm install --no-save @microsoft/sarif-multitool``).

``validate(path)`` runs ``Sarif.Multitool validate --rule-kind "Gh;Sarif"`` and returns every
error and warning it reports, formatted as ``LEVEL RULE: message``.
"""

from __future__ import annotations

import json
import os
import platform
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RULE_KINDS = "Gh;Sarif"


def _platform_package() -> str:
    if sys.platform.startswith("linux"):
        return "sarif-multitool-linux"
    if sys.platform == "darwin":
        return "sarif-multitool-darwin"
    if sys.platform.startswith("win"):
        return "sarif-multitool-win32"
    return f"sarif-multitool-{platform.system().lower()}"


def find_multitool() -> Path | None:
    """The multitool executable: ``$SARIF_MULTITOOL`` if set, else the npm package under the
    repository's ``node_modules``. ``None`` when it is not installed."""
    env = os.environ.get("SARIF_MULTITOOL")
    if env:
        path = Path(env)
        return path if path.is_file() else None
    exe = "Sarif.Multitool.exe" if sys.platform.startswith("win") else "Sarif.Multitool"
    candidate = REPO_ROOT / "node_modules" / "@microsoft" / _platform_package() / exe
    return candidate if candidate.is_file() else None


def _ensure_executable(path: Path) -> None:
    # npm may skip the package's postinstall `chmod u+x`.
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        path.chmod(mode | stat.S_IXUSR)


def _message(result: dict[str, Any], rules: list[dict[str, Any]]) -> str:
    msg = result.get("message", {})
    text = str(msg.get("text", ""))
    if not text and "id" in msg:
        # Multitool results use rule message templates: fill them in from the arguments.
        index = result.get("ruleIndex", -1)
        rule = rules[index] if 0 <= index < len(rules) else {}
        template = rule.get("messageStrings", {}).get(msg["id"], {}).get("text", msg["id"])
        text = str(template)
        for n, arg in enumerate(msg.get("arguments", [])):
            text = text.replace("{" + str(n) + "}", str(arg))
    return text


def parse_log(log: dict[str, Any]) -> list[str]:
    """Errors and warnings recorded in a multitool output log."""
    problems: list[str] = []
    for run in log.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        for result in run.get("results", []):
            level = result.get("level", "warning")
            if level in ("error", "warning"):
                problems.append(f"{level} {result.get('ruleId', '?')}: {_message(result, rules)}")
        for inv in run.get("invocations", []):
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
                for note in inv.get(key, []):
                    if note.get("level", "warning") in ("error", "warning"):
                        text = note.get("message", {}).get("text", "")
                        problems.append(f"{note.get('level', 'warning')} {key}: {text}")
    return problems


def validate(path: str | os.PathLike[str], multitool: Path | None = None) -> list[str]:
    """Validate a SARIF file; returns the multitool's error and warning messages (empty when
    clean). Raises ``FileNotFoundError`` when the multitool is not installed."""
    tool = multitool or find_multitool()
    if tool is None:
        raise FileNotFoundError(
            "SARIF multitool not found (npm install --no-save @microsoft/sarif-multitool)"
        )
    _ensure_executable(tool)
    env = dict(os.environ)
    env.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
    env.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "validation.sarif"
        cmd = [
            str(tool),
            "validate",
            "--rule-kind",
            RULE_KINDS,
            "--level",
            "Error;Warning;Note",
            "--log",
            "ForceOverwrite",
            "--output",
            str(out),
            str(Path(path).resolve()),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
        if not out.is_file():
            raise RuntimeError(
                f"SARIF multitool produced no output (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        log = json.loads(out.read_text(encoding="utf-8-sig"))
    problems = parse_log(log)
    if proc.returncode != 0 and not problems:
        problems.append(
            f"error multitool: exit status {proc.returncode}: {proc.stdout.strip()} {proc.stderr.strip()}"
        )
    return problems


if __name__ == "__main__":  # pragma: no cover
    for arg in sys.argv[1:]:
        for problem in validate(arg):
            print(f"{arg}: {problem}")
