"""JSON Schemas of a contribution and of the submission, as strict as the tool.

Stage: JSON exchange. Pydantic gives the shape of the models; a review and its
survey give the rules ``check`` and ``gcmreview import`` apply, written into the
schema so that a document the schema accepts is one the tool accepts: the survey
id, the review's contributor codes and languages, the survey's question ids, the
GCM objective numbers and principle keys, years from ``FIRST_YEAR`` to
``LAST_YEAR``, the e-mail format, required identity fields, and for every text the
length a spreadsheet cell holds and the characters a document cannot hold.
Rules a schema cannot say (a question or reference key given twice, citations of
undefined references, text in another language's script, the web address format)
are checked by the tool alone.

The submission's schema holds for a submission built without errors; a draft
(``build --draft``) may break the rules its errors name.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from .chars import ALLOWED_TEXT_PATTERN
from .config import CODE_RE, EMAIL_RE, ReviewConfig
from .model import FIRST_YEAR, LAST_YEAR, Contribution
from .submission import Submission
from .survey import Survey, load_reference
from .text import CELL_LIMIT
from .workbook.layout import IDENTITY_FIELDS

__all__ = ["DIALECT", "contribution_schema_for", "submission_schema_for"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema version both schemas are written in (``$schema``)."""

Rules = dict[str, dict[str, dict[str, Any]]]
"""Constraints by definition (the top level by its title) and property, merged into the generated schema."""

_CELL_TEXT = "CellText"
"""The definition every text of a contribution refers to."""

_PUBLISHED_NAMES = {"QuestionAnswers": "Answer"}
"""Models renamed in the code since the submission's schema was published, by their published name."""


class _PublishedNames(GenerateJsonSchema):
    def normalize_name(self, name: str) -> str:
        return super().normalize_name(re.sub(r"\b\w+\b", lambda m: _PUBLISHED_NAMES.get(m.group(), m.group()), name))


def contribution_schema_for(review: ReviewConfig, survey: Survey) -> dict[str, Any]:
    """The JSON Schema of a contribution to ``review`` (``gcmreview import`` / ``export``)."""
    languages = list(review.languages)
    texts = {"properties": {lang: {"type": "string"} for lang in languages}, "additionalProperties": {"const": ""}}
    rules: Rules = {
        "Contribution": {"survey": {"const": survey.id}, "contributor": _codes(review)},
        "Answer": {"question": {"enum": [q.id for q in survey.narrative_questions]}, "objectives": _objectives(), "text": texts},
        "PrincipleAnswer": {"principle": _principles(), "explanation": texts},
        "Identity": _identity(),
        **_shared_rules(),
    }
    schema = _strict(Contribution, GenerateJsonSchema, rules, review, survey)
    _walk_strings(schema, {"$ref": f"#/$defs/{_CELL_TEXT}"})
    schema["$defs"][_CELL_TEXT] = {
        "description": "A text a spreadsheet cell holds and a document can show: at most 32,767 characters, no control or direction characters.",
        "type": "string", "maxLength": CELL_LIMIT, "pattern": ALLOWED_TEXT_PATTERN,
    }
    return schema


def submission_schema_for(review: ReviewConfig, survey: Survey) -> dict[str, Any]:
    """The JSON Schema of ``build/submission.json`` for ``review``, its definitions under their published names."""
    codes, languages = _codes(review), {"propertyNames": {"enum": list(review.languages)}}
    rules: Rules = {
        "Submission": {
            "survey": {"const": survey.id},
            "languages": {"enum": list(review.languages)},
            "translations": {"additionalProperties": languages},
        },
        "Answer": {"question": {"enum": [q.id for q in survey.questions]}},
        "Paragraph": {"contributor": codes, "text": languages, "objectives": _objectives()},
        "ObjectiveActions": {"objective": _objectives()},
        "PrincipleResult": {"principle": _principles()},
        "PrincipleVote": {"contributor": codes, "explanation": languages},
        "ReferenceEntry": {"year": _years()},
        **{name: {"contributor": codes} for name in ("Provenance", "ActionEntry", "StatisticEntry")},
        "ContributorEntry": {"code": codes},
        **_shared_rules(),
    }
    return _strict(Submission, _PublishedNames, rules, review, survey)


def _shared_rules() -> Rules:
    """The rules of the contribution's models that the submission embeds (an action, a statistic) and of references."""
    return {
        "Action": {"year": _years(), "objectives": _objectives()},
        "Statistic": {"year": _years(), "objectives": _objectives()},
        "Reference": {"year": _years()},
    }


def _codes(review: ReviewConfig) -> dict[str, Any]:
    return {"pattern": CODE_RE.pattern, "enum": [c.code for c in review.contributors]}


def _objectives() -> dict[str, Any]:
    return {"enum": sorted(load_reference().objective_numbers)}


def _principles() -> dict[str, Any]:
    return {"enum": [p.key for p in load_reference().principles]}


def _years() -> dict[str, Any]:
    return {"minimum": FIRST_YEAR, "maximum": LAST_YEAR}


def _identity() -> dict[str, dict[str, Any]]:
    """Required identity fields hold more than spaces; the e-mail address, spaces around it aside, is one."""
    rules: dict[str, dict[str, Any]] = {spec.key: {"pattern": r"\S"} for spec in IDENTITY_FIELDS if spec.required}
    rules["email"] = {"pattern": r"^\s*" + EMAIL_RE.pattern.removeprefix("^").removesuffix("$") + r"\s*$"}
    return rules


def _strict(model: type[BaseModel], generator: type[GenerateJsonSchema], rules: Rules,
            review: ReviewConfig, survey: Survey) -> dict[str, Any]:
    """The model's schema with ``rules`` merged in, named as the review's."""
    generated = model.model_json_schema(schema_generator=generator)
    description = f"{generated['description']} The review of {review.country.name}, survey {survey.id}."
    definitions = generated.get("$defs", {})
    for name, properties in rules.items():
        target = generated if name == generated["title"] else definitions.get(name)
        if target is None:
            continue  # a model this schema does not hold
        for key, constraint in properties.items():
            _narrow(target["properties"][key], constraint)
    return {"$schema": DIALECT, **generated, "description": description}


def _narrow(node: dict[str, Any], constraint: dict[str, Any]) -> None:
    """Merge ``constraint`` into a property's schema: into each branch but null, into an array's items."""
    if "anyOf" in node:
        for branch in node["anyOf"]:
            if branch.get("type") != "null":
                _narrow(branch, constraint)
    elif node.get("type") == "array":
        _narrow(node["items"], constraint)
    else:
        _merge(node, constraint)


def _merge(node: dict[str, Any], constraint: dict[str, Any]) -> None:
    for key, value in constraint.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            _merge(node[key], value)
        elif key == "pattern" and "pattern" in node and node["pattern"] != value:
            node.setdefault("allOf", []).append({"pattern": value})
        else:
            node[key] = copy.deepcopy(value)


def _walk_strings(node: Any, constraint: dict[str, Any]) -> None:
    """Merge ``constraint`` into every free string the schema describes (not a choice from a list)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"enum", "const"} & node.keys():
            _merge(node, constraint)
        for value in node.values():
            _walk_strings(value, constraint)
    elif isinstance(node, list):
        for value in node:
            _walk_strings(value, constraint)
