"""Configuration: typed, unknown keys refused, mistakes reported with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from suture.cli.main import app
from suture.config.loader import load_config
from suture.connectors.http.config import HttpSinkConfig
from suture.connectors.mllp.config import MllpSourceConfig
from suture.errors import ConfigError
from suture.pipeline.config import AnyOf, Condition

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
name: adt
source:
  type: mllp
  port: 3575
filters:
  - any:
      - path: MSH-9.1
        in: [DFT, RDS]
      - not:
          path: PV1-2
          equals: I
routes:
  - name: erp
    sink: {type: http, url: "http://127.0.0.1:9/x"}
    order_by: PID-3.1
"""


def write(tmp_path: Path, channel: str, settings: str = "") -> Path:
    (tmp_path / "channels").mkdir(exist_ok=True)
    (tmp_path / "channels" / "adt.yaml").write_text(channel)
    (tmp_path / "suture.yaml").write_text(settings)
    return tmp_path / "suture.yaml"


def problems(tmp_path: Path, channel: str, settings: str = "") -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, channel, settings), environ={})
    return info.value.problems


def test_valid_channel_loads_into_typed_members(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD), environ={})
    ch = cfg.channels[0]
    assert isinstance(ch.source, MllpSourceConfig) and ch.source.port == 3575
    assert isinstance(ch.routes[0].sink, HttpSinkConfig)
    assert isinstance(ch.filters[0], AnyOf) and isinstance(ch.filters[0].any[0], Condition)
    assert ch.idempotency_key == ["MSH-10", "MSH-3", "MSH-4"]


def test_unknown_key_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("  port: 3575\n", "  port: 3575\n  colour: red\n"))
    assert found == [(str(tmp_path / "channels" / "adt.yaml"), 5, "source.colour", "unknown key")]


def test_out_of_range_value_points_at_its_line(tmp_path: Path) -> None:
    ((_, line, field, msg),) = problems(tmp_path, GOOD.replace("3575", "99999"))
    assert (line, field) == (4, "source.port") and "65535" in msg


def test_unknown_connector_type_is_refused(tmp_path: Path) -> None:
    ((_, line, field, msg),) = problems(tmp_path, GOOD.replace("type: http", "type: carrier-pigeon"))
    assert line == 14 and field.startswith("routes.0.sink") and "mllp" in msg


def test_filter_needs_exactly_one_operator(tmp_path: Path) -> None:
    bad = GOOD.replace("        in: [DFT, RDS]\n", "        in: [DFT, RDS]\n        equals: DFT\n")
    ((_, line, _field, msg),) = problems(tmp_path, bad)
    assert line == 7 and "exactly one" in msg


def test_bad_message_path_is_refused(tmp_path: Path) -> None:
    ((_, line, field, _),) = problems(tmp_path, GOOD.replace("order_by: PID-3.1", "order_by: patient id"))
    assert (line, field) == (15, "routes.0.order_by")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    ((_, line, _, msg),) = problems(tmp_path, GOOD.replace("routes:", "routes: [", 1))
    assert line is not None and "invalid YAML" in msg


def test_two_channels_on_one_port_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "channels" / "lab.yaml").write_text(GOOD.replace("name: adt", "name: lab"))
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "suture.yaml", environ={})
    assert "port 3575 is also used" in str(info.value)


def test_environment_overrides_settings(tmp_path: Path) -> None:
    env = {"SUTURE_DATABASE_URL": "postgresql://postgres@127.0.0.1/test", "SUTURE_API__PORT": "9090"}
    cfg = load_config(write(tmp_path, GOOD, "database_url: sqlite:///./x.db\n"), environ=env)
    assert cfg.settings.database_url == "postgresql://postgres@127.0.0.1/test"
    assert cfg.settings.api.port == 9090


def test_unknown_setting_is_reported(tmp_path: Path) -> None:
    ((file, line, field, msg),) = problems(tmp_path, GOOD, "data_dir: ./var\ndatabse_url: x\n")
    assert (file.endswith("suture.yaml"), line, field, msg) == (True, 2, "databse_url", "unknown key")


def test_shipped_demo_configuration_is_valid() -> None:
    cfg = load_config(ROOT / "suture.yaml", environ={})
    assert {c.name for c in cfg.channels} >= {"hl7-inbound", "erp-inbox"}


def test_check_config_command_prints_each_mistake(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("3575", "99999"))
    result = CliRunner().invoke(app, ["check-config", "-c", str(path)])
    assert result.exit_code == 2
    assert "adt.yaml:4: source.port" in result.output


def test_check_config_command_accepts_the_demo() -> None:
    result = CliRunner().invoke(app, ["check-config", "-c", str(ROOT / "suture.yaml")])
    assert result.exit_code == 0, result.output


def test_python_transform_that_cannot_be_imported_is_reported(tmp_path: Path) -> None:
    bad = GOOD.replace("routes:\n", "transforms:\n  - type: python\n    callable: no_such_module.fix\nroutes:\n")
    ((_, line, field, msg),) = problems(tmp_path, bad)
    assert (line, field) == (14, "transforms.0.callable") and "cannot import no_such_module.fix" in msg
