"""Settings written back into review.toml (gcmreview.update_settings): comments kept, validated first, the previous file kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tomllib
from pathlib import Path

import pytest

import gcmreview
from gcmreview import ContactSettings, ContributorSettings, GcmReviewError, current_settings, update_settings
from gcmreview.config import load_config

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2020, 8, 15, 9, 30, 5, 123456, tzinfo=dt.UTC)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the sample workspace's inputs (review.toml with its comments, the six workbooks)."""
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    return tmp_path


def _toml(workspace: Path) -> Path:
    return workspace / "inputs" / "review.toml"


def _history(workspace: Path) -> list[Path]:
    folder = workspace / "inputs" / "history" / "settings"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _current(workspace: Path) -> tuple[ContactSettings, list[ContributorSettings]]:
    return current_settings(load_config(workspace))


def _edit(workspace: Path, **changes: object) -> tuple[ContactSettings, list[ContributorSettings]]:
    contact, contributors = _current(workspace)
    return dataclasses.replace(contact, **changes), contributors  # type: ignore[arg-type]


def test_untouched_parts_stay_byte_for_byte_and_the_new_values_are_read(sample: Path) -> None:
    before = _toml(sample).read_text(encoding="utf-8")
    contact, contributors = _edit(sample, email="focal@ncct.example.org", telephone="+855 12 345 678")
    molvt = dataclasses.replace(contributors[1], name={"en": "Ministry of Labour", "km": "ក្រសួងការងារ"})
    new = ContributorSettings("MOT", {"en": "Ministry of Tourism", "km": "ក្រសួងទេសចរណ៍"})
    update_settings(sample, contact, [contributors[0], molvt, *contributors[2:5], new], now=NOW)  # MOP removed, MOT added

    after = _toml(sample).read_text(encoding="utf-8")
    head, institutions = before.index("[contact]"), before.index("# Partner institutions")
    assert after[:head] == before[:head]  # the header comments, survey, languages, publish, [country]
    assert after.endswith(before[institutions:])  # the comment before [[institutions]] and every institution
    assert "[contact]                     # the survey's contact block: the coordinating office\n" in after
    assert "# One [[contributors]] table per ministry or office, in the order their answers\n" in after
    assert 'email = "focal@ncct.example.org"\ntelephone = "+855 12 345 678"\n' in after
    assert '[[contributors]]\ncode = "MOT"\nname = { en = "Ministry of Tourism", km = "ក្រសួងទេសចរណ៍" }\n\n# Partner' in after
    # Values that did not change keep their exact text.
    for line in ('office = { en = "National Committee for Counter Trafficking (NCCT), Phnom Penh", km = ',
                 '[[contributors]]\ncode = "NCCT"\nname = { en = "National Committee for Counter Trafficking", km = "',
                 'code = "MOH"\nname = { en = "Ministry of Health", km = "ក្រសួងសុខាភិបាល" }\n\n[[contributors]]\ncode = "MOT"'):
        assert line in after

    review = load_config(sample)
    assert review.contact.email == "focal@ncct.example.org" and review.contact.telephone == "+855 12 345 678"
    assert [c.code for c in review.contributors] == ["NCCT", "MOLVT", "MOI-GDI", "MFAIC", "MOH", "MOT"]
    assert review.contributor("MOLVT").name == {"en": "Ministry of Labour", "km": "ក្រសួងការងារ"}  # type: ignore[union-attr]
    assert review.coordinator is not None and review.coordinator.code == "NCCT"
    assert len(review.institutions) == 12 and review.country.iso == "KHM"


def test_an_edited_contributor_keeps_its_table_its_comments_and_order(sample: Path) -> None:
    text = _toml(sample).read_text(encoding="utf-8")
    text = text.replace('code = "MOLVT"\n', 'code = "MOLVT"                # labour migration\norder = 9\n')
    text = text.replace('email = "secretariat@ncct.example.org"', 'email = "secretariat@ncct.example.org"   # the shared inbox')
    _toml(sample).write_text(text, encoding="utf-8")
    contact, contributors = _edit(sample, email="focal@ncct.example.org")
    renamed = dataclasses.replace(contributors[1], code="MOLVT-2", name={"en": "Labour", "km": "ការងារ"}, coordinator=True)
    former = dataclasses.replace(contributors[0], coordinator=False)
    update_settings(sample, contact, [renamed, former, *contributors[2:]])

    after = _toml(sample).read_text(encoding="utf-8")
    assert ('[[contributors]]\ncode = "MOLVT-2"                # labour migration\norder = 9\n'
            'name = { en = "Labour", km = "ការងារ" }\ncoordinator = true\n\n[[contributors]]\ncode = "NCCT"\n') in after
    assert 'email = "focal@ncct.example.org"   # the shared inbox\n' in after
    assert "coordinator = true" not in after[after.index('code = "NCCT"'):]
    review = load_config(sample)
    assert review.coordinator is not None and review.coordinator.code == "MOLVT-2"
    assert review.contributor("MOLVT-2").order == 9  # type: ignore[union-attr]


def test_texts_are_stored_as_text(sample: Path) -> None:
    odd = {"en": 'The "Office" <script>alert(1)</script> \\ back', "km": "ការិយាល័យ {x} = 'y'"}
    contact, contributors = _edit(sample, office=odd, position={}, address={"en": "Line, 1", "km": "ផ្លូវ ១"})
    update_settings(sample, contact, contributors)
    data = tomllib.loads(_toml(sample).read_text(encoding="utf-8"))
    assert data["contact"]["office"] == odd
    assert "position" not in data["contact"]  # an optional text left empty in every language is not written
    assert load_config(sample).contact.address == {"en": "Line, 1", "km": "ផ្លូវ ១"}


def test_the_previous_file_is_kept_with_its_bytes(sample: Path) -> None:
    before = _toml(sample).read_bytes()
    contact, contributors = _edit(sample, email="focal@ncct.example.org")
    kept = update_settings(sample, contact, contributors, now=NOW)
    assert kept == sample / "inputs" / "history" / "settings" / "20200815T093005.123456Z-review.toml"
    assert kept.read_bytes() == before
    assert _toml(sample).read_bytes() != before
    assert _history(sample) == [kept]


def test_unchanged_settings_write_nothing(sample: Path) -> None:
    before = _toml(sample).read_bytes()
    assert update_settings(sample, *_current(sample)) is None
    assert _toml(sample).read_bytes() == before and _history(sample) == []


def _named(contributors: list[ContributorSettings], n: int, **changes: object) -> list[ContributorSettings]:
    return [dataclasses.replace(c, **changes) if i == n else c for i, c in enumerate(contributors)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda c, cs: (dataclasses.replace(c, email="secretariat.ncct.example.org"), cs), "contact.email",
         "contact.email: 'secretariat.ncct.example.org' is not an e-mail address; write it as name@example.org."),
        (lambda c, cs: (c, _named(cs, 3, code="MOLVT")), "contributors[3].code",
         "contributors[3].code: contributor code MOLVT is listed twice; codes must be unique."),
        (lambda c, cs: (c, _named(cs, 1, name={"en": "Ministry of Labour", "km": ""})), "contributors[1].name.km",
         "contributors[1].name.km: contributor MOLVT has no name in km; add name.km."),
        (lambda c, cs: (dataclasses.replace(c, office={"en": "Office", "km": ""}), cs), "contact.office.km",
         "[contact] office has no text in km; add office.km"),
        (lambda c, cs: (c, _named(cs, 2, code="moi gdi")), "contributors[2].code",
         "'moi gdi' is not a contributor code; use 2-16 capital letters, digits or hyphens, e.g. MOLVT"),
    ],
)
def test_bad_settings_are_refused_at_their_key_and_nothing_is_written(sample: Path, change: object, key: str, message: str) -> None:
    before = _toml(sample).read_bytes()
    contact, contributors = change(*_current(sample))  # type: ignore[operator]
    with pytest.raises(GcmReviewError) as caught:
        update_settings(sample, contact, contributors)
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.file, problem.location.key) == ("GCM301", "inputs/review.toml", key)
    assert message in problem.message
    assert _toml(sample).read_bytes() == before and _history(sample) == []


def test_every_problem_is_reported_at_once(sample: Path) -> None:
    contact, contributors = _edit(sample, email="nobody")
    contributors = _named(_named(contributors, 4, code="NCCT"), 5, name={"en": "Ministry of Planning"})
    with pytest.raises(GcmReviewError) as caught:
        update_settings(sample, contact, contributors)
    keys = [d.location.key for d in caught.value.diagnostics]
    assert keys == ["contact.email", "contributors[4].code", "contributors[5].name.km"]


def test_a_removed_contributors_workbook_stays_and_check_reports_it(sample: Path) -> None:
    contact, contributors = _current(sample)
    update_settings(sample, contact, [c for c in contributors if c.code != "MOP"])
    assert (sample / "inputs" / "mop.xlsx").is_file()
    problems = [d for d in gcmreview.check(sample).diagnostics if d.code == "GCM111"]
    assert [(d.location.file, "'MOP'" in d.message) for d in problems] == [("inputs/mop.xlsx", True)]


def test_a_file_with_windows_line_ends_keeps_them(sample: Path) -> None:
    _toml(sample).write_bytes(_toml(sample).read_bytes().replace(b"\n", b"\r\n"))
    contact, contributors = _current(sample)
    update_settings(sample, contact, [*contributors, ContributorSettings("MOT", {"en": "Tourism", "km": "ទេសចរណ៍"})])
    data = _toml(sample).read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b'code = "MOT"\r\n' in data
    assert load_config(sample).contributors[-1].code == "MOT"
