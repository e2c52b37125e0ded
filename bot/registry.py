"""Platforms and features register themselves here; the core looks them up and names none.

A platform (a package or module directly under ``bot/adapters/``) calls ``add_platform`` when
imported, with its name, the schema of its ``[name]`` table, its runner, its ``chatdesk``
subcommands and the environment that selects it. A feature (a module under ``bot/features/``)
calls ``add_feature`` with the tables it reads, its CLI groups, the verb it answers with until
it is installed, and the function that installs it on a desk. ``discover()`` imports both
packages once, so adding a platform or a feature is adding a module: nothing in the core
changes (the model is Material's plugin entry points and opsdroid's connector loading).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.config_schema import PlatformConfig, register_section

if TYPE_CHECKING:
    from bot.commands import Verb

PACKAGES = ("bot.adapters", "bot.features")


@dataclass(frozen=True, slots=True)
class Platform:
    """What the core needs to know about one chat platform, brought by its adapter."""

    name: str
    summary: str  # for ``chatdesk run --help``
    runner: str  # "module:function", called as ``run(config, args) -> int`` by ``chatdesk run``
    section: type[PlatformConfig] = PlatformConfig  # the schema of its ``[name]`` table
    default: PlatformConfig | None = None  # the settings when the file has no ``[name]`` table
    example: str = ""  # its commented table for ``chatdesk init``
    cli: tuple[str, ...] = ()  # modules with ``register(commands, kb_commands)``
    detect: tuple[str, ...] = ()  # environment variables whose presence selects it by default
    run_options: Callable[[argparse.ArgumentParser], None] | None = None  # its ``chatdesk run`` options
    order: int = 50  # place in listings and in detection (lower first)


@dataclass(frozen=True, slots=True)
class Feature:
    """An optional part of the desk: its config tables, CLI groups, placeholder verbs and installer."""

    name: str
    install: str | None = None  # "module:function", called with each new desk
    sections: Mapping[str, Any] = field(default_factory=dict)  # table name -> schema
    cli: tuple[str, ...] = ()
    placeholders: tuple[Verb, ...] = ()  # answered "not available" until ``install`` replaces them
    order: int = 50
    example: str = ""  # its commented tables for ``chatdesk init``


_PLATFORMS: dict[str, Platform] = {}
_FEATURES: dict[str, Feature] = {}
_discovered = False


def add_platform(platform: Platform) -> Platform:
    """Register a platform and its config table (called by the adapter at import)."""
    _PLATFORMS[platform.name] = platform
    register_section(platform.name, platform.section)
    return platform


def add_feature(feature: Feature) -> Feature:
    """Register a feature and its config tables (called by its module in ``bot/features``)."""
    _FEATURES[feature.name] = feature
    for name, schema in feature.sections.items():
        register_section(name, schema)
    return feature


def discover(packages: Iterable[str] = PACKAGES) -> None:
    """Import every module directly under the plugin packages, once, so they register."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for package_name in packages:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(info.name)


def platforms() -> list[Platform]:
    """Every registered platform, in their order."""
    discover()
    return sorted(_PLATFORMS.values(), key=lambda p: (p.order, p.name))


def platform(name: str) -> Platform | None:
    discover()
    return _PLATFORMS.get(name)


def features() -> list[Feature]:
    """Every registered feature, in their order."""
    discover()
    return sorted(_FEATURES.values(), key=lambda f: (f.order, f.name))


def load(target: str) -> Any:
    """``"package.module:attribute"`` → the attribute (imported only when needed)."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def cli_modules() -> list[str]:
    """The CLI groups the features and platforms bring, features first."""
    return [*(m for f in features() for m in f.cli), *(m for p in platforms() for m in p.cli)]


def placeholder_verbs() -> list[Verb]:
    return [verb for feature in features() for verb in feature.placeholders]


def installers() -> Iterable[Callable[[Any], None]]:
    """Each feature's install function; a feature whose module is absent from this build is skipped."""
    for feature in features():
        if not feature.install:
            continue
        module_name = feature.install.partition(":")[0]
        try:
            install = load(feature.install)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        yield install
