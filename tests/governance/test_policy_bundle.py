"""Loading a bundle: modules, tests, data at their folder's path, and the hash."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from keel.governance.policy import DEFAULT_PACK, PolicyBundle, PolicyBundleError
from keel.spec.model import PoliciesSpec

POLICY = 'package keel.on_tool\n\nimport rego.v1\n\ndecision := {"result": "allow"}\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_shipped_pack() -> None:
    pack = PolicyBundle.load()
    assert pack.root == DEFAULT_PACK
    assert [m.path for m in pack.modules] == [
        "lib.rego",
        "on_input.rego",
        "on_output.rego",
        "on_route.rego",
        "on_tool.rego",
    ]
    assert all(t.path.endswith("_test.rego") for t in pack.tests)
    assert pack.data["keel"]["limits"]["tools"]["refund"]["auto_approve_max"] == 500
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", pack.hash)


def test_data_files_land_at_their_folders_path(tmp_path: Path) -> None:
    bundle = PolicyBundle.load(
        write(
            tmp_path,
            {
                "p.rego": POLICY,
                "data.json": '{"keel": {"roles": {"admin": ["*"]}}}',
                "keel/limits/data.yaml": "auto_approve_max: 100\n",
                ".hidden/data.json": '{"ignored": true}',
            },
        )
    )
    assert bundle.data == {"keel": {"roles": {"admin": ["*"]}, "limits": {"auto_approve_max": 100}}}


def test_spec_data_overrides_bundle_data_and_the_hash(tmp_path: Path) -> None:
    write(tmp_path, {"p.rego": POLICY, "data.json": '{"keel": {"limits": {"a": 1, "b": 2}}}'})
    plain = PolicyBundle.load(tmp_path)
    tuned = PolicyBundle.load(tmp_path, data={"keel": {"limits": {"a": 5}}})
    assert tuned.data == {"keel": {"limits": {"a": 5, "b": 2}}}
    assert tuned.hash != plain.hash


def test_hash_is_stable_and_follows_content(tmp_path: Path) -> None:
    a = write(tmp_path / "a", {"p.rego": POLICY, "data.json": '{"x": {"b": 1, "a": 2}}'})
    b = write(tmp_path / "b", {"p.rego": POLICY, "data.json": '{"x": {"a": 2, "b": 1}}'})
    assert PolicyBundle.load(a).hash == PolicyBundle.load(a).hash == PolicyBundle.load(b).hash
    # tests cannot change a decision, so they are not part of the version
    write(b, {"p_test.rego": "package t\n\nimport rego.v1\n\ntest_x if true\n"})
    assert PolicyBundle.load(b).hash == PolicyBundle.load(a).hash
    before = PolicyBundle.load(a).hash
    write(b, {"p.rego": POLICY + "\n"})
    assert PolicyBundle.load(b).hash != before
    write(a, {"data.json": '{"x": {"a": 2, "b": 3}}'})
    assert PolicyBundle.load(a).hash != before


def test_a_copied_pack_has_the_packs_hash(tmp_path: Path) -> None:
    copy = shutil.copytree(DEFAULT_PACK, tmp_path / "pack")
    assert PolicyBundle.load(copy).hash == PolicyBundle.load().hash


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no Rego policies"),
        ({"p_test.rego": "package t\n"}, "holds no Rego policies"),
        ({"p.rego": POLICY, "data.json": "[1]"}, "must hold an object, not list"),
        ({"p.rego": POLICY, "data.json": '{"a": 1', "x/data.json": "{}"}, "Expecting"),
        (
            {"p.rego": POLICY, "data.json": '{"x": {"y": 1}}', "x/data.json": '{"y": 2}'},
            "sets data.x.y, which another data file already sets",
        ),
        ({"p.rego": POLICY, "data.yaml": "a: [1\n"}, "while parsing"),
    ],
)
def test_bad_bundles_are_located_errors(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    write(tmp_path, files)
    with pytest.raises(PolicyBundleError) as caught:
        PolicyBundle.load(tmp_path)
    assert message in str(caught.value)
    assert caught.value.code == "INPUT_INVALID"


def test_the_spec_section_chooses_the_engine() -> None:
    assert PoliciesSpec().engine == "embedded"
    opa = PoliciesSpec(engine="opa", url="http://127.0.0.1:8181", timeout_s=0.1)
    assert (opa.url, opa.package, opa.timeout_s) == ("http://127.0.0.1:8181", "keel", 0.1)
    with pytest.raises(ValueError, match="engine 'opa' needs the server's 'url'"):
        PoliciesSpec(engine="opa")
    with pytest.raises(ValueError, match="'url' is only for engine 'opa'"):
        PoliciesSpec(url="http://127.0.0.1:8181")
    with pytest.raises(ValueError, match="String should match pattern"):
        PoliciesSpec(package="keel/policies")
