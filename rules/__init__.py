"""The rule modules, one per rule (``vw<id>_<name>.py``). Importing this package registers every rule."""

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _module.name.startswith("vw"):
        importlib.import_module(f"{__name__}.{_module.name}")
