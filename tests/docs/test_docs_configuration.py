"""docs/configuration.md names every setting and every ``KEEL_*`` variable of keel.config."""

from __future__ import annotations

import re
from pathlib import Path

from doc_pages import DOCS, code_span, sections, table_rows

from keel import config
from keel.config import Price, Settings

CONFIGURATION_MD = DOCS / "configuration.md"


def _settings_rows() -> dict[str, list[str]]:
    section = next(s for s in sections(CONFIGURATION_MD.read_text()) if s.title == "Settings")
    return {code_span(cells[0]) or "": cells for _, cells in table_rows(section.body)}


def test_every_setting_has_a_row() -> None:
    rows = _settings_rows()
    assert set(rows) == set(Settings.model_fields), "settings table differs from Settings"


def test_each_variable_is_on_its_settings_row() -> None:
    rows = _settings_rows()
    for variable, field in config._ENV.items():
        assert code_span(rows[field][1]) == variable, f"{field} should name {variable}"
    for field, cells in rows.items():
        if field not in config._ENV.values():
            assert cells[1] == "—", f"{field} has no KEEL_* variable"


def test_every_keel_variable_in_config_is_documented() -> None:
    source = Path(config.__file__).read_text()
    text = CONFIGURATION_MD.read_text()
    variables = set(re.findall(r"\bKEEL_[A-Z_]+\b", source))
    assert {"KEEL_CONFIG", "KEEL_HOME", "KEEL_DATA_DIR"} <= variables
    for variable in sorted(variables):
        assert f"`{variable}`" in text, f"{variable} is not in docs/configuration.md"


def test_documented_defaults_match() -> None:
    rows = _settings_rows()
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None or field.default is None or name == "data_dir":
            continue
        assert rows[name][3] == f"`{field.default}`", f"default of {name}"
    assert rows["data_dir"][3] == f"`{Settings().data_dir}`"


def test_price_keys_are_documented() -> None:
    section = next(s for s in sections(CONFIGURATION_MD.read_text()) if s.title == "Prices")
    keys = {code_span(cells[0]) for _, cells in table_rows(section.body)}
    assert keys == set(Price.model_fields)
