"""The JSON Schemas of a contribution and of the submission: valid schemas, as strict as the tool, no stricter."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import gcmreview
from gcmreview.cli import main
from gcmreview.pipeline import submission_json
from gcmreview.prepared import prepare

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "inputs" / "sources").glob("*.json"))
Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting one key path (``answers.0.question``) of a contribution."""
    *parents, last = path.split(".")

    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return mutate


REFUSED: dict[str, tuple[Mutation, str]] = {
    "lower-case contributor code": (_set("contributor", "molvt"), "GCM111"),
    "contributor not in review.toml": (_set("contributor", "MOX"), "GCM111"),
    "another survey": (_set("survey", "escap-2019"), "GCM106"),
    "question 99z": (_set("answers.0.question", "99z"), "GCM217"),
    "objective 99": (_set("answers.0.objectives", [2, 99]), "GCM201"),
    "objective 0 of an action": (_set("actions.0.objectives", [0]), "GCM201"),
    "year 1800": (_set("actions.0.year", 1800), "GCM206"),
    "year 2101 of a reference": (_set("references.0.year", 2101), "GCM206"),
    "a language not of the review": (_set("answers.0.text.fr", "Bonjour"), "GCM220"),
    "unknown principle": (_set("principles.0.principle", "fairness"), "GCM218"),
    "not an e-mail": (_set("identity.email", "keo at molvt"), "GCM204"),
    "ministry only spaces": (_set("identity.ministry", "   "), "GCM200"),
    "text over 32,767 characters": (_set("actions.0.description", "x" * 32_768), "GCM212"),
    "a direction override": (_set("actions.0.title", "Law \u202eon migration"), "GCM213"),
    "a control character": (_set("identity.position", "Deputy\x0bDirector"), "GCM213"),
}

ACCEPTED: dict[str, Mutation] = {
    "an empty text in another language": _set("answers.0.text.fr", ""),
    "spaces around the e-mail address": _set("identity.email", " keo.chanthou@molvt.example.org "),
    "years at both ends": lambda doc: (_set("actions.0.year", 1945)(doc), _set("references.0.year", 2100)(doc)),
    "a text of exactly 32,767 characters": _set("actions.0.description", "x" * 32_767),
}


@pytest.fixture(scope="module")
def contribution_schema() -> dict[str, Any]:
    return gcmreview.contribution_schema(ROOT)


@pytest.fixture
def molvt() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "inputs" / "sources" / "molvt.json").read_text(encoding="utf-8"))
    assert doc["actions"] and doc["references"] and doc["principles"], "the mutations need each of these"
    return doc


@pytest.fixture
def review_workspace(tmp_path: Path) -> Path:
    (tmp_path / "inputs").mkdir()
    shutil.copy(ROOT / "inputs" / "review.toml", tmp_path / "inputs" / "review.toml")
    return tmp_path


def _errors(schema: dict[str, Any], doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft202012Validator(schema).iter_errors(doc)]


def _tool_import(workspace: Path, doc: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = workspace / "contribution.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    status = main(["import", str(path), "-w", str(workspace), "-o", str(workspace / "out.xlsx"), "--force"])
    return status, capsys.readouterr().err


def test_schemas_are_valid_2020_12_schemas(contribution_schema: dict[str, Any]) -> None:
    for schema in (contribution_schema, gcmreview.submission_schema(ROOT)):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
        assert "Cambodia" in schema["description"] and "escap-2020" in schema["description"]


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_sample_contributions_validate(contribution_schema: dict[str, Any], source: Path) -> None:
    assert _errors(contribution_schema, json.loads(source.read_text(encoding="utf-8"))) == []


def test_sample_submission_validates(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    prepared = prepare(tmp_path)
    assert not prepared.errors
    document = json.loads(submission_json(prepared.submission))
    schema = gcmreview.submission_schema(tmp_path)
    assert _errors(schema, document) == []
    for bad, where in ((_set("answers.0.question", "99z"), "answers/0/question"),
                       (_set("contributors.0.code", "ncct"), "contributors/0/code"),
                       (_set("languages", ["en", "lo"]), "languages")):
        mutated = copy.deepcopy(document)
        bad(mutated)
        assert [e for e in _errors(schema, mutated) if e.split(":")[0].startswith(where)], where


@pytest.mark.parametrize("name", list(REFUSED))
def test_schema_and_import_both_refuse(name: str, contribution_schema: dict[str, Any], molvt: dict[str, Any],
                                       review_workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate, code = REFUSED[name]
    mutate(molvt)
    assert _errors(contribution_schema, molvt), f"the schema accepts {name}"
    status, err = _tool_import(review_workspace, molvt, capsys)
    assert status == 1 and f"error {code}:" in err, err


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_schema_and_import_both_accept(name: str, contribution_schema: dict[str, Any], molvt: dict[str, Any],
                                       review_workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ACCEPTED[name](molvt)
    assert _errors(contribution_schema, molvt) == []
    status, err = _tool_import(review_workspace, molvt, capsys)
    assert status == 0, err


def test_schema_command_describes_the_workspace_review(capsys: pytest.CaptureFixture[str]) -> None:
    """The enums come from the review and its survey: the Lao sample's codes and languages, not Cambodia's."""
    lao = ROOT / "examples" / "lao-pdr"
    assert main(["schema", str(lao)]) == 0
    schema = json.loads(capsys.readouterr().out)
    codes = schema["properties"]["contributor"]["enum"]
    assert codes and "MOLVT" not in codes and all(c.isupper() for c in codes)
    assert sorted(schema["$defs"]["Answer"]["properties"]["text"]["properties"]) == ["en", "lo"]
    assert main(["schema", str(lao), "--submission"]) == 0
    assert json.loads(capsys.readouterr().out)["properties"]["languages"]["items"]["enum"] == ["en", "lo"]
