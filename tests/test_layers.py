"""The layer contract names the ticket workflow module by module (tickets/ holds two layers:
the records under the SLA engine, the workflow above it). A new module of tickets/ that no
layer names would escape the check, so this test makes every one be placed."""

import pkgutil
import tomllib
from pathlib import Path

import tickets

ROOT = Path(__file__).resolve().parent.parent
UNPLACED_OK = {"apps", "migrations"}


def layer_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["id"] == "layers")
    names = set()
    for layer in contract["layers"]:
        for part in layer.replace("|", ":").split(":"):
            names.add(part.strip())
    return names


def test_every_tickets_module_is_in_a_layer():
    placed = layer_modules()
    modules = {m.name for m in pkgutil.iter_modules(tickets.__path__)}
    unplaced = sorted(m for m in modules - UNPLACED_OK if f"tickets.{m}" not in placed)
    assert not unplaced, f"tickets modules in no layer of pyproject.toml: {unplaced}"


def test_every_app_is_a_root_package_of_the_contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps <= set(config["root_packages"]), apps - set(config["root_packages"])
