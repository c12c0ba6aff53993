"""The `scripts` of a `package.json` as wrapper command lines: a JavaScript monorepo starts its compose stack with
`npm run docker:up`, and the script says which `--env-file`, `-f` files and profiles it passes."""

from __future__ import annotations

import json


def npm_scripts(text: str) -> list[tuple[int, str, str, bool]]:
    """The `scripts` of a package.json (`"docker:up": "docker compose --env-file .env.docker up"`), each a
    command line labelled with its script name, at the line that defines it."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return []
    lines = text.splitlines()
    out: list[tuple[int, str, str, bool]] = []
    for name, command in scripts.items():
        if not isinstance(command, str) or not isinstance(name, str):
            continue
        key = json.dumps(name)
        line = next((n for n, raw in enumerate(lines, 1) if raw.lstrip().startswith(key)), 1)
        out.extend((line, part.strip(), name.lower(), True) for part in command.split("&&"))
    return out
