"""The GCM reference data (``gcmreview/survey/data/gcm.toml``).

Objective titles are compared with ``tests/golden/gcm-objectives.txt`` (one
``"<number>. <title>"`` per line, taken from General Assembly resolution 73/195,
para 16); clusters and principles with the lists below.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gcmreview.survey import GcmReference, load_reference

pytestmark = pytest.mark.filterwarnings("error")

GOLDEN_OBJECTIVES = Path(__file__).parent / "golden" / "gcm-objectives.txt"

CLUSTERS: dict[int, tuple[int, ...]] = {
    1: (2, 5, 6, 12, 18),
    2: (4, 8, 9, 10, 11, 13, 21),
    3: (14, 15, 16, 19, 20, 22),
    4: (1, 3, 7, 17, 23),
}

# Para 15 (a)-(j), in order.
PRINCIPLES: tuple[str, ...] = (
    "People-centred",
    "International cooperation",
    "National sovereignty",
    "Rule of law and due process",
    "Sustainable development",
    "Human rights",
    "Gender-responsive",
    "Child-sensitive",
    "Whole-of-government approach",
    "Whole-of-society approach",
)


@pytest.fixture(scope="module")
def ref() -> GcmReference:
    return load_reference()


def _golden_objectives() -> list[str]:
    return GOLDEN_OBJECTIVES.read_text(encoding="utf-8").splitlines()


def test_objectives_numbered_1_to_23(ref: GcmReference) -> None:
    assert [o.number for o in ref.objectives] == list(range(1, 24))


def test_objective_titles_match_golden(ref: GcmReference) -> None:
    actual = [f"{o.number}. {o.title}" for o in ref.objectives]
    assert actual == _golden_objectives()


def test_objective_lookup(ref: GcmReference) -> None:
    first = ref.objective(1)
    assert first is not None and first.title.startswith("Collect and utilize")
    assert ref.objective(24) is None
    assert ref.objective_numbers == frozenset(range(1, 24))


def test_four_clusters_with_their_objectives(ref: GcmReference) -> None:
    assert {c.number: c.objectives for c in ref.clusters} == CLUSTERS
    assert [c.number for c in ref.clusters] == [1, 2, 3, 4]


def test_each_objective_in_exactly_one_cluster(ref: GcmReference) -> None:
    counts = Counter(n for c in ref.clusters for n in c.objectives)
    assert set(counts) == ref.objective_numbers
    assert all(count == 1 for count in counts.values()), counts
    for number in ref.objective_numbers:
        cluster = ref.cluster_of(number)
        assert cluster is not None and number in CLUSTERS[cluster.number]


def test_ten_principles_in_para_15_order(ref: GcmReference) -> None:
    assert tuple(p.name for p in ref.principles) == PRINCIPLES
    assert [p.paragraph for p in ref.principles] == [f"({c})" for c in "abcdefghij"]


def test_principle_keys_unique_and_kebab_case(ref: GcmReference) -> None:
    keys = [p.key for p in ref.principles]
    assert len(set(keys)) == len(keys) == 10
    for key in keys:
        assert key == key.lower() and " " not in key and "_" not in key, key
    assert "people-centred" in keys and "whole-of-government" in keys
