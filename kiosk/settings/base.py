"""What every settings table shares: strict frozen tables, TOML lists kept as tuples, and
the error that names the key a mistake across keys is best reported at."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Problem(ValueError):
    """A mistake found across keys, raised with the dotted key it is best reported at."""

    def __init__(self, key: str, text: str):
        super().__init__(text)
        self.key = key


class Table(BaseModel):
    """One TOML table: frozen, strict, and no keys beyond those described."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True
    )


def _listed(value: Any) -> Any:
    # TOML has arrays, the models keep tuples (immutable); the items stay strictly checked.
    return tuple(value) if isinstance(value, list) else value


Listed = BeforeValidator(_listed)
